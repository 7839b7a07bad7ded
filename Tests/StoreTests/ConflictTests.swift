import Foundation
import Testing
@testable import Store

@Suite("Conflicts")
struct ConflictTests {
    func conflict(_ mapping: Int64, craft: String) -> NewConflict {
        NewConflict(
            mappingID: mapping, workspaceID: "w", craftItemID: "1001", devToolInstance: "gh", devIssueKey: "acme/app#1", field: "title",
            baseValue: "base", craftValue: craft, devValue: "dev")
    }

    func entry() -> NewTimelineEntry {
        NewTimelineEntry(at: t0, craftItemID: "1001", workspaceID: "w", devToolInstance: "gh", devIssueKey: nil, kind: .drift, outcome: "conflict", detail: "c")
    }

    @Test("one open conflict per mapping and field, updated while open, with one timeline entry; resolved once", arguments: Backend.allCases)
    func openOnce(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let (first, isNew) = try #require(try await store.conflicts.record(conflict(7, craft: "one"), now: t0, recording: entry()))
        #expect(isNew)
        let (again, secondIsNew) = try #require(try await store.conflicts.record(conflict(7, craft: "two"), now: t0, recording: entry()))
        #expect(!secondIsNew && again.id == first.id && again.craftValue == "two")
        #expect(try await store.conflicts.openCount() == 1)
        #expect(try await store.timeline.list(TimelineFilter(craftItemID: "1001")).count == 1)
        #expect(try await store.conflicts.resolve(id: first.id, as: .keepDevTool, by: "a test", now: t0) { _ in })
        #expect(try await store.conflicts.resolve(id: first.id, as: .takeCraft, by: "a test", now: t0) { _ in } == false)
        let resolved = try #require(try await store.conflicts.conflict(id: first.id))
        #expect(resolved.resolution == .keepDevTool && resolved.resolvedBy == "a test" && resolved.resolvedAt != nil)
        // Resolved, the field may conflict anew.
        let third = try #require(try await store.conflicts.record(conflict(7, craft: "three"), now: t0, recording: entry()))
        #expect(third.isNew)
        #expect(try await store.conflicts.open(craftItemID: "1001").map(\.craftValue) == ["three"])
        // A look that began before a person chose records nothing over their choice.
        #expect(try await store.conflicts.resolve(id: third.0.id, as: .takeCraft, by: "a test", now: t0.addingTimeInterval(1)) { _ in })
        #expect(try await store.conflicts.record(conflict(7, craft: "four"), now: t0, recording: entry(), unlessResolvedSince: t0) == nil)
        #expect(try await store.conflicts.openCount() == 0)
    }
}
