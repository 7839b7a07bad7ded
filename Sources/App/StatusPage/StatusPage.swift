import Foundation
import HTTPServer
import Store
import SyncEngine

/// What the status page reads, and the pages it renders. Requests arrive through `StatusPageRoutes`, which has
/// already checked the session; every value that reaches HTML goes through `HTML`'s escaping.
struct StatusPage: Sendable {
    let store: Store
    let configuration: Configuration
    let engine: IntakeEngine?
    /// The admin API's status (readiness problems, intake halts, the Craft key check): one source for both.
    let status: @Sendable () async throws -> AdminQueryRoutes.Status

    // MARK: Overview

    func overview(csrf: String, now: Date = .now) async throws -> HTTPResponse {
        let status = try await status()
        let counts = try await store.mappings.countsByWorkspace()
        let lastHour = try await store.events.countsByState(receivedSince: now.addingTimeInterval(-3600))
        let running = await engine?.runningPolls() ?? [:]
        let nextPoll = await engine?.nextScheduledPoll()
        var problems: [HTML] = status.missingSettings.map { "<li>Setting <code>\($0)</code> is missing: intake waits for it.</li>" }
        problems += status.intakeStopped.sorted(by: { $0.key < $1.key }).map { "<li>Intake for <b>\($0.key)</b> is stopped: \($0.value)</li>" }
        if let craftKey = status.craftKey, let problem = CraftKeyCheck.problem(of: craftKey) { problems.append("<li>Craft.io key: \(problem)</li>") }
        let conflicts = try await store.conflicts.openCount()
        if conflicts > 0 {
            problems.append("<li><a href=\"/ui/conflicts\">\(conflicts) conflict\(conflicts == 1 ? "" : "s")</a>: edited in Craft.io and in the dev tool; choose which side wins.</li>")
        }

        var cards: [HTML] = []
        for workspace in status.workspaces {
            let states = counts[workspace.id] ?? [:]
            let progress: HTML = running[workspace.id].map { progressBlock($0) } ?? ""
            let stateBadges = HTML.join(
                Mapping.State.allCases.map { state in "\(Layout.badge(for: state.rawValue)) \(states[state] ?? 0)" }, separator: " &nbsp; ")
            cards.append("""
                <section class="card" aria-label="Workspace \(workspace.id)">
                <h2>Workspace \(workspace.id)</h2>
                \(progress)
                <dl class="facts">
                <dt>Dev tool</dt><dd>\(workspace.devTool)</dd>
                <dt>Last poll</dt><dd>\(Layout.time(workspace.lastSuccessfulPoll, now: now))</dd>
                <dt>Next poll</dt><dd>\(running[workspace.id] != nil ? Layout.badge("running now", .warn) : nextPoll.map { Layout.time($0, now: now) } ?? "<span class=\"muted\">not scheduled (no poll loop runs; use Sync now)</span>")</dd>
                <dt>Items</dt><dd>\(stateBadges)</dd>
                <dt>Drift</dt><dd>\(workspace.lastRunDrifted.map { $0 > 0 ? Layout.badge("\($0) edited after sync", .warn) : Layout.badge("none", .ok) } ?? "—")</dd>
                <dt>Unreadable</dt><dd>\(workspace.lastRunUnreadable.map { $0 > 0 ? Layout.badge("\($0) items", .bad) : Layout.badge("none", .ok) } ?? "—")</dd>
                </dl>
                <p><a href="/ui/mappings?workspace=\(Layout.percentEncoded(workspace.id))">See its items</a></p>
                </section>
                """)
        }
        let deliveries = HTML.join(
            StoredEvent.State.allCases.map { state in "<tr><td>\(Layout.badge(for: state.rawValue))</td><td>\(lastHour[state] ?? 0)</td></tr>" })
        let problemList: HTML = problems.isEmpty
            ? "<p class=\"notice ok\">\(Layout.badge("ready", .ok)) No readiness problems.</p>"
            : "<div class=\"notice bad\" role=\"alert\"><b>Needs attention</b><ul>\(problems)</ul></div>"
        let content: HTML = """
            <h1>Overview</h1>
            \(problemList)
            <p>\(Layout.button("Sync now", action: "/ui/sync", csrf: csrf, returnTo: "/ui/")) <span class="muted">Polls every workspace now; this page shows its progress.</span></p>
            <div class="cards">\(cards)
            <section class="card" aria-label="Webhook deliveries">
            <h2>Webhook deliveries, last hour</h2>
            <table><thead><tr><th>Outcome</th><th>Deliveries</th></tr></thead><tbody>\(deliveries)</tbody></table>
            <p>Dead letters waiting: \(status.deadEvents > 0 ? Layout.badge("\(status.deadEvents) dead", .bad) : Layout.badge("none", .ok)) · <a href="/ui/problems">Dead letters &amp; failures</a></p>
            </section>
            \(replicasCard(status, now: now))
            </div>
            <p class="muted">craft-sync \(status.version) · up \(Layout.relative(now.addingTimeInterval(-Double(status.uptimeSeconds)), now: now).replacing(" ago", with: ""))</p>
            """
        return Layout.page("Overview", section: .overview, csrf: csrf, refreshSeconds: running.isEmpty ? nil : 3, content)
    }

