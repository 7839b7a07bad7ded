import App
import CraftAPI
import DevTools
import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import SyncEngine
import Synchronization
import Support

/// `craft-sync demo`: the whole intake flow on one machine with no accounts. Starts the simulators and the
/// service on loopback with a temporary database, seeds five Craft workspaces (synced to GitHub, Jira, GitLab, Linear and Azure DevOps),
/// runs intake twice, moves issues, loses a webhook, and prints a timeline. Fails, with the reason, when the scenario
/// did not hold.
public enum Demo {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The Craft item whose link field names this issue key ("KEY URL", written back by intake).
    static func mappedItem(_ simulators: SimulatorServer, issueKey: String) -> String? {
        simulators.craft.items.first { $0.customFieldValue("dev_link")?.split(separator: " ").first.map(String.init) == issueKey }?.id
    }

    /// Waits (up to five seconds) for the progress processor to write the item's dev_status.
    static func waitForProgress(_ simulators: SimulatorServer, itemID: String, expected: String) async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let value = simulators.craft.items.first { $0.id == itemID }?.customFieldValue("dev_status")
            if value == expected { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        return simulators.craft.items.first { $0.id == itemID }?.customFieldValue("dev_status")
    }

    /// The first dead letter, once the processor has given up on it.
    static func waitForDeadLetter(_ store: Store) async throws -> StoredEvent {
        for _ in 0..<500 {
            if let dead = try await store.events.list(EventFilter(state: .dead), limit: 1).first { return dead }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "no delivery became a dead letter after Craft.io refused the write")
    }

    /// The first Slack message the simulators received.
    static func waitForAlert(_ simulators: SimulatorServer) async throws -> String {
        for _ in 0..<250 {
            if let message = simulators.alerts.messages.first { return message.text }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "no Slack message came after the dead letter")
    }

