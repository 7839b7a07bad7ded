import Foundation
import Testing
@testable import Store

@Suite("Mappings")
struct MappingTests {
    func claim(_ store: Store, _ item: String, workspace: String = "w1", instance: String = "github") async throws -> MappingRepository.ClaimResult {
        try await store.mappings.claim(
            workspaceID: workspace, craftItemID: item, devToolKind: "github", devToolInstance: instance, contentHash: "h-\(item)", holder: .test, now: t0)
    }

    @Test("the first claim of an item wins; later ones see the existing mapping", arguments: Backend.allCases)
    func claimOnce(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .claimed(let mapping) = try await claim(store, "42") else { Issue.record("not claimed"); return }
        #expect(mapping.state == .pending)
        #expect(mapping.contentHash == "h-42")
        #expect(try await claim(store, "42") == .existing(mapping))
        guard case .claimed = try await claim(store, "42", instance: "jira") else { Issue.record("another instance is separate"); return }
    }

    @Test("concurrent claims of one item produce exactly one owner", arguments: Backend.allCases)
    func racingClaims(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let results = try await withThrowingTaskGroup(of: MappingRepository.ClaimResult.self) { group in
            for _ in 0..<32 { group.addTask { try await claim(store, "7") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { if case .claimed = $0 { true } else { false } }.count == 1)
    }

    @Test("a linked mapping is found by the dev issue's stable id, and its key can change", arguments: Backend.allCases)
    func linkAndFind(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .claimed(let mapping) = try await claim(store, "42") else { return }
        #expect(try await store.mappings.linkClaim(id: mapping.id, holder: .test, devIssueID: "10001", key: "ACME-12", url: "https://x/ACME-12", contentHash: nil, now: t0))
        try await store.write { try MappingRepository.learn(MappingFacts(key: "CORE-3", toolNote: .some("n")), id: mapping.id, now: t0, in: $0) }
        let found = try #require(try await store.mappings.mapping(devToolInstance: "github", devIssueID: "10001"))
        #expect(found.state == .linked)
        #expect(found.devIssueKey == "CORE-3")
        #expect(found.devIssueURL == "https://x/ACME-12", "a fact not given leaves the column")
        #expect(found.toolNote == "n")
        #expect(found.contentHash == "h-42")
    }

    @Test("an older event never overwrites a newer one's status", arguments: Backend.allCases)
    func outOfOrderPushes(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .claimed(let mapping) = try await claim(store, "42") else { return }
        #expect(try await store.mappings.recordPush(id: mapping.id, status: "Done", eventOrder: 200, now: t0))
        #expect(try await store.mappings.recordPush(id: mapping.id, status: "In Progress", eventOrder: 100, now: t0) == false)
        #expect(try await store.mappings.recordPush(id: mapping.id, status: "Done", eventOrder: 200, now: t0))  // a tie applies
        let current = try #require(try await store.mappings.mapping(id: mapping.id))
        #expect(current.lastPushedStatus == "Done")
        #expect(current.lastEventOrder == 200)
    }

    @Test("failed mappings keep their reason and can be retried", arguments: Backend.allCases)
    func failAndRetry(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .claimed(let mapping) = try await claim(store, "42") else { return }
        try await store.mappings.markFailed(id: mapping.id, reason: "422: title too long", now: t0)
        #expect(try await store.mappings.mapping(id: mapping.id)?.failureReason == "422: title too long")
        #expect(try await store.mappings.retry(id: mapping.id))
        #expect(try await store.mappings.retry(id: mapping.id) == false)  // only a failed mapping
        #expect(try await store.mappings.abandonedClaims(workspaceID: "w1", now: t0).map(\.id) == [mapping.id], "nobody holds it: the next poll takes it")
    }

    @Test("listing filters, searches and pages newest first", arguments: Backend.allCases)
    func listing(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        var claimed: [Mapping] = []
        for item in 1...5 { if case .claimed(let mapping) = try await claim(store, "\(item)") { claimed.append(mapping) } }
        _ = try await claim(store, "9", workspace: "w2")
        let second = try #require(claimed.first { $0.id == 2 })
        #expect(try await store.mappings.linkClaim(
            id: second.id, holder: .test, devIssueID: "i2", key: "#2", url: nil, contentHash: nil, now: t0))
        let firstPage = try await store.mappings.list(MappingFilter(workspaceID: "w1"), limit: 2)
        #expect(firstPage.map(\.craftItemID) == ["5", "4"])
        let secondPage = try await store.mappings.list(MappingFilter(workspaceID: "w1"), beforeID: firstPage.last?.id, limit: 2)
        #expect(secondPage.map(\.craftItemID) == ["3", "2"])
        #expect(try await store.mappings.list(MappingFilter(state: .linked)).map(\.craftItemID) == ["2"])
        #expect(try await store.mappings.list(MappingFilter(search: "#2")).map(\.craftItemID) == ["2"])
        #expect(try await store.mappings.list(MappingFilter(search: "9")).map(\.workspaceID) == ["w2"])
        #expect(try await store.mappings.countsByState() == [.pending: 5, .linked: 1])
        #expect(try await store.mappings.linked(afterID: 0, limit: 10).map(\.id) == [2])
    }
}

