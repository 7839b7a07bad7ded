import Foundation
import Store

/// `craft-sync migrate` and `craft-sync backup`: database work an operator runs by hand.
public enum DatabaseCommands {
    /// Opens the database, applying any migrations it lacks, and says what was done.
    public static func migrate(_ configuration: Configuration) throws -> String {
        let store = try Store(path: configuration.databasePath)
        let latest = Schema.latestVersion
        if store.openedAtVersion == latest {
            return "\(configuration.databasePath): already at schema version \(latest); nothing to do"
        }
        return "\(configuration.databasePath): migrated from schema version \(store.openedAtVersion) to \(latest)"
    }

    /// Writes a consistent copy of the database to `destination`, safe while the service runs.
    public static func backup(_ configuration: Configuration, to destination: String, overwrite: Bool) throws -> String {
        if FileManager.default.fileExists(atPath: destination) {
            guard overwrite else { throw CommandError("\(destination) exists; pass --force to overwrite it") }
            try FileManager.default.removeItem(atPath: destination)
        }
        guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
            throw CommandError("there is no database at \(configuration.databasePath) to back up")
        }
        let store = try Store(path: configuration.databasePath)
        try store.backup(to: destination)
        return "backed up \(configuration.databasePath) to \(destination)"
    }
}
