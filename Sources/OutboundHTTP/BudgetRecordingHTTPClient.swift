import Support

/// Passes every request on, and records the budget headers of its answers in `budget`. GitHub counts REST calls
/// (`x-ratelimit-resource: core`) apart from GraphQL, search and others, each with its own limit
/// (https://docs.github.com/en/rest/rate-limit/rate-limit): only the core pool, which creates and reads spend, is
/// the budget; an answer naming another pool is not recorded.
public struct BudgetRecordingHTTPClient: HTTPClient {
    let inner: any HTTPClient
    let budget: RateBudget

    public init(inner: any HTTPClient, budget: RateBudget) {
        self.inner = inner
        self.budget = budget
    }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        let response = try await inner.send(request)
        let pool = response.header("x-ratelimit-resource")
        if pool == nil || pool == "core" { budget.record(header: response.header) }
        return response
    }
}