@Suite("Claim leases")
struct ClaimLeaseTests {
    @Test("a claim taken over after its lease ran out can no longer be renewed or linked by its first owner", arguments: Backend.allCases)
    func takenOver(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let other = LeaseHolder(host: "web-2", pid: 4711, run: "r2")
        guard case .claimed(let mine) = try await store.mappings.claim(
            workspaceID: "w", craftItemID: "1", devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: t0,
            leaseUntil: t0.addingTimeInterval(300))
        else { Issue.record("no claim"); return }
        #expect(mine.leaseOwner == LeaseHolder.test.description)
        #expect(try await store.mappings.abandonedClaims(workspaceID: "w", now: t0.addingTimeInterval(10)).isEmpty, "held: nobody else takes it")
        #expect(try await store.mappings.renew(id: mine.id, holder: .test, until: t0.addingTimeInterval(310)))
        #expect(try await store.mappings.renew(id: mine.id, holder: other, until: t0.addingTimeInterval(900)) == false, "only its holder renews")
        #expect(try await store.mappings.takeOver(id: mine.id, holder: other, now: t0.addingTimeInterval(305), until: t0.addingTimeInterval(900)) == false)
        let abandoned = try #require(try await store.mappings.abandonedClaims(workspaceID: "w", now: t0.addingTimeInterval(400)).first)
        #expect(try await store.mappings.takeOver(id: abandoned.id, holder: other, now: t0.addingTimeInterval(400), until: t0.addingTimeInterval(700)))
        #expect(try await store.mappings.takeOver(id: abandoned.id, holder: .test, now: t0.addingTimeInterval(401), until: t0.addingTimeInterval(700)) == false,
                "only one taker")
        #expect(try await store.mappings.renew(id: mine.id, holder: .test, until: t0.addingTimeInterval(800)) == false)
        #expect(try await store.mappings.linkClaim(
            id: mine.id, holder: .test, devIssueID: "a", key: "#1", url: nil, contentHash: nil, now: t0.addingTimeInterval(403)) == false)
        #expect(try await store.mappings.mapping(id: mine.id)?.leaseOwner == "web-2, pid 4711, run r2", "who holds it is said")
        #expect(try await store.mappings.linkClaim(
            id: mine.id, holder: other, devIssueID: "b", key: "#2", url: nil, contentHash: nil, now: t0.addingTimeInterval(404)))
        let linked = try #require(try await store.mappings.mapping(id: mine.id))
        #expect(linked.devIssueID == "b" && linked.leaseOwner == nil && linked.leaseUntil == nil)
    }

    @Test("a claim and its link each commit once, their timeline entries with them", arguments: Backend.allCases)
    func claimAndLinkWithTheirEntries(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let before = store.transactionsCommitted
        guard case .claimed(let mine) = try await store.mappings.claim(
            workspaceID: "w", craftItemID: "1", devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: t0,
            recording: { NewTimelineEntry($0, at: t0, kind: .claimed, outcome: "claimed", detail: "claimed") })
        else { Issue.record("no claim"); return }
        #expect(try await store.mappings.linkClaim(
            id: mine.id, holder: .test, devIssueID: "9", key: "#9", url: nil, contentHash: nil, now: t0,
            recording: NewTimelineEntry(mine, at: t0, kind: .created, outcome: "succeeded", detail: "created #9")))
        #expect(store.transactionsCommitted - before == 2)
        let kinds = try await store.timeline.list(TimelineFilter(craftItemID: "1")).map(\.kind)
        #expect(Set(kinds) == [.claimed, .created])
    }

    @Test("a released claim is abandoned at once: the next run takes it without waiting out a lease", arguments: Backend.allCases)
    func released(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        guard case .claimed(let mine) = try await store.mappings.claim(
            workspaceID: "w", craftItemID: "1", devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: t0)
        else { Issue.record("no claim"); return }
        #expect(try await store.mappings.releaseClaim(id: mine.id, holder: .test))
        #expect(try await store.mappings.abandonedClaims(workspaceID: "w", now: t0).map(\.id) == [mine.id])
    }
}
