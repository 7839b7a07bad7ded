import Foundation
import Store

/// A command's failure, told in one sentence.
public struct CommandError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `craft-sync events replay`: queue events for processing again; a running service picks them up within a second.
public enum EventCommands {
    public static func replay(_ configuration: Configuration, id: Int64?, allDead: Bool) async throws -> String {
        let location = configuration.databaseLocation
        guard location.exists else { throw CommandError("there is no database at \(location)") }
        let store = try Store(location)
        if allDead {
            let count = try await store.events.replayDead()
            return "\(count) dead event(s) queued for processing again"
        }
        guard let id else { throw CommandError("name an event id, or pass --dead") }
        guard try await store.events.replay(id: id) else { throw CommandError("there is no event \(id)") }
        return "event \(id) queued for processing again"
    }
}
