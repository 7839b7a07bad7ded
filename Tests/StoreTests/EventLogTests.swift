import Foundation
import Testing
@testable import Store

@Suite("The event log")
struct EventLogTests {
    func event(_ delivery: String, body: [UInt8] = Array("{}".utf8), tool: String = "github", at time: Date = t0) -> IncomingEvent {
        IncomingEvent(tool: tool, deliveryID: delivery, eventType: "issues", receivedAt: time, headers: ["X-GitHub-Event": "issues"], body: body)
    }

    @Test("a delivery is stored once; the same delivery id again is a duplicate that changes nothing", arguments: Backend.allCases)
    func duplicates(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .stored(let id) = try await store.events.append(event("d-1")) else { Issue.record("not stored"); return }
        #expect(try await store.events.append(event("d-1", body: Array("other".utf8))) == .duplicate(id: id))
        #expect(try await store.events.payload(id: id) == Array("{}".utf8))
        guard case .stored = try await store.events.append(event("d-1", tool: "jira")) else { Issue.record("ids are per tool"); return }
    }

    @Test("the payload round-trips byte for byte, whatever the bytes", arguments: Backend.allCases)
    func payloadRoundTrip(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        var generator = SystemRandomNumberGenerator()
        let random = (0..<25_000).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let json = Array(String(repeating: #"{"issue":{"title":"Ünïcode ✓","labels":["a","b"]}}"#, count: 300).utf8)
        for body in [random, json, []] {
            guard case .stored(let id) = try await store.events.append(event(UUID().uuidString, body: body)) else { continue }
            #expect(try await store.events.payload(id: id) == body)
            #expect(try await store.events.event(id: id)?.bodySize == body.count)
        }
        let stored = try await store.read { try $0.scalarInt("SELECT length(body) FROM events WHERE body_size = ?", [json.count]) }
        #expect(try #require(stored) < json.count / 5)  // JSON compresses
    }

    @Test("due events skip the ids a pass holds already, and still come oldest first", arguments: Backend.allCases)
    func dueSkipping(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        for delivery in ["a", "b", "c", "d"] { _ = try await store.events.append(event(delivery)) }
        #expect(try await store.events.due(now: t0, limit: 10, skipping: [1, 3]).map(\.deliveryID) == ["b", "d"])
        #expect(try await store.events.due(now: t0, limit: 2, skipping: [1]).map(\.deliveryID) == ["b"], "the limit counts held ones too")
    }

    @Test("a later event of an issue is not claimed, by any processor, while an earlier one of that issue is unfinished", arguments: Backend.allCases)
    func laneOrderAcrossProcessors(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        for delivery in ["first", "second", "other"] { _ = try await store.events.append(event(delivery)) }
        let until = t0.addingTimeInterval(60)
        #expect(try await store.events.claim(id: 1, lane: "github 7", now: t0, until: until))
        // A second replica read "second" as due while the first holds "first": it may not go ahead of it.
        #expect(try await !store.events.claim(id: 2, lane: "github 7", now: t0, until: until))
        #expect(try await store.events.claim(id: 3, lane: "github 8", now: t0, until: until), "another issue's lane is free")
        // Failed and waiting for its retry, the earlier event still holds its lane.
        try await store.events.markFailed(id: 1, error: "Craft.io 503", retryAt: until)
        #expect(try await !store.events.claim(id: 2, lane: "github 7", now: t0, until: until))
        try await store.events.markProcessed(id: 1, now: t0)
        #expect(try await store.events.claim(id: 2, lane: "github 7", now: t0, until: until))
    }

    @Test("failed events come due again, dead ones wait for an operator, and replay brings them back", arguments: Backend.allCases)
    func lifecycle(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        for delivery in ["a", "b", "c"] { _ = try await store.events.append(event(delivery)) }
        #expect(try await store.events.due(now: t0, limit: 10).map(\.deliveryID) == ["a", "b", "c"])
        try await store.events.markProcessed(id: 1, now: t0)
        try await store.events.markFailed(id: 2, error: "Craft.io 503", retryAt: t0.addingTimeInterval(60))
        try await store.events.markDead(id: 3, error: "mapping missing", now: t0)
        #expect(try await store.events.due(now: t0, limit: 10).isEmpty)
        #expect(try await store.events.due(now: t0.addingTimeInterval(61), limit: 10).map(\.deliveryID) == ["b"])
        #expect(try await store.events.event(id: 2)?.attempts == 1)
        #expect(try await store.events.countsByState() == [.processed: 1, .failed: 1, .dead: 1])
        #expect(try await store.events.replayDead() == 1)
        let replayed = try #require(try await store.events.event(id: 3))
        #expect(replayed.state == .received && replayed.attempts == 0 && replayed.lastError == nil)
        #expect(try await store.events.replay(id: 99) == false)
    }

    @Test("pruning removes old processed and ignored events in batches and keeps dead and recent ones", arguments: Backend.allCases)
    func pruning(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        for index in 0..<12 { _ = try await store.events.append(event("old-\(index)")) }
        for id in Int64(1)...10 { try await store.events.markProcessed(id: id, now: t0) }
        try await store.events.markIgnored(id: 11, reason: "ping", now: t0)
        try await store.events.markDead(id: 12, error: "x", now: t0)
        _ = try await store.events.append(event("recent"))
        try await store.events.markProcessed(id: 13, now: t0.addingTimeInterval(86_400 * 40))
        let deleted = try await store.events.prune(finishedBefore: t0.addingTimeInterval(86_400 * 30), batchSize: 4)
        #expect(deleted == 11)
        #expect(try await store.events.list(EventFilter()).map(\.deliveryID) == ["recent", "old-11"])
    }

    @Test("listing filters by tool and state and pages newest first", arguments: Backend.allCases)
    func listing(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        for index in 0..<4 { _ = try await store.events.append(event("g\(index)", at: t0.addingTimeInterval(Double(index)))) }
        _ = try await store.events.append(event("j0", tool: "jira"))
        #expect(try await store.events.list(EventFilter(tool: "jira")).map(\.deliveryID) == ["j0"])
        let page = try await store.events.list(EventFilter(tool: "github"), limit: 3)
        #expect(page.map(\.deliveryID) == ["g3", "g2", "g1"])
        #expect(try await store.events.list(EventFilter(tool: "github"), beforeID: page.last?.id).map(\.deliveryID) == ["g0"])
        #expect(try await store.events.list(EventFilter(receivedAfter: t0.addingTimeInterval(2))).count == 2)
        #expect(page.first?.headers == ["X-GitHub-Event": "issues"])
    }
}
