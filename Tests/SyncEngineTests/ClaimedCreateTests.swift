import DevTools
import Foundation
import Testing
@testable import SyncEngine

/// The rules of one claimed create, driven without a store, a tool or a clock.
@Suite("A claimed create")
struct ClaimedCreateTests {
    let policy = ClaimedCreate.Policy(attempts: 3, baseDelay: .seconds(1), longestInlineWait: .seconds(100), findsNewIssuesImmediately: true)
    let issue = DevIssue(id: "9", key: "#9", url: "u", status: DevIssueStatus(name: "open"))
    let outage = DevToolError.serverError(tool: "GitHub", operation: "create", status: 503, message: "unavailable")

    func machine(resuming: Bool = false, findsAtOnce: Bool = true) -> ClaimedCreate {
        var policy = policy
        policy.findsNewIssuesImmediately = findsAtOnce
        var machine = ClaimedCreate(policy: policy, resumingAbandonedClaim: resuming)
        machine.random = { 0.5 }
        return machine
    }

    @Test("a fresh claim waits for capacity, renews its lease right before the create, then links what it made")
    func fresh() {
        let machine = machine()
        #expect(machine.start() == .waitForCapacity)
        #expect(machine.readyToCreate() == .renewLease)
        #expect(machine.renewed(true) == .create)
        #expect(machine.renewed(false) == .lost, "a claim taken over meanwhile never creates")
        #expect(machine.created(issue) == .link(issue, recovered: false))
    }

    @Test("an abandoned claim looks for its marker first: found is linked as recovered, not found is created")
    func resumed() {
        let machine = machine(resuming: true)
        #expect(machine.start() == .findByMarker)
        #expect(machine.found(issue) == .link(issue, recovered: true))
        #expect(machine.found(nil) == .waitForCapacity)
    }

    @Test("after a 5xx the marker is looked for before the next create; after the last attempt the claim is postponed, not failed")
    func outageRetriesThenPostpones() {
        var machine = machine()
        guard case .retry(let wait) = machine.failed(outage) else { Issue.record("no retry"); return }
        #expect(wait <= .seconds(100))
        #expect(machine.waited() == .findByMarker, "the create may have happened")
        #expect({ if case .retry = machine.failed(outage) { true } else { false } }())
        _ = machine.waited()
        guard case .postpone(let reason) = machine.failed(outage) else { Issue.record("not postponed"); return }
        #expect(reason.contains("3 attempts"))
    }

    @Test("a refusal fails the item; a wait longer than the lease allows postpones; an unknown outcome where lookups lag waits for the lease")
    func endings() {
        var refused = machine()
        #expect(refused.failed(.rejected(tool: "GitHub", operation: "create", status: 422, message: "invalid")) == .fail(reason: "create: GitHub rejected the request (422: invalid)."))
        var throttled = machine()
        guard case .postpone = throttled.failed(.throttled(tool: "GitHub", operation: "create", status: 429, retryAfter: .seconds(3600))) else {
            Issue.record("an hour's Retry-After is not waited in line"); return
        }
        var lagging = machine(findsAtOnce: false)
        guard case .leaveToLease = lagging.failed(outage) else { Issue.record("a lookup now could miss the issue"); return }
    }
}
