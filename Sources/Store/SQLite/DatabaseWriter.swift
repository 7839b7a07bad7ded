import CSQLite
import Dispatch
import Synchronization

/// The one writer connection, with group commit: writes submitted while a transaction is being committed
/// wait together and go into the next transaction, so many concurrent writers share one fsync. Each caller
/// is answered only after the transaction holding its write has committed (durable under `synchronous=FULL`).
///
/// Every write runs inside its own savepoint, so one failing write is rolled back alone and the rest of its
/// batch still commits.
///
/// `@unchecked Sendable`: `connection` is used only on `queue` (a serial queue), and the pending list is
/// guarded by a `Mutex`.
public final class DatabaseWriter: @unchecked Sendable {
    private struct PendingWrite: Sendable {
        let run: @Sendable (SQLiteConnection) throws -> Void
        let complete: @Sendable ((any Error)?) -> Void
    }

    private let connection: SQLiteConnection
    private let queue: DispatchQueue
    private let pending = Mutex<(writes: [PendingWrite], drainScheduled: Bool)>(([], false))
    /// Most writes in one transaction, so one batch cannot hold every caller for long.
    private let maxBatch = 512
    private let commits = Atomic<Int>(0)

    /// Transactions committed so far: with group commit, fewer than the writes they carried.
    public var transactionsCommitted: Int { commits.load(ordering: .relaxed) }

    init(connection: SQLiteConnection, label: String) {
        self.connection = connection
        self.queue = DispatchQueue(label: label)
    }

    /// Runs `body` in a write transaction and returns once it is durably committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = ResultSlot<T>()
            enqueue(
                PendingWrite(
                    run: { connection in result.value = try body(connection) },
                    complete: { error in
                        if let error {
                            continuation.resume(throwing: error)
                        } else {
                            continuation.resume(returning: result.value!)
                        }
                    }))
        }
    }

    private func enqueue(_ write: PendingWrite) {
        let schedule = pending.withLock { state in
            state.writes.append(write)
            defer { state.drainScheduled = true }
            return !state.drainScheduled
        }
        if schedule { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let batch = pending.withLock { state -> [PendingWrite] in
                let batch = Array(state.writes.prefix(maxBatch))
                state.writes.removeFirst(batch.count)
                if state.writes.isEmpty { state.drainScheduled = false }
                return batch
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [PendingWrite]) {
        var outcomes: [(any Error)?] = []
        outcomes.reserveCapacity(batch.count)
        do {
            try beginImmediate()
            // Prepared once per connection: these run for every write of every batch.
            let savepoint = try connection.statement("SAVEPOINT write")
            let release = try connection.statement("RELEASE write")
            for write in batch {
                try savepoint.run()
                do {
                    try write.run(connection)
                    try release.run()
                    outcomes.append(nil)
                } catch {
                    try connection.execute("ROLLBACK TO write")
                    try release.run()
                    outcomes.append(error)
                }
            }
            try connection.statement("COMMIT").run()
            commits.add(1, ordering: .relaxed)
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            for write in batch { write.complete(error) }
            return
        }
        for (write, outcome) in zip(batch, outcomes) { write.complete(outcome) }
    }

    /// `BEGIN IMMEDIATE`, waiting out another process's write lock: SQLITE_BUSY never reaches a caller
    /// unless the lock is held for minutes (then the error says so).
    private func beginImmediate() throws(SQLiteError) {
        var attempts = 0
        while true {
            do {
                try connection.execute("BEGIN IMMEDIATE")
                return
            } catch {
                // Each try has already waited the connection's busy timeout.
                guard error.primaryCode == SQLITE_BUSY && attempts < 60 else { throw error }
                attempts += 1
            }
        }
    }
}

/// Carries a write's result from the writer queue to its caller. `@unchecked Sendable`: written once on the
/// writer queue, read once afterwards in `complete`, which runs on the same queue.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}
