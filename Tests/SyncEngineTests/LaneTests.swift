import CraftAPI
import Foundation
@testable import Store
import Synchronization
import Testing
import TestSupport
@testable import SyncEngine

/// Events run in lanes, one per issue: different issues' Craft.io writes go side by side, one issue's stay in order.
@Suite("Progress in lanes", .timeLimit(.minutes(1)), .awaitsTeardown)
struct LaneTests {
    /// Links `count` seeded items to GitHub issues 9000001..., and answers a close (or other) body for one of them.
    static func linkIssues(_ fixture: IntakeFixture, count: Int) async throws -> [String] {
        var issueIDs: [String] = []
        for item in fixture.seed(count) {
            let issueID = String(9_000_001 + issueIDs.count)
            guard case .claimed(let mapping) = try await fixture.store.mappings.claim(
                workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
            else { throw CancellationError() }
            _ = try await fixture.store.mappings.linkClaim(
                id: mapping.id, holder: .test, devIssueID: issueID, key: "k-\(issueID)", url: nil, contentHash: nil, now: .now)
            issueIDs.append(issueID)
        }
        return issueIDs
    }

    static func body(issue: String, action: String, at time: String) throws -> [UInt8] {
        var text = String(decoding: try fixtureBytes("github/issues_closed_completed.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"id\": 1299020697", with: "\"id\": \(issue)")
            .replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"\(time)\"")
        if action == "reopened" {
            text = text.replacingOccurrences(of: "\"action\": \"closed\"", with: "\"action\": \"reopened\"")
                .replacingOccurrences(of: "\"state\": \"closed\"", with: "\"state\": \"open\"")
        }
        return Array(text.utf8)
    }

    @Test("eight issues closed at once: their Craft.io writes are in flight together, not one after another")
    func differentIssuesSideBySide() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let issues = try await Self.linkIssues(fixture, count: 8)
        for issue in issues { _ = try await fixture.deliver(body: try Self.body(issue: issue, action: "closed", at: "2026-12-01T10:00:00Z")) }
        let craft = BarrierCraft(inner: fixture.craft, expected: 8)
        let processor = ProgressProcessor(
            store: fixture.store, craft: craft, tools: ["github": fixture.github], settings: .init(), clock: fixture.clock, logger: IntakeFixture.quietLogger)
        #expect(await processor.processDue() == 8)
        // Written one after another, each write would have waited for the others (up to its 10 s limit) and seen only itself.
        #expect(craft.mostInFlight == 8)
        #expect(fixture.simulators.craft.items.allSatisfy { $0.customFieldValue("dev_status") == "Done" })
    }

    @Test("one issue closed, reopened and closed again in quick succession: applied in that order, never stale, Done at the end")
    func oneIssueInOrder() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let issues = try await Self.linkIssues(fixture, count: 5)
        for (action, time) in [("closed", "2026-12-01T10:00:00Z"), ("reopened", "2026-12-01T10:00:01Z"), ("closed", "2026-12-01T10:00:02Z")] {
            for issue in issues { _ = try await fixture.deliver(body: try Self.body(issue: issue, action: action, at: time)) }
        }
        let processor = fixture.processor()
        #expect(await processor.processDue() == 15)
        for item in fixture.simulators.craft.items {
            #expect(item.customFieldValue("dev_status") == "Done")
            let outcomes = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id)).filter { $0.kind == .webhook }.map(\.outcome)
            #expect(outcomes == ["applied", "applied", "applied"], "\(item.title): \(outcomes)")
        }
    }
}

