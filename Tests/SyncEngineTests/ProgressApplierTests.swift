import DevTools
import Foundation
import OutboundHTTP
@testable import Store
import Testing
@testable import SyncEngine

/// The one place a status becomes a Craft.io value, decided without a store, a server or a clock.
@Suite("ProgressApplier decides")
struct ProgressApplierTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let github = GitHubAdapter(baseURL: URL(string: "https://api.github.com")!, owner: "o", repository: "r", token: "t", http: URLSessionHTTPClient())
    let applier = ProgressApplier(statusMapping: StatusMapping(), ownAccounts: ["craft-sync-bot"])

    func mapping(pushed: String? = nil, order: Int64? = nil, key: String = "#1", note: String? = nil, devStatus: String? = nil) -> Mapping {
        var mapping = Mapping(
            id: 1, workspaceID: "w", craftItemID: "i", devToolKind: "github", devToolInstance: "github", devIssueID: "10", devIssueKey: key,
            devIssueURL: nil, state: .linked, failureReason: nil, contentHash: nil, lastPushedStatus: pushed, lastPushedAt: nil,
            lastEventOrder: order, createdAt: Self.now, updatedAt: Self.now)
        mapping.toolNote = note
        mapping.lastDevStatus = devStatus
        return mapping
    }

    func event(_ name: String, detail: String? = nil, at order: Int64?, actor: String? = "dev", key: String = "#1") -> ProgressApplier.Observation {
        .event(IssueChange(issueID: "10", key: key, status: DevIssueStatus(name: name, detail: detail), order: order, actor: actor))
    }

    var ms: Int64 { Int64(Self.now.timeIntervalSince1970 * 1000) }

    @Test("a newer close writes Done; the same again records its order without a write; an older one is stale")
    func ordering() {
        let applied = applier.decide(event("closed", at: ms - 1000), mapping: mapping(pushed: "In Progress", order: ms - 2000), tool: Self.github, now: Self.now)
        #expect(applied.outcome == .applied && applied.writes && applied.value == "Done" && applied.order == ms - 1000)
        let again = applier.decide(event("closed", at: ms - 500), mapping: mapping(pushed: "Done", order: ms - 1000), tool: Self.github, now: Self.now)
        #expect(again.outcome == .noOp && !again.writes && again.value == "Done" && again.order == ms - 500)
        let stale = applier.decide(event("open", at: ms - 3000), mapping: mapping(pushed: "Done", order: ms - 1000), tool: Self.github, now: Self.now)
        #expect(stale.outcome == .stale && stale.value == nil)
        let untimed = applier.decide(event("open", at: nil), mapping: mapping(pushed: "Done", order: ms - 1000), tool: Self.github, now: Self.now)
        #expect(untimed.outcome == .stale, "an event without a time is not put over a known order")
    }

    @Test("craft-sync's own echo, a status without a Craft value, and a time from the future")
    func echoUnmappedFuture() {
        #expect(applier.decide(event("closed", at: ms, actor: "craft-sync-bot"), mapping: mapping(), tool: Self.github, now: Self.now).outcome == .echo)
        #expect(applier.decide(event("archived", at: ms), mapping: mapping(), tool: Self.github, now: Self.now).outcome == .unmapped)
        let future = applier.decide(event("closed", at: ms + 86_400_000), mapping: mapping(pushed: "To Do", order: ms - 1000), tool: Self.github, now: Self.now)
        #expect(future.outcome == .applied && future.order == ms && future.suspiciousTime == ms + 86_400_000)
    }

    @Test("a key change is learnt; an open review (the GitHub adapter's note) holds the open issue in review until it ends")
    func factsAndReviewHold() {
        let moved = applier.decide(event("closed", at: ms, key: "#7"), mapping: mapping(), tool: Self.github, now: Self.now)
        #expect(moved.newKey == "#7")
        let review = applier.decide(event("open", detail: "in_review", at: ms), mapping: mapping(pushed: "In Progress"), tool: Self.github, now: Self.now)
        #expect(review.value == "In Review" && review.toolNote == .some("review_open"))
        let assigned = applier.decide(
            event("open", detail: "assigned", at: ms), mapping: mapping(pushed: "In Review", note: "review_open"), tool: Self.github, now: Self.now)
        #expect(assigned.outcome == .noOp && assigned.devStatus?.described == "open:in_review" && assigned.toolNote == nil, "held in review; the note stays")
        let closed = applier.decide(event("closed", at: ms), mapping: mapping(pushed: "In Review", note: "review_open"), tool: Self.github, now: Self.now)
        #expect(closed.value == "Done" && closed.toolNote == .some(nil), "closing ends the review")
    }

    @Test("a read: older than the last change is stale, same value writes nothing unless the status behind it changed")
    func reads() {
        func read(_ name: String, detail: String? = nil, at order: Int64?) -> ProgressApplier.Observation {
            .read(DevIssue(id: "10", key: "#1", url: "u", status: DevIssueStatus(name: name, detail: detail), updatedAt: order.map { Date(timeIntervalSince1970: Double($0) / 1000) }))
        }
        #expect(applier.decide(read("open", at: ms - 5000), mapping: mapping(pushed: "Done", order: ms - 1000), tool: Self.github, now: Self.now).outcome == .stale)
        let same = applier.decide(read("closed", at: ms), mapping: mapping(pushed: "Done", order: ms - 1000, devStatus: "closed"), tool: Self.github, now: Self.now)
        #expect(same.outcome == .noOp && same.value == nil, "a full pass reads thousands: an unchanged read writes nothing")
        let behind = applier.decide(read("closed", at: ms), mapping: mapping(pushed: "In Progress", order: ms - 1000), tool: Self.github, now: Self.now)
        #expect(behind.outcome == .applied && behind.writes)
    }
}
