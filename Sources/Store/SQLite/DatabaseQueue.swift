import Dispatch

/// Owns one connection and serialises every use of it on a private serial queue. Callers are async and
/// never block Swift's cooperative threads: the blocking SQLite call runs on the queue.
///
/// `@unchecked Sendable`: the connection is only touched inside `queue.async` blocks, which the serial
/// queue runs one at a time.
public final class DatabaseQueue: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let queue: DispatchQueue
    public let path: String

    public init(path: String, mode: SQLiteConnection.Mode = .readWrite, label: String = "craft-sync.database") throws(SQLiteError) {
        connection = try SQLiteConnection(path: path, mode: mode)
        queue = DispatchQueue(label: label)
        self.path = path
    }

    /// Runs `body` with exclusive use of the connection.
    public func access<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.connection) })
            }
        }
    }

    /// Same as `access`, for callers that are not async (command-line tools, start-up).
    public func accessNow<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try queue.sync { try body(connection) }
    }
}