extension LaneTests {
    /// Earlier: a 429 asking for more than we wait in line failed that event alone; every other lane kept writing.
    @Test("Craft.io answering 429 with a long Retry-After holds every lane for that long, then all is written")
    func craftRetryAfterHoldsEveryone() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let issues = try await Self.linkIssues(fixture, count: 3)
        let processor = fixture.processor()
        fixture.simulators.faults.set(.init(target: "craft", failNext: 1, status: 429, retryAfter: "600"))
        _ = try await fixture.deliver(at: fixture.clock.now(), body: try Self.body(issue: issues[0], action: "closed", at: "2026-12-01T10:00:00Z"))
        await processor.processDue()
        #expect(await processor.breakerIsOpen)
        for issue in issues.dropFirst() {
            _ = try await fixture.deliver(at: fixture.clock.now(), body: try Self.body(issue: issue, action: "closed", at: "2026-12-01T10:00:00Z"))
        }
        #expect(await processor.processDue() == 0, "no lane writes while Craft.io asked to wait")
        fixture.clock.advance(by: .seconds(301))  // the hold is capped at retryMaxDelay (5 minutes)
        while await processor.processDue() > 0 {}
        #expect(fixture.simulators.craft.items.allSatisfy { $0.customFieldValue("dev_status") == "Done" })
    }

    @Test("an applied event costs two durable commits (its claim; its outcome with the push and timeline entries) and one mapping read")
    func twoCommitsPerAppliedEvent() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let issues = try await Self.linkIssues(fixture, count: 1)
        // A first event teaches the mapping its key; the one measured is an ordinary close.
        _ = try await fixture.deliver(body: try Self.body(issue: issues[0], action: "reopened", at: "2026-12-01T09:00:00Z"))
        let processor = fixture.processor()
        await processor.processDue()
        let id = try await fixture.deliver(body: try Self.body(issue: issues[0], action: "closed", at: "2026-12-01T10:00:00Z"))
        let before = fixture.store.transactionsCommitted
        #expect(await processor.processDue() == 1)
        #expect(fixture.store.transactionsCommitted - before == 2)
        #expect(try await fixture.store.events.event(id: id)?.state == .processed)
        let item = try #require(fixture.simulators.craft.items.first)
        #expect(item.customFieldValue("dev_status") == "Done")
        let outcomes = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id)).map { "\($0.kind.rawValue)/\($0.outcome)" }
        #expect(outcomes.prefix(2) == ["webhook/applied", "craft_write/succeeded"])
    }
}

extension LaneTests {
    @Test("a close that arrives while another issue's Craft.io write hangs is written at once, not after the slow one")
    func arrivalsJoinTheRunningPass() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let issues = try await Self.linkIssues(fixture, count: 2)
        let slowItem = try #require(try await fixture.store.mappings.mapping(devToolInstance: "github", devIssueID: issues[0])).craftItemID
        let craft = GateCraft(inner: fixture.craft, held: slowItem)
        let processor = ProgressProcessor(
            store: fixture.store, craft: craft, tools: ["github": fixture.github], settings: .init(), clock: fixture.clock, logger: IntakeFixture.quietLogger)
        _ = try await fixture.deliver(body: try Self.body(issue: issues[0], action: "closed", at: "2026-12-01T10:00:00Z"))
        let pass = Task { await processor.processDue() }
        await craft.heldWriteStarted()
        _ = try await fixture.deliver(body: try Self.body(issue: issues[1], action: "closed", at: "2026-12-01T10:00:00Z"))
        processor.wake()
        let written = await craft.nextWrittenItem()
        #expect(written != slowItem, "the second issue's close was written while the first one's write still hung")
        craft.release()
        #expect(await pass.value == 2, "one pass took both")
        #expect(fixture.simulators.craft.items.allSatisfy { $0.customFieldValue("dev_status") == "Done" })
    }

    @Test("the lane schedule starts lanes in arrival order within the caps, never two of one key, and admits an event once")
    func laneSchedule() throws {
        func lane(_ key: String, tool: String = "github", ids: [Int64]) -> Lane {
            Lane(key: key, tool: tool, entries: ids.map { id in
                Lane.Entry(event: StoredEvent(
                    id: id, tool: tool, instance: tool, deliveryID: "\(id)", eventType: "issues", receivedAt: .now, headers: [:], bodySize: 0,
                    state: .received, ignoredReason: nil, attempts: 0, nextAttemptAt: nil, lastError: nil, finishedAt: nil), parsed: nil)
            })
        }
        var schedule = LaneSchedule(maxLanes: 3, maxLanesPerTool: 2)
        schedule.admit([lane("a", ids: [1, 2]), lane("b", ids: [3]), lane("c", tool: "jira", ids: [4]), lane("d", ids: [5])])
        #expect(schedule.start()?.key == "a")
        #expect(schedule.start()?.key == "b")
        #expect(schedule.start()?.key == "c", "github has its two; jira's lane goes")
        #expect(schedule.start() == nil, "three lanes run")
        // Read again while "a" runs: its events already admitted are not taken twice; a new one of key "a" waits for it.
        schedule.admit([lane("a", ids: [1, 2, 6]), lane("e", ids: [7])])
        #expect(schedule.waiting.map(\.key) == ["d", "a", "e"])
        let a = try #require(schedule.waiting.first { $0.key == "a" })
        #expect(a.entries.map(\.event.id) == [6])
        schedule.finish(lane("b", ids: []))
        #expect(schedule.start()?.key == "d")
        schedule.finish(lane("a", ids: []))
        schedule.finish(lane("c", tool: "jira", ids: []))
        #expect(schedule.start()?.key == "a", "a's later event runs once its earlier lane ended")
        schedule.dropWaiting { $0.key == "e" }
        #expect(schedule.waiting.isEmpty && !schedule.isIdle)
    }
}

