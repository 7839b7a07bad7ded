import Dispatch
import Foundation
import Support
import Synchronization

/// One pooled PostgreSQL session: a connection opened when first needed, used on its own serial queue (libpq blocks),
/// and opened again after the server or the network dropped it, no sooner than a backoff allows: while the server is
/// gone each use fails at once with the last error instead of waiting on a connect.
///
/// `@unchecked Sendable`: `connection`, `failures` and `retryAfter` are touched only inside blocks on `queue`, a serial
/// queue, which runs them one at a time.
final class PostgresSession: @unchecked Sendable {
    private let url: String
    private let password: String?
    private let queue: DispatchQueue
    private var connection: PostgresConnection?
    private var failures = 0
    private var retryAfter = ContinuousClock.now
    private var lastFailure: PostgresError?
    private let backoff = Backoff(base: .milliseconds(100), cap: .seconds(5))
    private let healthy = Atomic<Bool>(true)

    /// False from a lost connection until the next connect succeeds: the pool sends work to the sessions that have one.
    var isHealthy: Bool { healthy.load(ordering: .relaxed) }

    init(url: String, password: String?, label: String, connection: PostgresConnection? = nil) {
        self.url = url
        self.password = password
        self.queue = DispatchQueue(label: label)
        self.connection = connection
    }

    /// Runs `body` with this session's connection, on its queue.
    func access<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.use(body) })
            }
        }
    }

    private func use<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try connected()
        do {
            return try body(connection)
        } catch let error as PostgresError where error.isConnectionLost || !connection.isOpen {
            drop(error)
            throw error
        }
    }

    private func connected() throws(PostgresError) -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        connection = nil
        if var lastFailure, ContinuousClock.now < retryAfter {
            lastFailure.nothingSent = true
            throw lastFailure
        }
        do {
            let opened = try PostgresConnection(url: url, password: password)
            try? PostgresDatabase.configure(opened)
            connection = opened
            healthy.store(true, ordering: .relaxed)
            failures = 0
            lastFailure = nil
            return opened
        } catch {
            drop(error)
            var error = error
            error.nothingSent = true
            throw error
        }
    }

    private func drop(_ error: PostgresError) {
        connection = nil
        healthy.store(false, ordering: .relaxed)
        failures += 1
        lastFailure = error
        retryAfter = ContinuousClock.now + backoff.ceiling(attempt: failures)
    }
}
