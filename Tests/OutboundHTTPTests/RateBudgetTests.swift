import Foundation
import Support
import Testing
@testable import OutboundHTTP

@Suite("Rate budgets read from the tools' answers")
struct RateBudgetTests {
    let now = Date(timeIntervalSince1970: 1_900_000_000)

    func budget(_ headers: [String: String]) -> RateBudget {
        let budget = RateBudget()
        let response = OutboundResponse(status: 200, headers: headers)
        budget.record(header: response.header, now: now)
        return budget
    }

    @Test("each tool's headers: GitHub and Azure DevOps epoch seconds, Linear milliseconds, GitLab's RateLimit-*, Jira's ISO time")
    func headerForms() {
        let github = budget(["X-RateLimit-Remaining": "4990", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "1900000600"]).snapshot
        #expect(github == .init(remaining: 4990, limit: 5000, resetAt: now.addingTimeInterval(600), observedAt: now))
        let linear = budget(["X-RateLimit-Requests-Remaining": "1400", "X-RateLimit-Requests-Limit": "1500", "X-RateLimit-Requests-Reset": "1900000060000"])
        #expect(linear.snapshot?.resetAt == now.addingTimeInterval(60) && linear.snapshot?.remaining == 1400)
        let gitlab = budget(["RateLimit-Remaining": "10", "RateLimit-Limit": "2000", "RateLimit-Reset": "1900000030"]).snapshot
        #expect(gitlab?.remaining == 10 && gitlab?.resetAt == now.addingTimeInterval(30))
        let jira = budget(["X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "2030-03-17T17:46:40Z"]).snapshot
        #expect(jira?.resetAt == Date(timeIntervalSince1970: 1_900_000_000))
        #expect(budget(["Content-Type": "application/json"]).snapshot == nil)
        // Numbers from the server are range-checked, never trapped on.
        #expect(budget(["X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1e300"]).snapshot?.resetAt == nil)
    }

    @Test("room is what is left above the reserve, or any once the window has reset; a tool that never reported has room")
    func room() {
        #expect(RateBudget().hasRoom(share: 0.2, now: now))
        let low = budget(["X-RateLimit-Remaining": "500", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "1900000600"])
        #expect(!low.hasRoom(share: 0.2, now: now))
        #expect(low.hasRoom(share: 0.05, now: now))
        #expect(low.hasRoom(share: 0.2, now: now.addingTimeInterval(601)))
        // The limit is the tool's number: the largest there is, with the whole budget reserved, is arithmetic, not a trap.
        let huge = budget(["X-RateLimit-Remaining": "5", "X-RateLimit-Limit": "9223372036854775807", "X-RateLimit-Reset": "1900000600"])
        #expect(!huge.hasRoom(share: 1, now: now))
        // A low report without a reset, an hour old, no longer holds work back.
        let noReset = budget(["X-RateLimit-Remaining": "1", "X-RateLimit-Limit": "5000"])
        #expect(!noReset.hasRoom(share: 0.2, now: now.addingTimeInterval(60)) && noReset.hasRoom(share: 0.2, now: now.addingTimeInterval(3601)))
    }

    @Test("only GitHub's core pool is the budget: an answer from the GraphQL pool leaves it as the REST answers left it")
    func corePoolOnly() async throws {
        struct Answers: HTTPClient {
            let headers: @Sendable (OutboundRequest) -> [String: String]
            func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse { OutboundResponse(status: 200, headers: headers(request)) }
        }
        let budget = RateBudget()
        let client = BudgetRecordingHTTPClient(
            inner: Answers { request in
                request.url.path.hasSuffix("graphql")
                    ? ["X-RateLimit-Remaining": "3", "X-RateLimit-Limit": "5000", "X-RateLimit-Resource": "graphql"]
                    : ["X-RateLimit-Remaining": "4000", "X-RateLimit-Limit": "5000", "X-RateLimit-Resource": "core"]
            }, budget: budget)
        _ = try await client.send(OutboundRequest(method: "GET", url: URL(string: "https://api.github.com/repos/o/r/issues/1")!, operation: "read"))
        _ = try await client.send(OutboundRequest(method: "POST", url: URL(string: "https://api.github.com/graphql")!, operation: "board"))
        #expect(budget.snapshot?.remaining == 4000)
    }
}
