import CLibPQ
import Foundation
import Synchronization

extension PostgresDatabase {
    /// The channel a stored delivery is announced on.
    static let eventsChannel = "craft_sync_events"

    /// `body` under a session-level advisory lock taken with `pg_try_advisory_lock` on the lock session, released after;
    /// nil when another session holds it. Should the lock session's connection drop meanwhile, the server releases the
    /// lock: another replica may then start the same work, which the claims in the rows still keep from being done twice.
    public func whileHolding<T: Sendable>(_ lock: AdvisoryLock, _ body: @Sendable () async throws -> T) async throws -> T? {
        let key = lock.key
        let taken = try await lockSession.access { connection in
            try connection.firstRow("SELECT pg_try_advisory_lock(?)", [key]) { $0.int(0) == 1 } ?? false
        }
        guard taken else { return nil }
        do {
            let result = try await body()
            _ = try? await lockSession.access { connection in try connection.run("SELECT pg_advisory_unlock(?)", key) }
            return result
        } catch {
            _ = try? await lockSession.access { connection in try connection.run("SELECT pg_advisory_unlock(?)", key) }
            throw error
        }
    }

    /// Measures how far the server's clock is from this host's: the server's `clock_timestamp()` against the middle of
    /// the round trip. Kept in `clockOffset`; the heartbeat measures again every time it beats.
    @discardableResult
    public func measureClockOffset() async throws -> TimeInterval {
        let (before, server, after) = try await read { connection in
            let before = Date().timeIntervalSince1970
            let server = try connection.firstRow("SELECT extract(epoch FROM clock_timestamp())::float8") { $0.double(0) } ?? before
            return (before, server, Date().timeIntervalSince1970)
        }
        let offset = server - (before + after) / 2
        offsetBits.store(offset.bitPattern, ordering: .relaxed)
        return offset
    }

    /// LISTEN/NOTIFY on `eventsChannel` (https://www.postgresql.org/docs/current/sql-notify.html).
    public func newEventNotifications() -> AsyncStream<Void>? { listen(channel: Self.eventsChannel) }

    public func announceNewEvent() { announcer.announce() }

    /// A stream of one value per notification on `channel`, from a connection of its own on a thread of its own
    /// (libpq's wait is a blocking `poll`); reconnected after a loss, with a notification then, since a delivery may
    /// have been missed meanwhile. Ends listening when the consumer stops.
    func listen(channel: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let listener = PostgresListener(url: url, password: password, channel: channel) { continuation.yield() }
        continuation.onTermination = { _ in listener.stop() }
        listener.start()
        return stream
    }
}

/// Sends `NOTIFY` for stored deliveries, at most one every `interval`, from a session of its own after the delivery's
/// commit: a wake-up needs no more than one (the processors read every due event when woken), and a NOTIFY inside
/// the acknowledging transaction would take the server's notification-queue lock at every commit
/// (https://www.postgresql.org/docs/current/sql-notify.html). Measured, moving it out changed the webhook benchmark
/// little (1,334 → 1,255 req/s, within the run-to-run noise): it is here for the lock, not for a figure.
final class EventAnnouncer: Sendable {
    private let session: PostgresSession
    private let channel: String
    private let interval: Duration
    private let scheduled = Atomic<Bool>(false)

    init(session: PostgresSession, channel: String, interval: Duration = .milliseconds(10)) {
        self.session = session
        self.channel = channel
        self.interval = interval
    }

    func announce() {
        guard scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        Task { [self] in
            try? await Task.sleep(for: interval)
            // Cleared before sending: a delivery stored from here on schedules the next notification.
            scheduled.store(false, ordering: .releasing)
            let channel = self.channel
            _ = try? await session.access { connection in try connection.run("SELECT pg_notify(?, '')", channel) }
        }
    }
}

/// The thread behind `listen(channel:)`.
final class PostgresListener: Sendable {
    private let url: String
    private let password: String?
    private let channel: String
    private let notify: @Sendable () -> Void
    private let stopped = Mutex<Bool>(false)

    init(url: String, password: String?, channel: String, notify: @escaping @Sendable () -> Void) {
        self.url = url
        self.password = password
        self.channel = channel
        self.notify = notify
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "craft-sync.postgres.listen"
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func run() {
        var failures = 0
        while !isStopped {
            do {
                let connection = try PostgresConnection(url: url, password: password)
                // The channel is our own constant identifier, not input: LISTEN takes no parameters.
                try connection.execute("LISTEN \(channel)")
                if failures > 0 { notify() }  // deliveries stored while we were away
                failures = 0
                while !isStopped {
                    guard try connection.waitForNotifications(timeoutMilliseconds: 500) else { continue }
                    notify()
                }
            } catch {
                failures += 1
                // Waits up to 5 s before connecting again, in steps that notice a stop.
                for _ in 0..<min(failures, 10) * 5 where !isStopped { usleep(100_000) }
            }
        }
    }
}
