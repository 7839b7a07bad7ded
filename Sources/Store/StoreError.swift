/// Why the store cannot be used, phrased for the operator who has to act on it.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The file was written by a newer craft-sync; nothing was changed.
    case newerSchema(found: Int, supported: Int)
    /// The file at the path is not an SQLite database (or is damaged); it was left untouched.
    case notADatabase(path: String, reason: String)
    case cannotOpen(path: String, reason: String)
    /// PostgreSQL could not be reached or refused the login.
    case cannotConnect(location: String, reason: String)
    case notFound(String)
    case backupFailed(destination: String, reason: String)
    /// `backup` on PostgreSQL: the server's own tools do it better (consistent, online, restorable with theirs).
    case backupByServerTools

    public var description: String {
        switch self {
        case .newerSchema(let found, let supported):
            "the database has schema version \(found), but this craft-sync knows versions up to \(supported): it was written by a newer craft-sync. Run that version, or restore a backup; nothing was changed."
        case .notADatabase(let path, let reason):
            "\(path) is not a craft-sync database (\(reason)). It was left untouched; point --database elsewhere or restore a backup."
        case .cannotOpen(let path, let reason):
            "cannot open the database at \(path): \(reason). Check that the directory exists and this user may write it."
        case .cannotConnect(let location, let reason):
            "cannot open the database at \(location): \(reason). Check the URL, the password (database_password) and that the server takes connections from here."
        case .notFound(let what):
            "\(what) was not found"
        case .backupFailed(let destination, let reason):
            "backup to \(destination) failed: \(reason)"
        case .backupByServerTools:
            "the database is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=craft-sync.dump DATABASE_URL) and restore with pg_restore; craft-sync backup copies SQLite files only"
        }
    }
}
