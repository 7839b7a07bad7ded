import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Store

/// What replicas sharing one database learn from it: who else runs, whose turn a workspace's poll is, and that a
/// delivery was stored by another of them.
@Suite("Replicas sharing a database", .timeLimit(.minutes(2)))
struct ReplicaCoordinationTests {
    @Test("each replica's heartbeat row is listed, most recently seen first, and leaves with it", arguments: Backend.allCases)
    func heartbeats(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let first = Replica(id: "a:1:x", host: "a", pid: 1, version: "0.1.0", startedAt: t0, lastSeen: t0)
        let second = Replica(id: "b:2:y", host: "b", pid: 2, version: "0.1.0", startedAt: t0, lastSeen: t0.addingTimeInterval(5))
        try await store.replicas.beat(first)
        try await store.replicas.beat(second)
        var later = first
        later.lastSeen = t0.addingTimeInterval(10)
        try await store.replicas.beat(later)
        #expect(try await store.replicas.list() == [later, second])
        try await store.replicas.leave(id: first.id)
        #expect(try await store.replicas.list() == [second])
    }

    @Test("one replica at a time holds a workspace's intake lock on PostgreSQL; the other is told, and may take it after")
    func intakeLock() async throws {
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        let url = try await SharedPostgres.shared.freshDatabase()
        let (first, second) = try await offThePool { (try PostgresDatabase(url: url), try PostgresDatabase(url: url)) }
        let (entered, release) = AsyncStream<Void>.makeStream()
        let (held, holding) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await first.whileHolding(.intake(workspace: "w1")) {
                holding.yield()
                for await _ in entered { break }
                return "polled by the first"
            }
        }
        for await _ in held { break }
        #expect(try await second.whileHolding(.intake(workspace: "w1")) { "polled by the second" } == nil)
        #expect(try await second.whileHolding(.intake(workspace: "w2")) { "another workspace" } == "another workspace")
        release.yield()
        #expect(try await holder.value == "polled by the first")
        #expect(try await second.whileHolding(.intake(workspace: "w1")) { "polled by the second" } == "polled by the second")
    }

    @Test("a delivery stored through one replica wakes the listeners of another on PostgreSQL")
    func notifications() async throws {
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        let url = try await SharedPostgres.shared.freshDatabase()
        let (listening, storing) = try await offThePool { (try PostgresDatabase(url: url), try PostgresDatabase(url: url)) }
        let notifications = try #require(listening.newEventNotifications())
        let store = Store(database: storing)
        // The listener connects on its own thread: deliveries are stored until one is heard (a signal, not a sleep:
        // each store is a commit the listener may hear).
        let heard = Flag()
        let listener = Task {
            for await _ in notifications {
                heard.set()
                return
            }
        }
        for index in 0..<600 where !heard.isSet {
            _ = try await store.events.append(
                IncomingEvent(tool: "github", deliveryID: "d\(index)", eventType: "issues", receivedAt: t0, body: Array("{\"n\":\(index)}".utf8)))
            try await Task.sleep(for: .milliseconds(20))
        }
        listener.cancel()
        #expect(heard.isSet)
    }
}

private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