    public static func run(keepRunning: Bool, print emit: @escaping @Sendable (String) -> Void, logger: Logger) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("craft-sync-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let simulators = SimulatorServer(logger: logger)
        let simulatorPort = try simulators.start()
        let simulatorURL = "http://127.0.0.1:\(simulatorPort)"
        let credentials = simulators.credentials
        Simulation.seedWorkspace(simulators)
        // An epic with two stories: in GitHub they become the epic's sub-issues.
        let epic = simulators.craft.seed(.init(
            workspaceId: credentials.craftWorkspaceID, title: "Onboarding revamp", status: "Ready for Development", type: "Epic"))
        for story in ["Welcome tour", "Sample project"] {
            simulators.craft.seed(.init(
                workspaceId: credentials.craftWorkspaceID, title: story, status: "Ready for Development", type: "Story", parentId: epic.id))
        }
        let jiraWorkspace = "ws-platform"
        for (title, status) in [("Single sign-on with SAML", "Ready for Development"), ("Audit log export", "Ready for Development"),
                                ("Usage-based billing", "In Refinement")] {
            simulators.craft.seed(.init(workspaceId: jiraWorkspace, title: title, status: status, description: "<p>\(title).</p><ul><li>spec in Craft</li></ul>", type: "Feature", importance: "High"))
        }
        let gitlabWorkspace = "ws-mobile"
        for title in ["Offline mode for the mobile app", "Push notification settings"] {
            simulators.craft.seed(.init(workspaceId: gitlabWorkspace, title: title, status: "Ready for Development", description: "<p>\(title).</p>", type: "Feature"))
        }

        let linearWorkspace = "ws-growth"
        simulators.craft.seed(.init(workspaceId: linearWorkspace, title: "Referral program", status: "Ready for Development", description: "<p>Invite a friend.</p>", type: "Feature"))

        let azureWorkspace = "ws-web"
        simulators.craft.seed(.init(workspaceId: azureWorkspace, title: "Accessible checkout", status: "Ready for Development", description: "<p>WCAG AA.</p>", type: "Story", importance: "High"))
        // Titles are untrusted text: this one must show as text everywhere (issue bodies, the status page), never run.
        simulators.craft.seed(.init(
            workspaceId: azureWorkspace, title: "Escape <script>alert(1)</script> in titles", status: "Ready for Development",
            description: "<p>Titles are text.</p>", type: "Bug"))

        // The service itself: five workspaces, synced to GitHub, Jira, GitLab, Linear and Azure DevOps, on its own port.
        var configuration = try ConfigurationLoader.load(file: nil, environment: [:]).configuration
        try ConfigurationLoader.applyYAML(
            Simulation.workspacesConfiguration(
                baseURL: simulatorURL, credentials: credentials,
                workspaces: [(credentials.craftWorkspaceID, "github"), (jiraWorkspace, "jira"), (gitlabWorkspace, "gitlab"), (linearWorkspace, "linear"), (azureWorkspace, "azure-devops")]),
            source: "demo", to: &configuration)
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.database = directory.appendingPathComponent("craft-sync.sqlite").path
        configuration.craft.linkField = "dev_link"
        configuration.craft.rollUpField = "dev_rollup"
        // Who works on an issue, besides its status, into a field of its own.
        configuration.signalFields = [.assignee: "dev_assignee"]
        simulators.craft.addTextField(named: "dev_assignee")
        // Craft.io edits after the hand-over go to the issue; edits on both sides wait on the Conflicts page.
        configuration.drift = .pushAll
        // Bugs go to Jira, as Bugs, whichever workspace they come from.
        configuration.routing = [RoutingRule(type: "Bug", instance: "jira", issueType: "Bug")]
        // A one-off admin token for the status page and the admin API; printed only with --keep-running, where the
        // person at the terminal signs in with it.
        let adminToken = "demo-" + UUID().uuidString.lowercased()
        configuration.admin.token = Secret(adminToken)
        // Alerts go to the simulators' Slack-compatible webhook, looked for every 200 ms.
        configuration.notify.slackURL = Secret(simulatorURL + AlertReceiver.slackPath)
        configuration.notify.checkInterval = .milliseconds(200)
        guard let world = OutsideWorld(configuration: configuration) else {
            throw Failure(description: "the demo configuration is incomplete: \(configuration.missingSettings)")
        }
        let application = try Application(configuration: configuration, logger: logger, outsideWorld: world)
        let servicePort = try application.start()
        let progress = Task { [application] in await application.progress?.run(pollInterval: Duration.milliseconds(200)) }
        defer { progress.cancel() }
        let alerts = Task { [application] in await application.runAlerts() }
        defer { alerts.cancel() }
        // Each simulated tool is asked to send its webhooks here, through its own API, as `doctor --register-webhooks`
        // does with a real one.
        var registering = configuration
        registering.publicURL = "http://127.0.0.1:\(servicePort)"
        let registrations = await WebhookSetup(configuration: registering, world: world).registerAll()
        if let failed = registrations.first(where: { $0.outcome == "failed" }) {
            throw Failure(description: "registering the \(failed.instance) webhook failed: \(failed.detail)")
        }
        let (engine, targets) = Application.makeIntake(configuration: configuration, store: application.store, world: world, clock: SystemClock())
        guard targets.count == 5 else { throw Failure(description: "expected five workspaces, configured \(targets.count)") }

        emit("craft-sync demo: everything runs on loopback; no account, nothing leaves this machine")
        emit("  simulators  \(simulatorURL)  (Craft.io in both API forms, GitHub, Jira, GitLab, Linear, Azure DevOps)")
        emit("  service     http://127.0.0.1:\(servicePort)  (/healthz, /readyz, /metrics, the status page at /ui/)")
        emit("  webhooks    registered through each tool's API, as doctor --register-webhooks does:")
        for registration in registrations { emit("              ✓ \(registration.detail)") }
        emit("")
        var expected = 0
        for (step, target) in targets.enumerated() {
            let items = simulators.craft.items.filter { $0.workspaceId == target.workspaceID }
            let ready = items.filter { $0.status.name == target.readyStatus }
            expected += ready.count
            emit("\(step + 1). Craft.io workspace \(target.workspaceID): \(items.count) items, \(ready.count) in '\(target.readyStatus)'")
            for item in items where item.status.name != target.readyStatus {
                emit("   · \(item.shortId) \"\(item.title)\" stays in Craft.io (\(item.status.name))")
            }
            let report = await engine.run(target, trigger: "demo")
            if let error = report.error { throw Failure(description: "intake for \(target.workspaceID) failed: \(error)") }
            emit("   intake → \(target.devTool.kind)")
            for created in report.created.sorted(by: { $0.craftItemID < $1.craftItemID }) {
                emit("   ✓ \(created.craftItemID) \"\(created.title)\" → \(created.issue.key)  \(created.issue.url)")
            }
            for failed in report.failed { emit("   ✗ \(failed.craftItemID): \(failed.reason)") }
            guard report.counts.failed == 0, report.counts.created == ready.count else {
                throw Failure(description: "expected \(ready.count) issues for \(target.workspaceID), created \(report.counts.created), failed \(report.counts.failed)")
            }
        }

        emit("\(targets.count + 1). Polling every workspace again: nothing new may be created (exactly once)")
        for target in targets {
            let again = await engine.run(target, trigger: "demo")
            guard again.error == nil, again.counts.created == 0 else {
                throw Failure(description: "the second poll of \(target.workspaceID) created \(again.counts.created) issue(s): \(again.error ?? "")")
            }
        }
        let issues = simulators.devTools.reduce(0) { $0 + $1.issues.count }
        let linkedBack = simulators.craft.items.filter { $0.customFieldValue("dev_link") != nil }.count
        emit("   ✓ no duplicates: \(issues) issues in the dev tools for \(expected) ready items; \(linkedBack) Craft items show their issue link")
        guard let epicIssue = simulators.github.issues.first(where: { $0.title == epic.title }) else { throw Failure(description: "the epic has no issue") }
        let subIssues = simulators.github.subIssues(of: epicIssue.number)
        guard subIssues.count == 2 else { throw Failure(description: "the epic's issue has \(subIssues.count) sub-issues, expected 2") }
        func rollUp() -> String { simulators.craft.items.first { $0.id == epic.id }?.customFieldValue("dev_rollup") ?? "nothing" }
        if let bug = simulators.jira.issues.first(where: { $0.title == "Crash when saving an empty roadmap" }) {
            emit("   ✓ routing: \"\(bug.title)\" (a Bug in \(credentials.craftWorkspaceID)) → jira \(bug.key) as a \(bug.issueType ?? "?"), by the rule 'type = Bug'")
        } else {
            throw Failure(description: "the bug was not routed to Jira")
        }
        emit("   ✓ hierarchy: epic \"\(epic.title)\" → acme/product#\(epicIssue.number), its stories as sub-issues \(subIssues.map { "#\($0)" }.joined(separator: ", ")); its dev_rollup = \(rollUp())")
        guard issues == expected, linkedBack == expected else {
            throw Failure(description: "the dev tools hold \(issues) issues and \(linkedBack) items are linked back, expected \(expected)")
        }

        // An issue someone opened by hand before craft-sync came, linked to its item as `craft-sync link` does.
        guard let dark = simulators.craft.items.first(where: { $0.title == "Dark mode" }) else { throw Failure(description: "no item \"Dark mode\"") }
        let handMade = simulators.github.openIssueByHand(title: "Dark mode (opened by hand)")
        let links = Links(engine: engine, targets: targets)
        let linked = try await links.link(item: dark.id, issue: "https://github.com/acme/product/issues/\(handMade.number)", workspace: credentials.craftWorkspaceID, by: "the demo")
        let darkStatus = simulators.craft.items.first { $0.id == dark.id }?.customFieldValue("dev_status")
        guard linked.markerAdded, darkStatus == "To Do" else { throw Failure(description: "linking \"Dark mode\" left dev_status '\(darkStatus ?? "nothing")'") }
        emit("   ✓ link: \(dark.id) \"Dark mode\" (In Refinement) ↔ \(linked.issue.key), opened by hand: marker added, dev_status = \(darkStatus ?? "")")

        emit("\(targets.count + 2). Developers move issues; the tools send signed webhooks; Craft.io's dev_status follows")
        // GitHub's issue numbers follow the order of concurrent creates: the demo names issues by their titles.
        func number(_ title: String) throws -> Int {
            guard let issue = simulators.github.issues.first(where: { $0.title == title }) else { throw Failure(description: "no GitHub issue \"\(title)\"") }
            return issue.number
        }
        let dayNumber = try number("Onboarding checklist"), notPlanned = try number("Export reports as CSV")
        let lostNumber = try number("Sample project")
        // A developer's day on one issue: each step's webhook moves the Craft item one column on.
        guard let dayItem = mappedItem(simulators, issueKey: "acme/product#\(dayNumber)") else { throw Failure(description: "no Craft item is linked to acme/product#\(dayNumber)") }
        let pullRequest = Mutex(0)
        let day: [(label: String, expected: String, step: @Sendable () async -> WebhookDeliverer.Delivery?)] = [
            ("acme/product#\(dayNumber) assigned to dev-alice", "In Progress", { await simulators.github.assign(number: dayNumber, login: "dev-alice") }),
            ("a pull request saying 'Closes #\(dayNumber)' opened", "In Review", {
                let opened = await simulators.github.openPullRequest(closing: dayNumber)
                pullRequest.withLock { $0 = opened.number }
                return opened.delivery
            }),
            ("the pull request merged; GitHub closes #\(dayNumber)", "Done", { await simulators.github.mergePullRequest(pullRequest.withLock { $0 }) }),
        ]
        for step in day {
            guard let status = await step.step()?.status, status == 202 else { throw Failure(description: "the webhook for \(step.label) was not accepted") }
            let value = try await waitForProgress(simulators, itemID: dayItem, expected: step.expected)
            guard value == step.expected else {
                throw Failure(description: "after \(step.label), Craft item \(dayItem) shows '\(value ?? "nothing")', expected '\(step.expected)'")
            }
            emit("   ✓ \(step.label) → webhook 202 → Craft item \(dayItem) dev_status = \(step.expected)")
            if step.expected == "In Progress" {
                let assignee = simulators.craft.items.first { $0.id == dayItem }?.customFieldValue("dev_assignee")
                guard assignee == "dev-alice" else { throw Failure(description: "the assignment left dev_assignee '\(assignee ?? "nothing")'") }
                emit("     and its dev_assignee = dev-alice (progress.fields: assignee)")
            }
        }
        // One of the epic's stories is done: the epic's roll-up follows.
        let story = try number("Welcome tour")
        guard await simulators.github.setState(number: story, state: "closed", reason: "completed")?.status == 202 else {
            throw Failure(description: "the webhook for the story's close was not accepted")
        }
        for _ in 0..<250 where rollUp() != "1/2 done" { try await Task.sleep(for: .milliseconds(20)) }
        guard rollUp() == "1/2 done" else { throw Failure(description: "the epic's roll-up shows '\(rollUp())' after one of its stories closed, expected 1/2 done") }
        emit("   ✓ acme/product#\(story), a story of the epic, closed → webhook 202 → the epic's dev_rollup = 1/2 done")
        let moves: [(label: String, craftItemID: String?, expected: String, move: @Sendable () async -> WebhookDeliverer.Delivery?)] = [
            ("acme/product#\(notPlanned) closed as not planned", mappedItem(simulators, issueKey: "acme/product#\(notPlanned)"), "Won't Do",
             { await simulators.github.setState(number: notPlanned, state: "closed", reason: "not_planned") }),
            ("acme/product#\(epicIssue.number), the epic, moved to 'In progress' on the project board", mappedItem(simulators, issueKey: "acme/product#\(epicIssue.number)"),
             "In Progress", { await simulators.github.setBoardStatus(number: epicIssue.number, to: "In progress") }),
            ("ACME-1 moved to In Progress", mappedItem(simulators, issueKey: "ACME-1"), "In Progress",
             { await simulators.jira.setStatus(id: "ACME-1", name: "In Progress", category: "indeterminate") }),
            ("acme/mobile#1 closed", mappedItem(simulators, issueKey: "acme/mobile#1"), "Done",
             { await simulators.gitlab.setState(iid: 1, state: "closed") }),
            ("ENG-1 moved to In Review (a started state)", mappedItem(simulators, issueKey: "ENG-1"), "In Progress",
             { await simulators.linear.setState(number: 1, name: "In Review", type: "started") }),
            ("Web#1 moved to Active", mappedItem(simulators, issueKey: "Web#1"), "In Progress",
             { await simulators.azureDevOps.setState(id: 1, state: "Active") }),
        ]
        for move in moves {
            let delivery = await move.move()
            guard let status = delivery?.status, status == 202 else {
                throw Failure(description: "the webhook for \(move.label) was not accepted: \(delivery.map { "\($0.status ?? 0) \($0.error ?? "")" } ?? "not sent")")
            }
        }
        for move in moves {
            guard let itemID = move.craftItemID else { throw Failure(description: "no Craft item is linked to \(move.label)") }
            let value = try await waitForProgress(simulators, itemID: itemID, expected: move.expected)
            guard value == move.expected else {
                throw Failure(description: "after \(move.label), Craft item \(itemID) shows '\(value ?? "nothing")', expected '\(move.expected)'")
            }
            emit("   ✓ \(move.label) → webhook 202 → Craft item \(itemID) dev_status = \(move.expected)")
        }

        emit("\(targets.count + 3). A webhook is lost on the way; the next cycle's reconciliation heals it")
        simulators.webhooks.misbehave(.init(dropNext: 1))
        _ = await simulators.github.setState(number: lostNumber, state: "closed", reason: "completed")
        guard let lostItem = mappedItem(simulators, issueKey: "acme/product#\(lostNumber)") else { throw Failure(description: "no Craft item is linked to acme/product#\(lostNumber)") }
        let before = simulators.craft.items.first { $0.id == lostItem }?.customFieldValue("dev_status")
        emit("   · acme/product#\(lostNumber) closed as completed; its webhook was dropped; Craft item \(lostItem) still shows '\(before ?? "nothing")'")
        guard let scheduler = application.scheduler else { throw Failure(description: "the service has no scheduler") }
        _ = await scheduler.runAll(trigger: "demo")
        let healed = simulators.craft.items.first { $0.id == lostItem }?.customFieldValue("dev_status")
        guard healed == "Done" else { throw Failure(description: "reconciliation did not heal the lost webhook: item \(lostItem) shows '\(healed ?? "nothing")'") }
        emit("   ✓ reconciliation asked GitHub, found it closed, and set Craft item \(lostItem) dev_status = Done")

        emit("\(targets.count + 4). Craft.io refuses a write (403): the delivery becomes a dead letter an operator can replay")
        guard let deadItem = mappedItem(simulators, issueKey: "ACME-2") else { throw Failure(description: "no Craft item is linked to ACME-2") }
        simulators.faults.set(.init(target: "craft", failNext: 1, status: 403))
        _ = await simulators.jira.setStatus(id: "ACME-2", name: "Done", category: "done")
        let dead = try await waitForDeadLetter(application.store)
        simulators.faults.clear()
        emit("   · ACME-2 moved to Done; Craft.io answered 403; delivery \(dead.id) is dead: \(dead.lastError ?? "")")
        let told = try await waitForAlert(simulators)
        emit("   ✓ told Slack (notify.slack_url): \(told.split(separator: "\n").dropFirst().first.map(String.init) ?? told)")
        if !keepRunning {
            _ = try await application.store.events.replay(id: dead.id)
            application.progress?.wake()
            let value = try await waitForProgress(simulators, itemID: deadItem, expected: "Done")
            guard value == "Done" else { throw Failure(description: "the replayed delivery did not reach Craft item \(deadItem): '\(value ?? "nothing")'") }
            emit("   ✓ replayed (as the status page's Replay button does): Craft item \(deadItem) dev_status = Done")
        }

        emit("\(targets.count + 5). Product edits items after the hand-over (drift.policy: push)")
        guard let checklist = simulators.craft.items.first(where: { $0.title == "Onboarding checklist" }),
            let csv = simulators.craft.items.first(where: { $0.title == "Export reports as CSV" })
        else { throw Failure(description: "the demo's items are not where they were") }
        simulators.craft.rename(itemID: checklist.id, title: "Onboarding checklist for teams")
        simulators.craft.rename(itemID: csv.id, title: "Export reports (CSV, XLSX)")
        _ = await simulators.github.editByHand(number: notPlanned, title: "CSV export (won't do for now)")
        let drift = await engine.run(targets[0], trigger: "demo")
        guard drift.driftPushed == [checklist.id], drift.conflicted == [csv.id], let conflict = try await application.store.conflicts.open().first,
            simulators.github.issues.first(where: { $0.number == dayNumber })?.title == "Onboarding checklist for teams"
        else { throw Failure(description: "drift: pushed \(drift.driftPushed), conflicts \(drift.conflicted)") }
        emit("   ✓ \(checklist.id) renamed in Craft.io → acme/product#\(dayNumber) title = \"Onboarding checklist for teams\" (the issue still held what craft-sync wrote)")
        emit("   · \(csv.id) renamed in Craft.io while a developer renamed acme/product#\(notPlanned): a conflict, nothing overwritten")
        if !keepRunning {
            try await engine.resolve(conflict: conflict.id, as: .takeCraft, by: "the demo", in: targets[0])
            let title = simulators.github.issues.first { $0.number == notPlanned }?.title ?? ""
            emit("   ✓ resolved as the Conflicts page's 'Take Craft.io's' does: acme/product#\(notPlanned) title = \"\(title)\"")
        }
        // An item and an issue that exist apart, for linking on the status page.
        let roadmap = simulators.craft.seed(.init(
            workspaceId: credentials.craftWorkspaceID, title: "Roadmap export", status: "In Refinement", type: "Feature"))
        let roadmapIssue = simulators.github.openIssueByHand(title: "Roadmap export (opened by hand)")

        emit("")
        emit("Timeline of Craft item \(lostItem) (GET /api/v1/mappings/\(lostItem)/timeline, or its page under /ui/):")
        for entry in try await application.store.timeline.list(TimelineFilter(craftItemID: lostItem), limit: 100).reversed() {
            emit("   \(entry.at.formatted(.iso8601.time(includingFractionalSeconds: true)))  \(entry.kind.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(entry.outcome.padding(toLength: 10, withPad: " ", startingAt: 0)) \(entry.detail)")
        }
        emit("")
        emit("Result: \(expected) issues created, 0 duplicates, 0 failures; 1 existing issue linked; \(day.count + 1 + moves.count) progress updates by webhook, "
            + "1 healed by reconciliation; 1 dead letter told to Slack"
            + (keepRunning ? ", waiting for its replay on the status page" : " and replayed") + "; 1 edit pushed, 1 conflict "
            + (keepRunning ? "waiting on the Conflicts page." : "resolved."))

        if keepRunning {
            emit("")
            emit("Still running; explore, then press Ctrl-C:")
            emit("  link on the status page: item \(roadmap.id) and acme/product#\(roadmapIssue.number), both made apart")
            emit("  status page http://127.0.0.1:\(servicePort)/ui/  (sign in with this run's admin token: \(adminToken))")
            emit("  curl http://127.0.0.1:\(servicePort)/readyz")
            emit("  curl http://127.0.0.1:\(servicePort)/metrics")
            emit("  curl \(simulatorURL)/_sim/state")
            _ = await TerminationSignal.wait()
        }
        await application.server.shutdown()
        await simulators.shutdown()
    }
}
