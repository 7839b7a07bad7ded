import Synchronization

/// Group commit on PostgreSQL: writes submitted while transactions are being committed wait together and go into the
/// next one, so a burst of webhook acknowledgements shares one WAL flush and one BEGIN/COMMIT round trip instead of
/// paying them each. Up to `drainers` batches run at once, on different sessions. No savepoint per write (each is a
/// round trip, and a batch of them was slower than no batching: measured): when a write fails, the batch is rolled
/// back and its writes run again one transaction each, so the failure stays the failing write's alone. Each caller is
/// answered once the transaction holding its write has committed (durable: `synchronous_commit = on`).
///
/// The transaction is SERIALIZABLE, so writes from other replicas interleave with none of them; when PostgreSQL
/// aborts the batch for a serialization failure, every write in it gets that error and its caller runs it again
/// (`PostgresDatabase.write`).
final class PostgresGroupCommit: Sendable {
    private struct PendingWrite: Sendable {
        let run: @Sendable (PostgresConnection) throws -> Void
        let complete: @Sendable ((any Error)?) -> Void
    }

    private let pending = Mutex<(writes: [PendingWrite], draining: Int)>(([], 0))
    /// Most writes in one transaction, so one batch cannot hold every caller for long.
    private let maxBatch = 128
    /// Batches committing at once.
    private let drainers = 4
    private let session: @Sendable () -> PostgresSession
    private let commits = Atomic<Int>(0)

    var transactionsCommitted: Int { commits.load(ordering: .relaxed) }

    /// `session` picks the session the next batch runs on (the least busy one with a connection).
    init(session: @escaping @Sendable () -> PostgresSession) {
        self.session = session
    }

    func submit<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = WriteResult<T>()
            enqueue(PendingWrite(
                run: { connection in result.value = try body(connection) },
                complete: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: result.value!) }
                }))
        }
    }

    private func enqueue(_ write: PendingWrite) {
        let start = pending.withLock { state in
            state.writes.append(write)
            guard state.draining < drainers else { return false }
            state.draining += 1
            return true
        }
        if start { Task { await drain() } }
    }

    private func drain() async {
        while true {
            let batch = pending.withLock { state -> [PendingWrite] in
                let batch = Array(state.writes.prefix(maxBatch))
                state.writes.removeFirst(batch.count)
                if batch.isEmpty { state.draining -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            var outcomes = await run(batch)
            // A batch that failed for one write (not for the connection, nor a serialization failure, which every
            // write's caller retries): each write again in a transaction of its own.
            if batch.count > 1, case .some(.some(let error)) = outcomes.first, !Self.failsAll(error) {
                outcomes = []
                for write in batch { outcomes.append((await run([write]))[0]) }
            }
            for (write, outcome) in zip(batch, outcomes) { write.complete(outcome) }
        }
    }

    private func run(_ batch: [PendingWrite]) async -> [(any Error)?] {
        do {
            let outcomes = try await session().access { connection in Self.commit(batch, on: connection) }
            if case .some(.none) = outcomes.first { commits.add(1, ordering: .relaxed) }
            return outcomes
        } catch {
            return Array(repeating: error, count: batch.count)
        }
    }

    /// An error that is no write's own: the connection, or a serialization failure (every caller runs its write again).
    private static func failsAll(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return error.isConnectionLost || error.isSerializationFailure || error.nothingSent
    }

    /// One transaction for `batch`: nil for each write when it committed, else the same error for all of them (the
    /// first write's failure, a serialization failure, a lost connection).
    private static func commit(_ batch: [PendingWrite], on connection: PostgresConnection) -> [(any Error)?] {
        do {
            try connection.begin("BEGIN ISOLATION LEVEL SERIALIZABLE")
        } catch {
            var failure = error as? PostgresError ?? PostgresError(sqlState: nil, message: "\(error)", context: "BEGIN")
            failure.nothingSent = true  // nothing of the batch ran: it may go to another session
            return Array(repeating: failure, count: batch.count)
        }
        do {
            for write in batch {
                try write.run(connection)
                // A statement that failed and was swallowed leaves the transaction failed: the batch cannot commit.
                if connection.isTransactionFailed, let failure = connection.transactionFailure { throw failure }
            }
            try connection.execute("COMMIT")
            return Array(repeating: nil, count: batch.count)
        } catch {
            // The first failure says why (a serialization failure is retried); what came after may only be "current
            // transaction is aborted".
            let cause: any Error = connection.transactionFailure ?? error
            if connection.isOpen && connection.isInTransaction { try? connection.execute("ROLLBACK") }
            return Array(repeating: error is PostgresError ? cause : error, count: batch.count)
        }
    }
}

/// Carries a write's result from the session's queue to its caller. `@unchecked Sendable`: written once on that queue
/// while the batch runs, read once afterwards in `complete`, after the session's `access` returned.
private final class WriteResult<T>: @unchecked Sendable {
    var value: T?
}
