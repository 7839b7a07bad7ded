import Foundation
import Logging
import Synchronization
import Testing
@testable import App
@testable import SimulatorCommands

@Suite("craft-sync demo")
struct DemoTests {
    @Test("the demo runs the whole intake scenario and reports success")
    func demoSucceeds() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "demo-test")
        logger.logLevel = .critical
        try await Demo.run(keepRunning: false, print: { line in lines.withLock { $0.append(line) } }, logger: logger)
        let output = lines.withLock { $0 }.joined(separator: "\n")
        #expect(output.contains("→ acme/product#"))
        #expect(output.contains("✓ hierarchy: epic \"Onboarding revamp\""))
        #expect(output.contains("✓ routing: \"Crash when saving an empty roadmap\" (a Bug in ws-demo) → jira ACME-"))
        // A developer's day on GitHub, column by column.
        for step in ["dev_status = In Progress", "dev_status = In Review", "the pull request merged; GitHub closes #", "the epic's dev_rollup = 1/2 done", "moved to 'In progress' on the project board"] {
            #expect(output.contains(step), "the demo does not show \(step)")
        }
        #expect(output.contains("→ ACME-"))
        #expect(output.contains("→ acme/mobile#"))
        #expect(output.contains(
            "Result: 13 issues created, 0 duplicates, 0 failures; 1 existing issue linked; 10 progress updates by webhook, 1 healed by reconciliation; "
                + "1 dead letter told to Slack and replayed; 1 edit pushed, 1 conflict resolved."))
        #expect(output.contains("title = \"Onboarding checklist for teams\" (the issue still held what craft-sync wrote)"))
        #expect(output.contains("a conflict, nothing overwritten"))
        #expect(output.contains("✓ resolved as the Conflicts page's 'Take Craft.io's' does: acme/product#"))
        #expect(output.contains("and its dev_assignee = dev-alice (progress.fields: assignee)"))
        #expect(output.contains("✓ link: ") && output.contains("opened by hand: marker added, dev_status = To Do"))
        #expect(output.contains("✓ told Slack (notify.slack_url): • 🔴 *Dead letter*: item "))
        // The dead letter, its replay, and one item's timeline from lost webhook to reconciliation.
        #expect(output.contains("Craft.io answered 403; delivery"))
        #expect(output.contains("✓ replayed"))
        let timeline = try #require(output.components(separatedBy: "Timeline of Craft item").last)
        for step in ["claimed", "created", "link_written", "reconciled    behind", "craft_write   succeeded  dev_status set to 'Done'"] {
            #expect(timeline.contains(step), "the printed timeline lacks \(step)")
        }
        #expect(output.contains("dev_status = Won't Do"))
    }
}
