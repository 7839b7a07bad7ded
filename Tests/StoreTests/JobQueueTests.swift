import Foundation
import Testing
@testable import Store

@Suite("The job queue")
struct JobQueueTests {
    @Test("a dedupe key allows one live job; once done, a new one may be queued")
    func dedupe() async throws {
        let store = try makeStore()
        let first = try await store.jobs.enqueue(kind: "push", payload: "{}", dedupeKey: "mapping-1", runAt: t0, now: t0)
        #expect(first != nil)
        #expect(try await store.jobs.enqueue(kind: "push", payload: "{}", dedupeKey: "mapping-1", runAt: t0, now: t0) == nil)
        let leased = try await store.jobs.lease(owner: "w", now: t0, leaseDuration: 30, limit: 10)
        #expect(try await store.jobs.complete(id: leased[0].id, owner: "w", now: t0))
        #expect(try await store.jobs.enqueue(kind: "push", payload: "{}", dedupeKey: "mapping-1", runAt: t0, now: t0) != nil)
    }

    @Test("a lease hands each due job to one worker, in order, and counts the attempt")
    func lease() async throws {
        let store = try makeStore()
        try await store.jobs.enqueue(kind: "a", payload: "1", runAt: t0, now: t0)
        try await store.jobs.enqueue(kind: "a", payload: "2", runAt: t0.addingTimeInterval(-5), now: t0)
        try await store.jobs.enqueue(kind: "a", payload: "later", runAt: t0.addingTimeInterval(60), now: t0)
        let leased = try await store.jobs.lease(owner: "w1", now: t0, leaseDuration: 30, limit: 10)
        #expect(leased.map(\.payload) == ["2", "1"])
        #expect(leased.allSatisfy { $0.state == .running && $0.attempts == 1 && $0.leaseOwner == "w1" })
        #expect(try await store.jobs.lease(owner: "w2", now: t0, leaseDuration: 30, limit: 10).isEmpty)
        #expect(try await store.jobs.depth() == 3)
    }

    @Test("a crashed worker's job is leased again once its lease expires, and the old owner cannot finish it")
    func expiredLease() async throws {
        let store = try makeStore()
        let id = try #require(try await store.jobs.enqueue(kind: "a", payload: "{}", runAt: t0, now: t0))
        _ = try await store.jobs.lease(owner: "crashed", now: t0, leaseDuration: 30, limit: 1)
        #expect(try await store.jobs.lease(owner: "w2", now: t0.addingTimeInterval(29), leaseDuration: 30, limit: 1).isEmpty)
        let again = try await store.jobs.lease(owner: "w2", now: t0.addingTimeInterval(31), leaseDuration: 30, limit: 1)
        #expect(again.map(\.id) == [id])
        #expect(again.first?.attempts == 2)
        #expect(try await store.jobs.complete(id: id, owner: "crashed", now: t0) == false)
        #expect(try await store.jobs.complete(id: id, owner: "w2", now: t0))
    }

    @Test("failures retry until attempts run out, then the job is dead and can be replayed")
    func deadLetters() async throws {
        let store = try makeStore()
        let id = try #require(try await store.jobs.enqueue(kind: "push", payload: "{}", maxAttempts: 2, runAt: t0, now: t0))
        _ = try await store.jobs.lease(owner: "w", now: t0, leaseDuration: 30, limit: 1)
        #expect(try await store.jobs.fail(id: id, owner: "w", error: "503", retryAt: t0.addingTimeInterval(10), now: t0) == .queued)
        #expect(try await store.jobs.lease(owner: "w", now: t0.addingTimeInterval(5), leaseDuration: 30, limit: 1).isEmpty)
        _ = try await store.jobs.lease(owner: "w", now: t0.addingTimeInterval(10), leaseDuration: 30, limit: 1)
        #expect(try await store.jobs.fail(id: id, owner: "w", error: "503 again", retryAt: t0.addingTimeInterval(20), now: t0) == .dead)
        let dead = try await store.jobs.dead()
        #expect(dead.map(\.id) == [id])
        #expect(dead.first?.lastError == "503 again")
        #expect(try await store.jobs.replay(id: id, now: t0))
        #expect(try await store.jobs.job(id: id)?.state == .queued)
        #expect(try await store.jobs.job(id: id)?.attempts == 0)
    }

    @Test("kill ends a job at once; done jobs are pruned")
    func killAndPrune() async throws {
        let store = try makeStore()
        let killed = try #require(try await store.jobs.enqueue(kind: "a", payload: "{}", runAt: t0, now: t0))
        let done = try #require(try await store.jobs.enqueue(kind: "b", payload: "{}", runAt: t0, now: t0))
        _ = try await store.jobs.lease(owner: "w", now: t0, leaseDuration: 30, limit: 2)
        #expect(try await store.jobs.kill(id: killed, owner: "w", error: "401: fix the token", now: t0))
        #expect(try await store.jobs.complete(id: done, owner: "w", now: t0))
        #expect(try await store.jobs.pruneDone(before: t0.addingTimeInterval(1)) == 1)
        #expect(try await store.jobs.countsByState() == [.dead: 1])
    }
}
