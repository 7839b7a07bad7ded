import Support
import Foundation
import HTTPServer
import Store
import SyncEngine
import Support

/// The admin API under `/api/v1`, behind a bearer token compared in constant time. With no token configured
/// none of it is registered, so every admin path answers 404.
struct AdminRoutes {
    let token: Secret
    let scheduler: IntakeScheduler?
    let store: Store
    let progress: ProgressProcessor?
    let configuration: Configuration
    let startedAt: Date
    var craftKey: CraftKeyCheck?
    var budgets: [String: RateBudget] = [:]

    func register(in router: inout Router) {
        let token = token
        let engine = scheduler?.engine
        let queries = AdminQueryRoutes(store: store, configuration: configuration, startedAt: startedAt, authorize: { request in
            try Self.authorize(request, token: token)
        }, intakeHalts: { await engine?.haltedTools() ?? [:] }, craftKey: { [craftKey] in craftKey?.result }, budgets: budgets)
        queries.register(in: &router)
        StatusPageRoutes(
            token: token, page: StatusPage(store: store, configuration: configuration, engine: engine, status: { try await queries.status() }),
            sessions: SessionStore(), scheduler: scheduler, progress: progress
        ).register(in: &router)
        router.post("/api/v1/sync") { request in
            try authorize(request)
            guard let scheduler else {
                throw HTTPError(.serviceUnavailable, "intake is not configured; see /readyz for the missing settings")
            }
            let reports = await scheduler.runAll(trigger: "manual")
            return try .json(reports.map(RunSummary.init), status: .ok)
        }
        router.post("/api/v1/events/:id/replay") { request in
            try authorize(request)
            guard let id = request.parameters["id"].flatMap({ Int64($0) }) else { throw HTTPError(.badRequest, "the event id must be a number") }
            guard try await store.events.replay(id: id) else { throw HTTPError(.notFound, "there is no event \(id)") }
            progress?.wake()
            return try .json(["status": "queued", "event": String(id)], status: .accepted)
        }
        router.post("/api/v1/events/replay-dead") { request in
            try authorize(request)
            let count = try await store.events.replayDead()
            progress?.wake()
            return try .json(["status": "queued", "count": String(count)], status: .accepted)
        }
    }

    private func authorize(_ request: HTTPRequest) throws {
        try Self.authorize(request, token: token)
    }

    static func authorize(_ request: HTTPRequest, token: Secret) throws {
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), ConstantTime.equals(header.dropFirst(7), token.revealed) else {
            throw HTTPError(.unauthorized, "a valid bearer token is required", headers: ["WWW-Authenticate": "Bearer"])
        }
    }

    struct RunSummary: Encodable {
        var workspace: String
        var runId: Int64?
        var seen: Int
        var created: Int
        var skipped: Int
        var failed: Int
        var drifted: Int
        var error: String?

        init(_ report: IntakeReport) {
            workspace = report.workspaceID
            runId = report.runID
            seen = report.counts.seen
            created = report.counts.created
            skipped = report.counts.skipped
            failed = report.counts.failed
            drifted = report.counts.drifted
            error = report.error
        }
    }
}
