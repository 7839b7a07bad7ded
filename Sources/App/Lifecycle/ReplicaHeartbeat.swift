import Foundation
import Logging
import Store
import Support

/// This replica's row in `replicas`, kept fresh while it serves and removed when it shuts down, so the status page and
/// API list the replicas sharing the database. On PostgreSQL each beat also measures the server clock's offset, the
/// clock every replica's leases are read against.
struct ReplicaHeartbeat: Sendable {
    let store: Store
    let replica: Replica
    let clock: any SyncClock
    let logger: Logger
    static let interval: Duration = .seconds(10)

    init(store: Store, clock: any SyncClock, logger: Logger, startedAt: Date) {
        let process = ProcessInfo.processInfo
        self.store = store
        self.clock = clock
        self.logger = logger
        replica = Replica(
            id: "\(process.hostName):\(process.processIdentifier):\(UUID().uuidString.prefix(8))", host: process.hostName,
            pid: Int(process.processIdentifier), version: CraftSyncVersion.current, startedAt: startedAt, lastSeen: startedAt)
    }

    func run() async {
        while !Task.isCancelled {
            await beat()
            do { try await clock.sleep(for: Self.interval) } catch { break }
        }
        try? await store.replicas.leave(id: replica.id)
    }

    func beat() async {
        do {
            let offset = try await store.database.measureClockOffset()
            if abs(offset) > 1 { logger.notice("this host's clock is off the database server's; using the server's", metadata: ["offset_s": "\(offset)"]) }
        } catch {
            logger.warning("could not read the database server's clock", metadata: ["error": "\(error)"])
        }
        var seen = replica
        seen.lastSeen = clock.now()
        do {
            try await store.replicas.beat(seen)
        } catch {
            logger.warning("could not record this replica's heartbeat", metadata: ["error": "\(error)"])
        }
    }
}
