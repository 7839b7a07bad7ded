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
