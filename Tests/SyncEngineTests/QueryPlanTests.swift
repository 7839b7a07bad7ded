import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Every query the sync paths run must find its rows through an index: at 100,000 mappings and 1,000,000 events a
/// full scan on a hot path is a stall. The test runs the paths (intake, drift, webhooks, reconciliation, retention,
/// the timeline), collects the SQL each connection prepared, and asks SQLite for each one's plan.
@Suite("Query plans", .awaitsTeardown)
struct QueryPlanTests {
    /// Tables that grow with use; a scan of the small ones (sync_runs per poll, cursors) is fine.
    static let largeTables = ["mappings", "events", "timeline"]

    @Test("no query on the sync paths scans a large table")
    func noFullScans() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(3)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(linkField: "dev_link"), trigger: "test")
        _ = try await engine.plan(fixture.target())
        let (processor, _, _) = try await fixture.linkedProcessor(issueID: "1299020697")
        let id = try await fixture.deliver(body: try fixtureBytes("github/issues_closed_completed.json"))
        await processor.processDue()
        _ = try await fixture.store.events.replay(id: id)
        _ = try await fixture.store.events.replayDead()
        await processor.processDue()
        _ = await fixture.reconciler().run()
        _ = try await fixture.store.events.prune(finishedBefore: .now)
        _ = try await fixture.store.timeline.prune(before: .now)
        _ = try await fixture.store.timeline.list(TimelineFilter(craftItemID: "1001"))
        _ = try await fixture.store.mappings.mappings(craftItemID: "1001")

        let store = fixture.store
        guard store.database.dialect == .sqlite else { try Test.cancel("EXPLAIN QUERY PLAN is SQLite's; this run is on PostgreSQL") }
        let prepared = Set(try await store.read { ($0 as! SQLiteConnection).preparedSQL } + (try await store.write { ($0 as! SQLiteConnection).preparedSQL }))
        var scans: [String] = []
        for sql in prepared where !sql.hasPrefix("PRAGMA") {
            let plan = try await store.read { connection in
                try connection.rows("EXPLAIN QUERY PLAN " + sql, []) { $0.string(3) ?? "" }
            }
            for step in plan where Self.largeTables.contains(where: { step.hasPrefix("SCAN \($0)") }) && !step.contains("INDEX") {
                scans.append("\(step)  ←  \(sql)")
            }
        }
        #expect(prepared.count > 20, "the paths ran too few queries to prove anything: \(prepared.count)")
        #expect(scans.isEmpty, "full scans:\n\(scans.joined(separator: "\n"))")
    }
}