    /// The replicas sharing the database, by heartbeat: one not seen for a minute has most likely stopped or died.
    private func replicasCard(_ status: AdminQueryRoutes.Status, now: Date) -> HTML {
        let rows = HTML.join(status.replicas.map { replica in
            let fresh = now.timeIntervalSince(replica.lastSeen) < 60
            return "<tr><td>\(replica.host)</td><td>\(replica.pid)</td><td>\(replica.version)</td><td>\(Layout.time(replica.startedAt, now: now))</td><td>\(fresh ? Layout.badge("seen \(Layout.relative(replica.lastSeen, now: now))", .ok) : Layout.badge("silent since \(Layout.relative(replica.lastSeen, now: now))", .bad))</td></tr>"
        })
        return """
            <section class="card" aria-label="Replicas">
            <h2>Replicas</h2>
            <p class="muted">Database: \(status.database.backend == "postgres" ? "PostgreSQL" : "SQLite") · \(status.database.location)</p>
            <table><thead><tr><th>Host</th><th>PID</th><th>Version</th><th>Started</th><th>Heartbeat</th></tr></thead><tbody>\(rows)</tbody></table>
            </section>
            """
    }

    private func progressBlock(_ progress: IntakeProgress) -> HTML {
        let rate = progress.perSecond.map { String(format: "%.1f items/s", $0) } ?? "starting"
        let eta = progress.remaining.map { "about \(Layout.relative(Date(timeIntervalSinceNow: -$0.timeInterval), now: .now).replacing(" ago", with: "")) left" } ?? ""
        return """
            <div class="notice warn" role="status"><b>Poll running:</b> \(progress.done) of \(progress.total) items · \(progress.created) created · \(progress.failed) failed · \(rate) \(eta)
            <progress max="\(max(progress.total, 1))" value="\(progress.done)">\(progress.done) of \(progress.total)</progress></div>
            """
    }

    // MARK: Runs

    func runs(csrf: String, cursor: Int64?, now: Date = .now) async throws -> HTTPResponse {
        let limit = 50
        let runs = try await store.runs.list(beforeID: cursor, limit: limit)
        let rows = HTML.join(runs.map { run in
            let took = run.finishedAt.map { String(format: "%.1f s", $0.timeIntervalSince(run.startedAt)) } ?? "running"
            let outcome: HTML = run.error.map { "\(Layout.badge("failed", .bad)) \($0)" } ?? (run.finishedAt == nil ? Layout.badge("running", .warn) : Layout.badge("succeeded", .ok))
            return """
                <tr><td>\(run.id)</td><td>\(run.workspaceID)</td><td>\(run.trigger)\(run.dryRun ? " (dry run)" : "")</td><td>\(Layout.time(run.startedAt, now: now))</td>
                <td>\(took)</td><td>\(run.counts.seen)</td><td>\(run.counts.created)</td><td>\(run.counts.skipped)</td><td>\(run.counts.failed)</td>
                <td>\(run.counts.drifted)</td><td>\(outcome)</td></tr>
                """
        })
        let content: HTML = """
            <h1>Runs</h1>
            <table><thead><tr><th>Run</th><th>Workspace</th><th>Trigger</th><th>Started</th><th>Took</th><th>Seen</th><th>Created</th><th>Skipped</th><th>Failed</th><th>Drift</th><th>Outcome</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            \(pager(path: "/ui/runs", query: [], next: runs.count == limit ? runs.last?.id : nil))
            """
        return Layout.page("Runs", section: .runs, csrf: csrf, content)
    }

    func pager(path: String, query: [(String, String)], next: Int64?) -> HTML {
        guard let next else { return "" }
        let parameters = (query + [("cursor", String(next))]).map { "\(Layout.percentEncoded($0.0))=\(Layout.percentEncoded($0.1))" }.joined(separator: "&")
        return "<p class=\"pager\"><a href=\"\(path)?\(parameters)\">Older →</a></p>"
    }
}
