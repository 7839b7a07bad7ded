import HTTPServer

/// What every simulated dev tool is built with: the shared fault plan, the call counter and the webhook sender.
public struct SimulatorContext: Sendable {
    public let faults: FaultInjector
    public let calls: CallCounter
    public let webhooks: WebhookDeliverer

    public init(faults: FaultInjector, calls: CallCounter, webhooks: WebhookDeliverer) {
        self.faults = faults
        self.calls = calls
        self.webhooks = webhooks
    }

    /// The gate in front of every simulated API call: counts it as `<tool> <endpoint>`, answers `refusal` when the
    /// request is not the tool's to serve (bad credentials, an unknown project), then any fault planned for `tool`,
    /// and only then `body`.
    func serve(
        tool: String, _ endpoint: String, refusal: HTTPResponse?, _ body: () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        calls.record("\(tool) \(endpoint)")
        if let refusal { return refusal }
        if let failure = try await faults.before(target: tool) { return failure }
        return try await body()
    }
}
