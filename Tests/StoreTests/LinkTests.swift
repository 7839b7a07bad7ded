import Foundation
import Testing
@testable import Store

/// Links a person makes and ends, checked in the store's transaction on both backends.
@Suite("Existing links and tombstones")
struct LinkTests {
    func request(item: String, issue: String) -> MappingRepository.ExistingLink {
        .init(
            workspaceID: "w1", craftItemID: item, craftItemURL: nil, craftTitle: "T \(item)", craftParentID: nil, devToolKind: "github",
            devToolInstance: "github", devIssueID: "id-\(issue)", devIssueKey: "acme/product#\(issue)", devIssueURL: "https://x/\(issue)",
            devIssueAltID: nil, contentHash: "h", contentSnapshot: nil, linkPending: false)
    }

    func entry(_ mapping: Mapping) -> NewTimelineEntry { NewTimelineEntry(mapping, at: t0, kind: .linked, outcome: "succeeded", detail: "linked") }

    @Test("a link is refused for a linked item or an issue linked elsewhere; unlink leaves a tombstone an issue can leave", arguments: Backend.allCases)
    func linkRules(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let first = try await store.mappings.link(request(item: "A", issue: "1"), now: t0, recording: entry)
        #expect(first.state == .linked && first.devIssueKey == "acme/product#1")
        await #expect(throws: MappingRepository.LinkConflict.itemLinked(first)) { try await store.mappings.link(request(item: "A", issue: "2"), now: t0, recording: entry) }
        await #expect(throws: MappingRepository.LinkConflict.issueLinked(first)) { try await store.mappings.link(request(item: "B", issue: "1"), now: t0, recording: entry) }

        let tombstone = try #require(try await store.mappings.unlink(id: first.id, now: t0) { NewTimelineEntry($0, at: t0, kind: .unlinked, outcome: "succeeded", detail: "x") })
        #expect(tombstone.state == .unlinked)
        #expect(try await store.mappings.unlink(id: first.id, now: t0) { NewTimelineEntry($0, at: t0, kind: .unlinked, outcome: "succeeded", detail: "x") } == nil)
        // The issue goes to another item; the tombstone lets go of it and stays.
        let second = try await store.mappings.link(request(item: "B", issue: "1"), now: t0, recording: entry)
        #expect(try await store.mappings.mapping(devToolInstance: "github", devIssueID: "id-1")?.id == second.id)
        #expect(try await store.mappings.mapping(devToolInstance: "github", devIssueKey: "acme/product#1")?.id == second.id)
        #expect(try await store.mappings.mapping(id: first.id)?.state == .unlinked)
        // The first item's tombstone becomes its new link.
        let relinked = try await store.mappings.link(request(item: "A", issue: "3"), now: t0, recording: entry)
        #expect(relinked.id == first.id && relinked.state == .linked && relinked.devIssueKey == "acme/product#3")
        #expect(try await store.mappings.countsByState() == [.linked: 2])
        #expect(try await store.timeline.list(TimelineFilter(craftItemID: "A"), limit: 10).map(\.kind) == [.linked, .unlinked, .linked])
    }

    @Test("an item's failed row in another tool becomes a tombstone when it is linked, and its live row is the one intake sees", arguments: Backend.allCases)
    func failedElsewhere(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .claimed(let claim) = try await store.mappings.claim(
            workspaceID: "w1", craftItemID: "A", devToolKind: "jira", devToolInstance: "jira", contentHash: nil, holder: .test, now: t0)
        else { Issue.record("not claimed"); return }
        try await store.mappings.markFailed(id: claim.id, reason: "refused", now: t0)
        let linked = try await store.mappings.link(request(item: "A", issue: "1"), now: t0, recording: entry)
        #expect(try await store.mappings.mapping(id: claim.id)?.state == .unlinked)
        #expect(try await store.mappings.retry(id: claim.id) == false)
        #expect(try await store.mappings.all(workspaceID: "w1", devToolInstance: nil)["A"]?.id == linked.id)
        #expect(try await store.mappings.mappings(workspaceID: "w1", devToolInstance: nil, craftItemIDs: ["A"])["A"]?.id == linked.id)
    }

    @Test("two racing links of one item: exactly one wins", arguments: Backend.allCases)
    func racingLinks(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for issue in 0..<8 {
                group.addTask {
                    do {
                        _ = try await store.mappings.link(request(item: "A", issue: "\(issue)"), now: t0, recording: entry)
                        return true
                    } catch is MappingRepository.LinkConflict {
                        return false
                    }
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(wins == 1)
    }
}
