import CraftAPI
import Foundation
import OutboundHTTP
import Simulators
import Synchronization
import TestSupport
import Support

/// A simulator on an ephemeral port and a Craft client of the chosen form pointed at it.
struct CraftFixture {
    let simulators: SimulatorServer
    let clock = TestClock()
    let client: any CraftClient

    static let workspace = "ws-1"

    init(dialect: CraftDialect, apiKey: String = "sim-craft-key", maxAttempts: Int = 5) throws {
        simulators = SimulatorServer()
        try simulators.start()
        // random() = 0.5: each backoff is half its ceiling, so the waits are known.
        let policy = RetryPolicy(maxAttempts: maxAttempts, baseDelay: .seconds(1), maxDelay: .seconds(30), random: { 0.5 })
        let http = RetryingHTTPClient(inner: URLSessionHTTPClient(requestTimeout: 15), policy: policy, clock: clock)
        client = CraftClients.make(dialect: dialect, baseURL: simulators.baseURL, apiKey: apiKey, http: http)
    }

    @discardableResult
    func seed(_ title: String, status: String = "Ready for Development") -> SimulatedCraftItem {
        simulators.craft.seed(.init(workspaceId: Self.workspace, title: title, status: status, description: "About \(title)"))
    }
}
