import Foundation
import Testing
import TestSupport
@testable import Store

/// `migrate --from sqlite:PATH`: a team that outgrows one machine moves its state to PostgreSQL without losing a row.
@Suite("Copying an SQLite database into PostgreSQL", .timeLimit(.minutes(2)))
struct DatabaseCopyTests {
    @Test("mappings, events (bodies byte for byte), runs, cursors and the timeline arrive whole; new rows take new ids; a second copy is refused")
    func sqliteToPostgres() async throws {
        let source = try await makeStore(.sqlite)
        let target = try await makeStore(.postgres)
        guard case .claimed(let mapping) = try await source.mappings.claim(
            workspaceID: "w", craftItemID: "1001", devToolKind: "github", devToolInstance: "gh", contentHash: "h", holder: .test, now: t0)
        else { Issue.record("not claimed"); return }
        #expect(try await source.mappings.linkClaim(
            id: mapping.id, holder: .test, devIssueID: "I_1", key: "acme/app#1", url: "https://github.com/acme/app/issues/1", contentHash: "h", now: t0))
        _ = try await source.mappings.recordPush(id: mapping.id, status: "Done", eventOrder: 1_800_000_000_000, now: t0)
        let body = (0...255).map(UInt8.init) + Array(#"{"action":"closed"}"#.utf8)
        guard case .stored(let eventID) = try await source.events.append(
            IncomingEvent(tool: "github", deliveryID: "d-1", eventType: "issues", receivedAt: t0, headers: ["X-GitHub-Event": "issues"], body: body))
        else { Issue.record("not stored"); return }
        try await source.events.markProcessed(id: eventID, now: t0)
        let run = try await source.runs.start(workspaceID: "w", trigger: "schedule", now: t0)
        try await source.runs.finish(id: run, counts: .init(seen: 1, created: 1), error: nil, now: t0)
        try await source.cursors.set("intake.w", to: "1800000000.5", now: t0)
        try await source.timeline.record(NewTimelineEntry(
            at: t0, craftItemID: "1001", workspaceID: "w", devToolInstance: "gh", devIssueKey: "acme/app#1", kind: .webhook, outcome: "applied",
            detail: "closed → Done", eventID: eventID))
        let (conflict, _) = try #require(try await source.conflicts.record(
            NewConflict(
                mappingID: mapping.id, workspaceID: "w", craftItemID: "1001", devToolInstance: "gh", devIssueKey: "acme/app#1", field: "title",
                baseValue: "a", craftValue: "b", devValue: "c"),
            now: t0, recording: NewTimelineEntry(
                at: t0, craftItemID: "1001", workspaceID: "w", devToolInstance: "gh", devIssueKey: nil, kind: .drift, outcome: "conflict", detail: "c")))

        let copied = try await DatabaseCopy.copy(from: source, to: target)
        #expect(copied == ["mappings": 1, "events": 1, "sync_runs": 1, "cursors": 1, "timeline": 2, "conflicts": 1])
        #expect(try await target.conflicts.conflict(id: conflict.id) == conflict)

        let moved = try #require(try await target.mappings.mapping(id: mapping.id))
        #expect(moved == (try await source.mappings.mapping(id: mapping.id)))
        #expect(try await target.events.payload(id: eventID) == body)
        #expect(try await target.events.event(id: eventID) == (try await source.events.event(id: eventID)))
        #expect(try await target.runs.lastSuccessful(workspaceID: "w")?.counts.created == 1)
        #expect(try await target.cursors.value("intake.w") == "1800000000.5")
        #expect(try await target.timeline.list(TimelineFilter(craftItemID: "1001")).map(\.detail) == ["c", "closed → Done"])

        // The next delivery gets an id after the copied ones, not a collision.
        guard case .stored(let next) = try await target.events.append(
            IncomingEvent(tool: "github", deliveryID: "d-2", eventType: "issues", receivedAt: t0, body: Array("{}".utf8)))
        else { Issue.record("not stored"); return }
        #expect(next > eventID)

        let error = await #expect(throws: DatabaseCopy.Failure.self) { try await DatabaseCopy.copy(from: source, to: target) }
        #expect(error?.description.contains("already holds data") == true)
    }
}
