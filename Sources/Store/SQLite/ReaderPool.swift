import Synchronization

/// A few read-only connections, each on its own serial queue: reads run side by side (WAL lets every reader see the
/// last committed state while the writer works), so many lanes looking up mappings do not queue behind one connection
/// and one long read (a backup, a big listing) holds up only the reads given to its connection.
///
/// A read goes to the connection with the fewest reads queued.
final class ReaderPool: Sendable {
    let connections: [DatabaseQueue]
    private let queued: Mutex<[Int]>

    init(path: String, size: Int) throws {
        var connections: [DatabaseQueue] = []
        for index in 0..<max(1, size) {
            let queue = try DatabaseQueue(path: path, label: "craft-sync.store.reader.\(index)")
            try queue.accessNow { try $0.execute("PRAGMA query_only = ON") }
            connections.append(queue)
        }
        self.connections = connections
        queued = Mutex(Array(repeating: 0, count: connections.count))
    }

    func access<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let index = queued.withLock { counts in
            let index = counts.indices.min { counts[$0] < counts[$1] } ?? 0
            counts[index] += 1
            return index
        }
        defer { queued.withLock { $0[index] -= 1 } }
        return try await connections[index].access(body)
    }

    /// The first connection, for callers that are not async (start-up, backup).
    var first: DatabaseQueue { connections[0] }
}
