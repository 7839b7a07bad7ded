import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import Synchronization
import Testing
import TestSupport
@testable import App

/// `notify`: operators are told of dead letters, failed items, stopped intake, an unusable Craft.io key and outages —
/// once, summarised, signed where the target is a JSON webhook, and never with a secret in the text.
@Suite("Alerts", .awaitsTeardown)
struct AlertTests {
    /// A notifier over the simulators' receivers, a fresh store and a test clock; `conditions` are what the lasting
    /// sources report.
    struct Rig {
        let simulators: SimulatorServer
        let store: Store
        let clock = TestClock()
        let conditions = Conditions()
        let logs = LogOutput.memory()
        var notifier: Notifier!

        init(slack: Bool = true, webhook: Bool = false, minInterval: Duration = .seconds(300)) throws {
            simulators = SimulatorServer()
            try simulators.start()
            store = try Store(DatabaseLocation(temporaryDatabase("alerts")))
            var targets: [NotifyTarget] = []
            if slack { targets.append(NotifyTarget(name: "slack", url: simulators.baseURL.appendingPathComponent(AlertReceiver.slackPath), format: .slack)) }
            if webhook {
                targets.append(NotifyTarget(
                    name: "webhook", url: simulators.baseURL.appendingPathComponent(AlertReceiver.webhookPath),
                    format: .signedJSON(secret: Secret(AlertReceiver.secret))))
            }
            let conditions = conditions
            let sources = AlertWatch.Sources(
                intakeHalts: { conditions.withLock { $0.halts } }, craftProblem: { conditions.withLock { $0.craft } },
                outages: { conditions.withLock { $0.outages } })
            let http = RetryingHTTPClient(
                inner: URLSessionHTTPClient(requestTimeout: 15), policy: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1)), clock: clock)
            let logs = logs
            notifier = Notifier(
                targets: targets, watch: AlertWatch(store: store, sources: sources, downAfter: .seconds(600)), http: http, store: store, clock: clock,
                settings: .init(checkInterval: .seconds(30), minInterval: minInterval), statusPage: "https://sync.example/ui/problems",
                logger: Logger(label: "test", factory: { LineLogHandler(label: $0, output: logs) }))
        }

        /// A dead letter on item `item`'s timeline, as the progress processor records one.
        func deadLetter(item: String, event: Int64) async throws {
            try await store.timeline.record(NewTimelineEntry(
                at: clock.now(), craftItemID: item, workspaceID: "ws", devToolInstance: "github", devIssueKey: "acme/product#\(event)", kind: .dead,
                outcome: "dead", detail: "issues.closed: given up (Craft.io refused the write (400)); replay it once the cause is fixed", eventID: event))
        }

        /// One look after the entries written so far have settled.
        func look(after wait: Duration = .seconds(10)) async {
            clock.advance(by: wait)
            await notifier.tick()
        }

        var slackMessages: [String] { simulators.alerts.messages.filter { $0.target == .slack }.map(\.text) }
    }

    /// What the lasting sources report, set by a test.
    final class Conditions: Sendable {
        struct State {
            var halts: [String: String] = [:]
            var craft: String?
            var outages: [String: Date] = [:]
        }
        private let state = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    }

    @Test("a dead letter sends one Slack-shaped message naming the item, and the item's timeline says it was told")
    func deadLetter() async throws {
        let rig = try Rig()
        Teardown.later { await rig.simulators.shutdown() }
        await rig.look()  // the first look starts from now
        try await rig.deadLetter(item: "1001", event: 7)
        await rig.look()
        #expect(rig.slackMessages.count == 1)
        let text = try #require(rig.slackMessages.first)
        #expect(text.hasPrefix("craft-sync: 1 problem\n"))
        #expect(text.contains("*Dead letter*: item 1001 (acme/product#7): issues.closed: given up"))
        #expect(text.contains("<https://sync.example/ui/problems|Open the status page>"))
        let timeline = try await rig.store.timeline.list(TimelineFilter(craftItemID: "1001"), limit: 10)
        #expect(timeline.first?.kind == .notified && timeline.first?.detail == "told slack: dead letter")
        // Told once: the next looks find nothing new.
        await rig.look(after: .seconds(600))
        #expect(rig.slackMessages.count == 1)
    }

    @Test("a delivery that died before its item was known is told too, once; one whose item is known is told once, with its item")
    func itemlessDeadLetter() async throws {
        let rig = try Rig()
        Teardown.later { await rig.simulators.shutdown() }
        await rig.look()
        rig.clock.advance(by: .seconds(1))
        func dies(_ delivery: String) async throws -> Int64 {
            guard case .stored(let id) = try await rig.store.events.append(IncomingEvent(
                tool: "github", deliveryID: delivery, eventType: "issues.closed", receivedAt: rig.clock.now(), body: Array("{}".utf8)))
            else { throw CancellationError() }
            try await rig.store.events.markDead(id: id, error: "GitHub: read issue: denied access (403)", now: rig.clock.now())
            return id
        }
        let itemless = try await dies("d-1")
        let known = try await dies("d-2")
        try await rig.deadLetter(item: "1001", event: known)
        await rig.look()
        let text = try #require(rig.slackMessages.first)
        #expect(rig.slackMessages.count == 1 && text.hasPrefix("craft-sync: 2 problems"))
        #expect(text.contains("delivery \(itemless) (github issues.closed) names no item craft-sync knows: GitHub: read issue: denied access (403)"))
        #expect(text.contains("item 1001 (acme/product#\(known))"))
        await rig.look(after: .seconds(600))
        #expect(rig.slackMessages.count == 1)
    }

    @Test("a storm of 100 dead letters over five minutes sends at most a few summaries, and every one is counted")
    func storm() async throws {
        let rig = try Rig()
        Teardown.later { await rig.simulators.shutdown() }
        await rig.look()
        for event in 1...100 {
            try await rig.deadLetter(item: "item-\(event)", event: Int64(event))
            if event % 10 == 0 { await rig.look(after: .seconds(30)) }
        }
        await rig.look(after: .seconds(600))
        let messages = rig.slackMessages
        // Looks every 30 s, one message per 5 min: the first look's ten, then the ninety held since.
        #expect(messages.count == 2, "\(messages.count) messages")
        let counted = messages.compactMap { text -> Int? in
            let headline = text.split(separator: "\n").first ?? ""
            return headline.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        #expect(counted == [10, 90], "\(counted)")
        #expect(messages.allSatisfy { $0.split(separator: "\n").count <= NotifyTarget.linesShown + 3 })
    }

    @Test("stopped intake, an unusable key and a long outage are told when they begin and when they end; a short outage is not")
    func lastingConditions() async throws {
        let rig = try Rig(minInterval: .seconds(1))
        Teardown.later { await rig.simulators.shutdown() }
        await rig.look()
        let start = rig.clock.now()
        rig.conditions.withLock {
            $0.halts = ["github": "github created acme/product#3 without its marker"]
            $0.outages = ["jira": start, "Craft.io": start.addingTimeInterval(-3600)]
        }
        await rig.look()
        var text = try #require(rig.slackMessages.last)
        #expect(text.hasPrefix("craft-sync: 2 problems"))
        #expect(text.contains("*Intake stopped*: intake for github is stopped: github created acme/product#3 without its marker"))
        #expect(text.contains("*Down*: Craft.io has failed every call for 60 min"))
        #expect(!text.contains("jira"))
        await rig.look()
        #expect(rig.slackMessages.count == 1)  // still the same conditions: nothing new to say

        rig.conditions.withLock {
            $0.halts = [:]
            $0.outages = [:]
            $0.craft = "the Craft.io key lacks the scope write:items:craft"
        }
        await rig.look()
        text = try #require(rig.slackMessages.last)
        #expect(text.hasPrefix("craft-sync: 1 problem, 2 back to normal"))
        #expect(text.contains("*Craft.io unusable*: the Craft.io key lacks the scope write:items:craft"))
        #expect(text.contains("✅ *Back to normal*: intake stopped is over: intake for github runs again"))
        #expect(text.contains("Craft.io answers again"))
    }

    @Test("the JSON webhook is signed; a failing target keeps its alerts for its next turn, and its URL is never logged")
    func signedAndRetried() async throws {
        let rig = try Rig(slack: true, webhook: true)
        Teardown.later { await rig.simulators.shutdown() }
        await rig.look()
        try await rig.deadLetter(item: "1001", event: 1)
        rig.simulators.faults.set(.init(target: "notify", failNext: 2, status: 503))
        await rig.look()
        #expect(rig.simulators.alerts.messages.isEmpty)
        #expect(rig.logs.lines.contains { $0.contains("could not tell slack") })
        #expect(!rig.logs.lines.contains { $0.contains(AlertReceiver.slackPath) })
        try await rig.deadLetter(item: "1002", event: 2)
        await rig.look(after: .seconds(60))
        #expect(rig.simulators.alerts.messages.isEmpty)  // not its turn yet
        await rig.look(after: .seconds(300))
        let slack = try #require(rig.slackMessages.first)
        #expect(slack.hasPrefix("craft-sync: 2 problems") && slack.contains("item 1001") && slack.contains("item 1002"))
        let json = try #require(rig.simulators.alerts.messages.first { $0.target == .webhook })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
        let alerts = try #require(body["alerts"] as? [[String: Any]])
        #expect(body["source"] as? String == "craft-sync" && alerts.count == 2)
        #expect(alerts.first?["kind"] as? String == "dead_letter" && alerts.first?["craftItemID"] as? String == "1001" && alerts.first?["state"] as? String == "firing")
        // The receiver refuses a body that does not match its signature.
        let forged = try await httpExchange(
            rig.simulators.baseURL.appendingPathComponent(AlertReceiver.webhookPath).absoluteString, method: "POST",
            headers: ["X-Craft-Sync-Signature-256": "sha256=00"], body: Data(json.text.utf8))
        #expect(forged.status == 401)
    }

    @Test("notify.webhook_url without its secret is refused at start; the Slack URL is a secret")
    func configuration() throws {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_NOTIFY_WEBHOOK_URL": "https://ops.example/hook"])
        }
        let loaded = try ConfigurationLoader.load(file: nil, environment: [
            "CRAFT_SYNC_NOTIFY_SLACK_URL": "https://hooks.slack.example/services/T0/B0/secretpart",
            "CRAFT_SYNC_NOTIFY_WEBHOOK_URL": "https://ops.example/hook", "CRAFT_SYNC_NOTIFY_WEBHOOK_SECRET": "s3cret",
        ]).configuration
        #expect(loaded.notify.isEnabled && "\(loaded.notify)".contains("secretpart") == false)
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_NOTIFY_SLACK_URL": "http://hooks.slack.example/services/T0"])
        }
    }
}
