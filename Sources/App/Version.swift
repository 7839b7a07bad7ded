/// The version `GET /api/v1/status` reports.
public enum CraftSyncVersion {
    public static let current = "0.1.0"
}
