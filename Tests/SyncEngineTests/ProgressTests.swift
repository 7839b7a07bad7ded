import CraftAPI
import DevTools
import Foundation
import Logging
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

@Suite("Progress: webhook events become Craft.io progress", .awaitsTeardown)
struct ProgressTests {
    @Test("GitHub 'closed as completed' sets the item's progress to Done and records the key change")
    func githubClosed() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, item, mapping) = try await fixture.linkedProcessor(issueID: "1299020697")
        let id = try await fixture.deliver(body: try fixtureBytes("github/issues_closed_completed.json"))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: id)?.state == .processed)
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "Done")
        let updated = try #require(try await fixture.store.mappings.mapping(id: mapping.id))
        #expect(updated.lastPushedStatus == "Done")
        #expect(updated.devIssueKey == "codinasion/codinasion-bot#2")
    }

    @Test("Jira's status category maps when the status name is not listed")
    func jiraCategory() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, item, _) = try await fixture.linkedProcessor(issueID: "11442", tool: "jira")
        _ = try await fixture.deliver(tool: "jira", body: try fixtureBytes("jira/cloud-anon_issue_updated_status_todo_to_inprogress.json"))
        await processor.processDue()
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "In Progress")
    }

    @Test("pings, comments and issues craft-sync did not create are stored as ignored with the reason")
    func ignored() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, _, _) = try await fixture.linkedProcessor(issueID: "1")
        let ping = try await fixture.deliver(event: "ping", body: try fixtureBytes("github/ping.json"))
        let comment = try await fixture.deliver(event: "issue_comment", body: try fixtureBytes("github/issue_comment_created.json"))
        let foreign = try await fixture.deliver(body: try fixtureBytes("github/issues_opened.json"))
        let jiraComment = try await fixture.deliver(tool: "jira", body: try fixtureBytes("jira/cloud_comment_created.json"))
        await processor.processDue()
        let reasons = try await [ping, comment, foreign, jiraComment].asyncMap { try await fixture.store.events.event(id: $0)?.ignoredReason }
        #expect(reasons[0] == "ping")
        #expect(reasons[1]?.contains("issue_comment") == true)
        #expect(reasons[2]?.contains("was not created by craft-sync") == true)
        #expect(reasons[3]?.contains("comment_created") == true)
        #expect(fixture.simulators.craft.updates.isEmpty)
    }

    @Test("an older event arriving late changes nothing; a repeat of the same status writes nothing")
    func ordering() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, item, _) = try await fixture.linkedProcessor(issueID: "444500041")
        // The reopened event (2021) is newer than the opened one (2019) of the same issue.
        _ = try await fixture.deliver(body: try fixtureBytes("github/issues_reopened.json"))
        await processor.processDue()
        // A close from 2018 for the same issue, delivered late.
        let stale = try await fixture.deliver(
            body: try fixtureBytes("github/issues_closed_legacy_no_state_reason.json").replacingIssue(from: "381987215", to: "444500041"))
        _ = try await fixture.deliver(body: try fixtureBytes("github/issues_opened.json"))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: stale)?.ignoredReason?.contains("older than") == true)
        // reopened (and assigned, as octokit's example is) → In Progress; the stale close and the older open wrote nothing
        #expect(fixture.simulators.craft.updates.count == 1)
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "In Progress")
    }

    @Test("a signed event dated 9999 applies as now, is marked suspicious, and does not freeze the item: a later reopen applies")
    func farFutureTimestamp() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, item, mapping) = try await fixture.linkedProcessor(issueID: "1299020697")
        let closed = String(decoding: try fixtureBytes("github/issues_closed_completed.json"), as: UTF8.self)
        let forged = closed.replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"9999-12-31T23:59:59Z\"")
        let forgedID = try await fixture.deliver(delivery: "forged", body: Array(forged.utf8))
        await processor.processDue()
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "Done")
        let now = Int64(fixture.clock.now().timeIntervalSince1970 * 1000)
        #expect(try await fixture.store.mappings.mapping(id: mapping.id)?.lastEventOrder == now)
        let timeline = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id))
        #expect(timeline.contains { $0.outcome == "suspicious" && $0.eventID == forgedID && $0.detail.contains("9999-12-31") })

        // A minute later by our clock the issue is reopened: that is newer than the close, which counted as now.
        fixture.clock.advance(by: .seconds(120))
        let reopened = closed.replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"2027-01-15T08:01:00Z\"")
            .replacingOccurrences(of: "\"action\": \"closed\"", with: "\"action\": \"reopened\"")
            .replacingOccurrences(of: "\"state\": \"closed\"", with: "\"state\": \"open\"")
        let reopenID = try await fixture.deliver(delivery: "reopen", body: Array(reopened.utf8))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: reopenID)?.state == .processed)
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") != "Done")
    }

    @Test("a pull request naming 60 issues costs reads for ours only, and a source's reads a minute are capped")
    func strangersReadBudget() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let ours = try #require(try await fixture.store.mappings.list(MappingFilter(), beforeID: nil, limit: 1).first?.devIssueKey)
        var settings = ProgressProcessor.Settings()
        settings.webhookReads.perSourcePerMinute = 4
        let processor = fixture.processor(settings: settings)
        let repository = ours.split(separator: "#")[0]
        let closing = (["Closes \(ours)"] + (2...60).map { "fixes \(repository)#\($0)" }).joined(separator: ", ")
        let marker = Array(#""body": "This is a pretty simple change that we need to pull into master.""#.utf8)
        let body = try fixtureBytes("github/pull_request_opened.json").replacing(marker, with: Array("\"body\": \"\(closing)\"".utf8))
        let reads = { fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number") }
        let before = reads()
        var ids: [Int64] = []
        for delivery in ["pr-1", "pr-2", "pr-3"] { ids.append(try await fixture.deliver(event: "pull_request", delivery: delivery, body: body)) }
        await processor.processDue()
        // Each delivery: one read of the panel's links and one of our issue; the 59 strangers' keys cost nothing.
        #expect(reads() - before == 2)
        let third = try #require(try await fixture.store.events.event(id: ids[2]))
        #expect(third.ignoredReason?.contains("used their reads") == true)
    }

    @Test("a Jira timestamp of Int64.max milliseconds is ordered as now and recorded as a number, not formatted as a date")
    func largestJiraTimestamp() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, item, _) = try await fixture.linkedProcessor(issueID: "11442", tool: "jira")
        let original = String(decoding: try fixtureBytes("jira/cloud-anon_issue_updated_status_todo_to_inprogress.json"), as: UTF8.self)
        let forged = original.replacing(/"timestamp": *"[^"]*"/, with: "\"timestamp\": 9223372036854775807")
        #expect(forged != original)
        _ = try await fixture.deliver(tool: "jira", body: Array(forged.utf8))
        await processor.processDue()
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "In Progress")
        let timeline = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id))
        #expect(timeline.contains { $0.outcome == "suspicious" && $0.detail.contains("9223372036854775807 ms after 1970") })
    }

    @Test("events from craft-sync's own account are ignored")
    func echoes() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        var settings = ProgressProcessor.Settings()
        settings.ownAccounts = ["harshraj8843"]
        let (processor, _, _) = try await fixture.linkedProcessor(issueID: "1299020697", settings: settings)
        let id = try await fixture.deliver(body: try fixtureBytes("github/issues_closed_completed.json"))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: id)?.ignoredReason?.contains("own account") == true)
    }

    @Test("Craft.io failing: the event retries with backoff, dies of old age, and a replay delivers it; the timeline records each step")
    func retriesAndDeadLetters() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        var settings = ProgressProcessor.Settings()
        settings.giveUpAfter = .seconds(1800)
        let (processor, item, _) = try await fixture.linkedProcessor(issueID: "1299020697", settings: settings)
        fixture.simulators.faults.set(.init(target: "craft", failNext: 100, status: 500))
        let id = try await fixture.deliver(at: fixture.clock.now(), body: try fixtureBytes("github/issues_closed_completed.json"))
        await processor.processDue()
        let failed = try #require(try await fixture.store.events.event(id: id))
        #expect(failed.state == .failed && failed.attempts == 1 && failed.nextAttemptAt != nil)
        try await fixture.clock.sleep(for: .seconds(3600))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: id)?.state == .dead)

        fixture.simulators.faults.clear()
        #expect(try await fixture.store.events.replay(id: id, now: fixture.clock.now()))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: id)?.state == .processed)
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "Done")
        // The item's timeline tells it all against the delivery: the error, the retry, the dead letter, the replay.
        let story = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 100).reversed()
            .filter { $0.kind != .keyChanged }
        #expect(story.map { "\($0.kind.rawValue)/\($0.outcome)" } == [
            "craft_write/error", "retried/retrying", "craft_write/error", "dead/dead", "replayed/queued", "craft_write/succeeded", "webhook/applied",
        ])
        #expect(story.allSatisfy { $0.eventID == id })
    }

    /// Today's failure: eight attempts over about four minutes, and every delivery of an outage was dead; then, the
    /// breaker's pause doubled to minutes, so held events reached Craft.io minutes after it was back.
    @Test("Craft.io down for six hours: no event dies, a key probe keeps attempts few, and all apply within 30 s of its return")
    func longOutageHeals() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        var settings = ProgressProcessor.Settings()
        settings.probeWorkspaceID = fixture.workspace
        let (processor, item, _) = try await fixture.linkedProcessor(issueID: "1299020697", settings: settings)
        fixture.simulators.faults.set(.init(target: "craft", failNext: 100_000, status: 503))
        var ids: [Int64] = []
        let body = try fixtureBytes("github/issues_closed_completed.json")
        for _ in 0..<2 { ids.append(try await fixture.deliver(at: fixture.clock.now(), body: body)) }
        // Six hours of polls, one every 5 s, as the processor's loop would make them.
        for _ in 0..<(6 * 720) {
            await processor.processDue()
            fixture.clock.advance(by: .seconds(5))
        }
        let waiting = try await ids.asyncMap { try #require(try await fixture.store.events.event(id: $0)) }
        // The first waits for its retry; the second, about the same issue, waits behind it (its lane keeps order).
        #expect(waiting.map(\.state) == [.failed, .received])
        // The breaker holds events back and a key probe (not an event) asks whether Craft.io is back: few attempts.
        #expect(waiting.allSatisfy { $0.attempts < 10 }, "\(waiting.map(\.attempts))")

        // Healing takes seconds: the next probe (at most 15 s apart) sees Craft.io back, and every held event goes
        // at once, not after the rest of its backoff (up to 5 minutes).
        fixture.simulators.faults.clear()
        let recovered = fixture.clock.now()
        while try await ids.asyncMap({ try await fixture.store.events.event(id: $0)?.state }) != [.processed, .processed],
            fixture.clock.now().timeIntervalSince(recovered) < 600
        {
            await processor.processDue()
            fixture.clock.advance(by: .seconds(1))
        }
        #expect(fixture.clock.now().timeIntervalSince(recovered) <= 30)
        #expect(try await ids.asyncMap { try await fixture.store.events.event(id: $0)?.state } == [.processed, .processed])
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "Done")
        #expect(await processor.breakerIsOpen == false)
    }

    /// Today's failure: an event whose time could not be read was applied unconditionally, over a newer state.
    @Test("an event without a usable timestamp is not applied over a known order; reconciliation takes over")
    func unparsableTimestamp() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, item, mapping) = try await fixture.linkedProcessor(issueID: "1299020697")
        _ = try await fixture.store.mappings.recordPush(id: mapping.id, status: "In Progress", eventOrder: 1_799_999_000_000, now: .now)
        let body = Array(String(decoding: try fixtureBytes("github/issues_closed_completed.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"yesterday-ish\"").utf8)
        let id = try await fixture.deliver(body: body)
        await processor.processDue()
        let event = try #require(try await fixture.store.events.event(id: id))
        #expect(event.state == .ignored)
        #expect(event.ignoredReason?.contains("no usable timestamp") == true)
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") != "Done")
    }

    /// Today: both replicas read the same due events and both wrote each to Craft.io.
    @Test("two processors on one database never both process one event")
    func twoReplicas() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(8)
        for (index, item) in items.enumerated() {
            guard case .claimed(let mapping) = try await fixture.store.mappings.claim(
                workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
            else { throw CancellationError() }
            #expect(try await fixture.store.mappings.linkClaim(id: mapping.id, holder: .test, devIssueID: String(5000 + index), key: "k\(index)", url: nil, contentHash: nil, now: .now))
            let body = try fixtureBytes("github/issues_closed_completed.json").replacingIssue(from: "1299020697", to: String(5000 + index))
            _ = try await fixture.deliver(at: fixture.clock.now(), body: body)
        }
        // Slow writes keep both replicas busy at the same time.
        fixture.simulators.faults.set(.init(target: "craft", latencyMs: 20))
        let replicas = (0..<2).map { _ in fixture.processor() }
        async let first = replicas[0].processDue()
        async let second = replicas[1].processDue()
        let processed = await first + second
        #expect(processed == 8)
        #expect(fixture.simulators.craft.updates.count == 8)
        let counts = try await fixture.store.events.countsByState()
        let states = try await fixture.store.events.list(EventFilter()).map { "\($0.id) \($0.state) \($0.lastError ?? "")" }
        #expect(counts == [.processed: 8], "\(states)")
    }

    @Test("while the breaker is open, due events are not attempted at all")
    func breakerHoldsEvents() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        var settings = ProgressProcessor.Settings()
        settings.breakerThreshold = 2
        // One lane at a time, so the order of attempts is known; five issues, so no event waits behind another's lane.
        settings.maxConcurrentLanes = 1
        let issues = try await LaneTests.linkIssues(fixture, count: 5)
        let processor = fixture.processor(settings: settings)
        fixture.simulators.faults.set(.init(target: "craft", failNext: 100_000, status: 503))
        var ids: [Int64] = []
        for issue in issues {
            ids.append(try await fixture.deliver(at: fixture.clock.now(), body: try LaneTests.body(issue: issue, action: "closed", at: "2026-12-01T10:00:00Z")))
        }
        await processor.processDue()
        #expect(await processor.breakerIsOpen)
        let attempts = try await ids.asyncMap { try await fixture.store.events.event(id: $0)?.attempts ?? -1 }
        // Two failures opened the breaker; the three events after them were not touched.
        #expect(attempts == [1, 1, 0, 0, 0])
    }
}

