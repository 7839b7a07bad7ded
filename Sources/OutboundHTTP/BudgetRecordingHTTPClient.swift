import Support

/// Passes every request on, and records the budget headers of every answer in `budget`.
public struct BudgetRecordingHTTPClient: HTTPClient {
    let inner: any HTTPClient
    let budget: RateBudget

    public init(inner: any HTTPClient, budget: RateBudget) {
        self.inner = inner
        self.budget = budget
    }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        let response = try await inner.send(request)
        budget.record(header: response.header)
        return response
    }
}