/// A Craft.io client whose writes to `held` hang until `release()`; it tells when that write started and which items
/// were written, in order.
final class GateCraft: ForwardingCraft {
    let inner: any CraftClient
    let held: String
    private let state = Mutex((started: false, released: false, startWaiter: CheckedContinuation<Void, Never>?.none,
                               gate: CheckedContinuation<Void, Never>?.none))
    private let written: AsyncStream<String>
    private let writtenSink: AsyncStream<String>.Continuation

    init(inner: any CraftClient, held: String) {
        self.inner = inner
        self.held = held
        (written, writtenSink) = AsyncStream.makeStream()
    }


    func setField(workspaceID: String, itemID: String, field: String, value: String) async throws(CraftError) {
        if itemID == held {
            await withCheckedContinuation { (gate: CheckedContinuation<Void, Never>) in
                let (started, proceed) = state.withLock { state in
                    state.started = true
                    defer { state.startWaiter = nil }
                    if state.released { return (state.startWaiter, true) }
                    state.gate = gate
                    return (state.startWaiter, false)
                }
                started?.resume()
                if proceed { gate.resume() }
            }
        }
        try await inner.setField(workspaceID: workspaceID, itemID: itemID, field: field, value: value)
        writtenSink.yield(itemID)
    }

    /// Returns once the write to `held` has started.
    func heldWriteStarted() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let startedAlready = state.withLock { state in
                if state.started { return true }
                state.startWaiter = waiter
                return false
            }
            if startedAlready { waiter.resume() }
        }
    }

    func nextWrittenItem() async -> String? {
        var iterator = written.makeAsyncIterator()
        return await iterator.next()
    }

    func release() {
        let gate = state.withLock { state in
            state.released = true
            defer { state.gate = nil }
            return state.gate
        }
        gate?.resume()
    }
}

/// A Craft.io client whose writes wait until `expected` are in flight at once (or 10 s passed), and which records
/// the most it saw in flight together.
final class BarrierCraft: ForwardingCraft {
    let inner: any CraftClient
    let expected: Int
    private let state = Mutex((inFlight: 0, most: 0, waiters: [CheckedContinuation<Void, Never>]()))

    init(inner: any CraftClient, expected: Int) {
        self.inner = inner
        self.expected = expected
    }

    var mostInFlight: Int { state.withLock { $0.most } }

    func setField(workspaceID: String, itemID: String, field: String, value: String) async throws(CraftError) {
        await arrive()
        try await inner.setField(workspaceID: workspaceID, itemID: itemID, field: field, value: value)
        state.withLock { $0.inFlight -= 1 }
    }

    private func arrive() async {
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: .seconds(10))
            self?.releaseAll()
        }
        defer { timeout.cancel() }
        await withCheckedContinuation { continuation in
            let release = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.inFlight += 1
                state.most = max(state.most, state.inFlight)
                state.waiters.append(continuation)
                guard state.inFlight >= expected else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in release { waiter.resume() }
        }
    }

    private func releaseAll() {
        for waiter in state.withLock({ state in defer { state.waiters = [] }; return state.waiters }) { waiter.resume() }
    }
}

/// A Craft.io client that hands every call but the writes to `inner`: test doubles that only change how writes go.
protocol ForwardingCraft: CraftClient {
    var inner: any CraftClient { get }
}

extension ForwardingCraft {
    var filtersByUpdateTime: Bool { inner.filtersByUpdateTime }
    func listing(workspaceID: String, status: String, updatedFrom: Date?) async throws(CraftError) -> CraftListing {
        try await inner.listing(workspaceID: workspaceID, status: status, updatedFrom: updatedFrom)
    }
    func item(workspaceID: String, itemID: String) async throws(CraftError) -> CraftItem { try await inner.item(workspaceID: workspaceID, itemID: itemID) }
    func probeKey(workspaceID: String) async throws(CraftError) -> CraftKeyProbe { try await inner.probeKey(workspaceID: workspaceID) }
    func fieldDefinitions(workspaceID: String) async throws(CraftError) -> [CraftCustomField]? { try await inner.fieldDefinitions(workspaceID: workspaceID) }
}
