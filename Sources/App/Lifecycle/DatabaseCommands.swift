import Foundation
import Store

/// `craft-sync migrate` and `craft-sync backup`: database work an operator runs by hand.
public enum DatabaseCommands {
    /// Opens the database, applying any migrations it lacks, and says what was done.
    public static func migrate(_ configuration: Configuration) throws -> String {
        let store = try Store(configuration.databaseLocation)
        let latest = Schema.latestVersion(for: store.database.dialect)
        if store.openedAtVersion == latest {
            return "\(store.location): already at schema version \(latest); nothing to do"
        }
        return "\(store.location): migrated from schema version \(store.openedAtVersion) to \(latest)"
    }

    /// `migrate --from sqlite:PATH`: copies an SQLite database's state into the configured one (PostgreSQL, when a
    /// team moves to replicas), which must be empty; the source is only read. Stop `serve` on the source first.
    public static func copy(_ configuration: Configuration, from source: String) async throws -> String {
        guard source.hasPrefix("sqlite:") else { throw CommandError("--from takes sqlite:PATH (the SQLite file to copy from)") }
        let path = String(source.dropFirst("sqlite:".count))
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("there is no database at \(path) to copy from") }
        if case .sqlite(let target) = configuration.databaseLocation, target == path {
            throw CommandError("--from names the configured database itself; set --database to the database to copy into")
        }
        let from = try Store(path: path)
        let into = try Store(configuration.databaseLocation)
        let copied = try await DatabaseCopy.copy(from: from, to: into)
        let counts = DatabaseCopy.tables.map { "\(copied[$0] ?? 0) \($0)" }.joined(separator: ", ")
        return "copied \(path) into \(into.location): \(counts)"
    }

    /// Writes a consistent copy of the database to `destination`, safe while the service runs.
    public static func backup(_ configuration: Configuration, to destination: String, overwrite: Bool) throws -> String {
        guard case .sqlite = configuration.databaseLocation else { throw StoreError.backupByServerTools }
        if FileManager.default.fileExists(atPath: destination) {
            guard overwrite else { throw CommandError("\(destination) exists; pass --force to overwrite it") }
            try FileManager.default.removeItem(atPath: destination)
        }
        guard FileManager.default.fileExists(atPath: configuration.database) else {
            throw CommandError("there is no database at \(configuration.database) to back up")
        }
        let store = try Store(configuration.databaseLocation)
        try store.backup(to: destination)
        return "backed up \(configuration.database) to \(destination)"
    }
}
