import Support
import Foundation
import HTTPServer
import Store
import SyncEngine
import Support

/// The admin API under `/api/v1`, in the router's admin group (a bearer token, checked by `AdminGate`), and the
/// status page. With no token configured none of it is registered, so every admin path answers 404.
struct AdminRoutes {
    let scheduler: SyncCycleScheduler?
    let store: Store
    let progress: ProgressProcessor?
    let configuration: Configuration
    let startedAt: Date
    var craftKey: CraftKeyCheck?
    var budgets: [String: RateBudget] = [:]

    func register(in router: inout SecuredRouter) {
        let engine = scheduler?.engine
        let queries = AdminQueryRoutes(store: store, configuration: configuration, startedAt: startedAt, intakeHalts: { await engine?.haltedTools() ?? [:] }, craftKey: { [craftKey] in craftKey?.result }, budgets: budgets)
        queries.register(in: &router)
        let links = LinkRoutes(
            links: scheduler.map { Links(engine: $0.engine, targets: $0.targets) },
            conflicts: scheduler.map { ConflictResolver(engine: $0.engine, targets: $0.targets, store: store) })
        links.register(in: &router)
        links.registerConflicts(in: &router, store: store)
        StatusPageRoutes(
            page: StatusPage(store: store, configuration: configuration, engine: engine, status: { try await queries.status() }),
            scheduler: scheduler, progress: progress, links: links
        ).register(in: &router)
        router.admin(.post, "/api/v1/sync") { request in
            guard let scheduler else {
                throw HTTPError(.serviceUnavailable, "intake is not configured; see /readyz for the missing settings")
            }
            let reports = await scheduler.runAll(trigger: "manual")
            return try .json(reports.map(RunSummary.init), status: .ok)
        }
        router.admin(.post, "/api/v1/events/:id/replay") { request in
            guard let id = request.parameters["id"].flatMap({ Int64($0) }) else { throw HTTPError(.badRequest, "the event id must be a number") }
            guard try await store.events.replay(id: id) else { throw HTTPError(.notFound, "there is no event \(id)") }
            progress?.wake()
            return try .json(["status": "queued", "event": String(id)], status: .accepted)
        }
        router.admin(.post, "/api/v1/events/replay-dead") { request in
            let count = try await store.events.replayDead()
            progress?.wake()
            return try .json(["status": "queued", "count": String(count)], status: .accepted)
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
