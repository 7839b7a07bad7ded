import CraftAPI
import DevTools
import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import Support

/// What the benchmarks share: a logger that says only what `level` lets through, a throwaway store, a backlog of ready
/// items, and clients wired to the in-process simulators as `serve` wires them.
public enum Bench {
    public static func logger(_ label: String = "bench", level: Logger.Level = .critical) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// A store in a fresh temporary directory, and that directory (remove it when done).
    public static func temporaryStore(_ name: String) throws -> (store: Store, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (try Store(path: directory.appendingPathComponent("bench.sqlite").path), directory)
    }

    /// `perWorkspace` ready items in each of `workspaces` (`ws-0`, `ws-1`, ...), made ready over the past weeks, ten
    /// minutes apart, as a real backlog is.
    public static func seedBacklog(_ simulators: SimulatorServer, workspaces: Int, perWorkspace: Int, now: Date = Date()) {
        for workspace in 0..<workspaces {
            for index in 0..<perWorkspace {
                simulators.craft.seed(
                    .init(workspaceId: "ws-\(workspace)", title: "Item \(workspace)-\(index)", status: "Ready for Development", type: "Feature"),
                    now: now.addingTimeInterval(-Double(perWorkspace - index) * 600))
            }
        }
    }

    /// Craft.io (in `dialect`) and GitHub clients to `simulators`, retrying by `policy` on `clock`.
    public static func clients(
        _ simulators: SimulatorServer, dialect: CraftDialect, transport: any HTTPClient, policy: RetryPolicy = RetryPolicy(), clock: any SyncClock
    ) -> (craft: any CraftClient, github: GitHubAdapter) {
        let craft = CraftClients.make(
            dialect: dialect, baseURL: simulators.baseURL, apiKey: simulators.credentials.craftAPIKey,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        let github = GitHubAdapter(
            baseURL: simulators.baseURL, owner: GitHubSimulator.Account.owner, repository: GitHubSimulator.Account.repository,
            token: GitHubSimulator.Account.token, transport: transport, policy: policy, clock: clock)
        return (craft, github)
    }
}
