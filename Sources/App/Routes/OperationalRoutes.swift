import HTTPServer
import Logging
import Store
import Support

/// `/healthz`, `/readyz` and `/metrics`: what an orchestrator and a monitoring system ask of the service.
struct OperationalRoutes {
    let configuration: Configuration
    let store: Store
    let metrics: ServiceMetrics
    let logger: Logger
    /// Dev-tool instances whose intake stopped, and why (see `IntakeEngine.haltedTools`).
    var intakeHalts: @Sendable () async -> [String: String] = { [:] }
    /// What is wrong with the Craft.io key, if anything (see `CraftKeyCheck`).
    var craftKeyProblem: @Sendable () -> String? = { nil }
    /// What works only in part (progress values Craft.io cannot take), shown without making the service unready.
    var craftKeyWarning: @Sendable () -> String? = { nil }
    /// Each dev-tool token's rate budget, by instance.
    var budgets: [String: RateBudget] = [:]

    struct Readiness: Encodable {
        var status: String
        var checks: [String: String]
        var missingSettings: [String]
        /// Degraded but ready: what works only in part.
        var warnings: [String: String]?
    }

    /// `/healthz` says only "ok" and is open to anyone; `/readyz` and `/metrics` name workspaces, fields and
    /// upstream errors, so they take `ops.token` when it is set, and live only on `ops.listen` (a private address)
    /// when that is set (`withMonitoring: false` for the main router then).
    func register(in router: inout SecuredRouter, withMonitoring: Bool = true) {
        router.open(.get, "/healthz") { _ in try .json(["status": "ok"]) }
        guard withMonitoring else { return }
        router.operations("/readyz") { _ in try await readiness() }
        router.operations("/metrics") { _ in
            if let counts = try? await store.events.countsByState() {
                metrics.setQueue(depth: (counts[.received] ?? 0) + (counts[.failed] ?? 0), deadEvents: counts[.dead] ?? 0)
            }
            metrics.setRateBudgets(budgets)
            return HTTPResponse(headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: metrics.exposition())
        }
    }

    /// 200 only when the database takes a write and no required setting is missing; otherwise 503 with
    /// what is wrong, so the orchestrator holds traffic back and the operator sees why.
    func readiness() async throws -> HTTPResponse {
        var checks: [String: String] = [:]
        do {
            try await store.checkWritable()
            checks["database"] = "ok"
        } catch {
            checks["database"] = "not writable: \(error)"
            logger.warning("database is not writable", metadata: ["database": "\(store.location)", "error": "\(error)"])
        }
        let missing = configuration.missingSettings
        checks["configuration"] = missing.isEmpty ? "ok" : "incomplete"
        for (instance, reason) in await intakeHalts() { checks["intake.\(instance)"] = "stopped: \(reason)" }
        if let problem = craftKeyProblem() { checks["craft.api_key"] = problem }
        let ready = checks.values.allSatisfy { $0 == "ok" }
        let warnings = craftKeyWarning().map { ["craft.progress_values": $0] }
        let body = Readiness(status: ready ? "ready" : "not ready", checks: checks, missingSettings: missing, warnings: warnings)
        return try .json(body, status: ready ? .ok : .serviceUnavailable)
    }
}