extension ProgressTests {
    @Test("a dev tool failing (GitHub answering 503 to the reads a pull request needs) pauses its own events, not the breaker: Jira's go on")
    func devToolFailuresPauseOnlyThatTool() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        var settings = ProgressProcessor.Settings()
        settings.breakerThreshold = 2
        let item = try #require(fixture.seed(1).first)
        guard case .claimed(let mapping) = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        else { Issue.record("not claimed"); return }
        _ = try await fixture.store.mappings.linkClaim(
            id: mapping.id, holder: .test, devIssueID: "7", key: "Codertocat/Hello-World#1", url: nil, contentHash: nil, now: .now)
        let processor = fixture.processor(settings: settings)
        fixture.simulators.faults.set(.init(target: "github", failNext: 100_000, status: 503))
        let body = try fixtureBytes("github/pull_request_opened.json").replacing(
            Array(#""body": "This is a pretty simple change that we need to pull into master.""#.utf8), with: Array(#""body": "Closes #1""#.utf8))
        var github: [Int64] = []
        for _ in 0..<3 { github.append(try await fixture.deliver(event: "pull_request", at: fixture.clock.now(), body: body)) }
        let jira = try await fixture.deliver(tool: "jira", at: fixture.clock.now(), body: try fixtureBytes("jira/server_issue_created.json"))
        await processor.processDue()
        #expect(await processor.breakerIsOpen == false)
        let attempts = try await github.asyncMap { try await fixture.store.events.event(id: $0)?.attempts }
        #expect(attempts == [1, 0, 0], "the first failure paused GitHub's events, unattempted")
        #expect(try await fixture.store.events.event(id: jira)?.state == .ignored, "Jira's event was processed meanwhile")
        // Once the pause is over, GitHub's events are tried again.
        fixture.simulators.faults.clear()
        try await fixture.clock.sleep(for: .seconds(301))
        await processor.processDue()
        let later = try await github.asyncMap { try await fixture.store.events.event(id: $0)?.attempts ?? 0 }
        #expect(later.allSatisfy { $0 >= 1 }, "\(later)")
    }
}

extension Array where Element == UInt8 {
    func replacingIssue(from: String, to: String) -> [UInt8] {
        Array(String(decoding: self, as: UTF8.self).replacingOccurrences(of: "\"id\": \(from)", with: "\"id\": \(to)").utf8)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
