import Foundation
import HTTPServer
import Store

/// The items list, an item's page with its timeline, and the dead letters and failures page.
extension StatusPage {
    struct ItemQuery {
        var search: String?
        var state: Mapping.State?
        var tool: String?
        var workspace: String?
        var cursor: Int64?

        var pairs: [(String, String)] {
            [("search", search), ("state", state?.rawValue), ("tool", tool), ("workspace", workspace)].compactMap { pair in pair.1.map { (pair.0, $0) } }
        }
    }

    func items(csrf: String, query: ItemQuery, now: Date = .now) async throws -> HTTPResponse {
        let limit = 50
        let filter = MappingFilter(workspaceID: query.workspace, state: query.state, devToolKind: query.tool, search: query.search)
        let mappings = try await store.mappings.list(filter, beforeID: query.cursor, limit: limit)
        let rows = HTML.join(mappings.map { mapping in
            """
            <tr><td><a href="/ui/items/\(Layout.percentEncoded(mapping.craftItemID))">\(mapping.craftTitle ?? mapping.craftItemID)</a>
            <span class="abs">item \(mapping.craftItemID) · \(Layout.externalLink(mapping.craftItemURL, "open in Craft.io"))</span></td>
            <td>\(mapping.devToolInstance)</td><td>\(Layout.externalLink(mapping.devIssueURL, mapping.devIssueKey ?? "—"))</td>
            <td>\(Layout.badge(for: mapping.state.rawValue))</td><td>\(mapping.lastPushedStatus ?? "—")</td><td>\(Layout.time(mapping.updatedAt, now: now))</td></tr>
            """
        })
        let tools = Set(configuration.syncTargets.compactMap { $0.devTool.kind }).sorted()
        let workspaces = configuration.syncTargets.map(\.id)
        let content: HTML = """
            <h1>Items</h1>
            <form class="filters" method="get" action="/ui/mappings" role="search">
            <label>Search<input type="search" name="search" value="\(query.search)" placeholder="title, item id or issue key"></label>
            <label>State\(select("state", [""] + Mapping.State.allCases.map(\.rawValue), selected: query.state?.rawValue))</label>
            <label>Tool\(select("tool", [""] + tools, selected: query.tool))</label>
            <label>Workspace\(select("workspace", [""] + workspaces, selected: query.workspace))</label>
            <button>Filter</button> <a href="/ui/mappings">Clear</a>
            </form>
            \(linkForm(csrf: csrf, itemID: nil, returnTo: "/ui/mappings"))
            \(mappings.isEmpty ? "<p class=\"notice\">No items match.</p>" as HTML : "")
            <table><thead><tr><th>Craft item</th><th>Tool</th><th>Issue</th><th>State</th><th>Progress in Craft.io</th><th>Updated</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            \(pager(path: "/ui/mappings", query: query.pairs, next: mappings.count == limit ? mappings.last?.id : nil))
            """
        return Layout.page("Items", section: .mappings, csrf: csrf, content)
    }

    /// Links an existing issue: the item's id (asked for unless the page is the item's) and the issue as the tool shows it.
    private func linkForm(csrf: String, itemID: String?, returnTo: String) -> HTML {
        let item: HTML = itemID.map { "<input type=\"hidden\" name=\"item\" value=\"\($0)\">" }
            ?? "<label>Craft item id<input name=\"item\" required autocomplete=\"off\"></label>"
        return """
            <details class="card link-form"\(itemID == nil ? "" : " open" as HTML)><summary>Link an existing issue</summary>
            <form class="filters" method="post" action="/ui/links" aria-label="Link an existing issue">
            <input type="hidden" name="csrf" value="\(csrf)"><input type="hidden" name="return" value="\(returnTo)">
            \(item)
            <label>Issue<input name="issue" required autocomplete="off" placeholder="owner/repo#12, ACME-4 or its URL"></label>
            <button>Link</button>
            </form>
            <p class="muted">Both must exist and neither be linked already. The issue gets craft-sync's marker, Craft.io its link and current status.</p>
            </details>
            """
    }

    /// Ends a link; the issue stays and intake does not create the item's issue again.
    private func unlinkForm(_ mapping: Mapping, csrf: String, returnTo: String) -> HTML {
        """
        <form class="unlink" method="post" action="\(returnTo)/unlink" aria-label="Unlink">
        <input type="hidden" name="csrf" value="\(csrf)"><input type="hidden" name="return" value="\(returnTo)">
        <input type="hidden" name="workspace" value="\(mapping.workspaceID)">
        <label><input type="checkbox" name="remove_marker"> remove the marker</label>
        <label><input type="checkbox" name="clear_link_field"> empty the link field</label>
        <button>Unlink</button>
        </form>
        """
    }

    private func select(_ name: String, _ options: [String], selected: String?) -> HTML {
        let choices = HTML.join(options.map { option in
            let label = option.isEmpty ? "any" : option
            return option == (selected ?? "") ? "<option value=\"\(option)\" selected>\(label)</option>" : "<option value=\"\(option)\">\(label)</option>"
        })
        return "<select name=\"\(name)\">\(choices)</select>"
    }

    /// nil when craft-sync knows nothing of the item.
    func item(_ itemID: String, csrf: String, cursor: Int64?, now: Date = .now) async throws -> HTTPResponse? {
        let mappings = try await store.mappings.mappings(craftItemID: itemID)
        guard !mappings.isEmpty else { return nil }
        let limit = 100
        let entries = try await store.timeline.list(TimelineFilter(craftItemID: itemID), beforeID: cursor, limit: limit)
        let deadEvents = Set(try await store.events.list(EventFilter(state: .dead), limit: 500).map(\.id))
        let returnTo = "/ui/items/\(Layout.percentEncoded(itemID))"
        let cards = HTML.join(mappings.map { mapping in
            let retry: HTML = mapping.state == .failed ? Layout.button("Retry", action: "\(returnTo)/retry", csrf: csrf, returnTo: returnTo) : ""
            let linkActions: HTML = switch mapping.state {
            case .linked: unlinkForm(mapping, csrf: csrf, returnTo: returnTo)
            case .unlinked: Layout.button("Relink to \(mapping.devIssueKey ?? "its issue")", action: "\(returnTo)/relink", csrf: csrf, returnTo: returnTo)
            case .pending, .failed, .deleted: ""
            }
            return """
                <section class="card" aria-label="In \(mapping.devToolInstance)">
                <h2>In \(mapping.devToolInstance)</h2>
                <dl class="facts">
                <dt>State</dt><dd>\(Layout.badge(for: mapping.state.rawValue)) \(retry)</dd>
                \(mapping.failureReason.map { "<dt>Why</dt><dd>\($0)</dd>" as HTML } ?? "")
                <dt>Issue</dt><dd>\(Layout.externalLink(mapping.devIssueURL, mapping.devIssueKey ?? "not created yet"))</dd>
                <dt>Craft.io</dt><dd>\(Layout.externalLink(mapping.craftItemURL, "item \(mapping.craftItemID)")) in workspace \(mapping.workspaceID)</dd>
                <dt>Routed</dt><dd>\(mapping.routedBy.map { "by the rule \($0)" } ?? "to the workspace's dev tool")</dd>
                <dt>Progress sent</dt><dd>\(mapping.lastPushedStatus ?? "nothing yet") \(mapping.lastPushedAt.map { Layout.time($0, now: now) } ?? "")</dd>
                <dt>Created</dt><dd>\(Layout.time(mapping.createdAt, now: now))</dd>
                </dl>
                \(linkActions)
                </section>
                """
        })
        let items = HTML.join(entries.map { entry in
            var actions: HTML = ""
            if entry.kind == .dead, let event = entry.eventID, deadEvents.contains(event) {
                actions = Layout.button("Replay", action: "/ui/events/\(event)/replay", csrf: csrf, returnTo: returnTo)
            }
            let event: HTML = entry.eventID.map { " <span class=\"muted\">delivery \($0)</span>" } ?? ""
            return """
                <li><div class="when">\(Layout.time(entry.at, now: now))</div><div><span class="what">\(entry.kind.rawValue.replacing("_", with: " "))</span>\(Layout.badge(for: entry.outcome))\(event) \(actions)
                <div>\(entry.detail)</div><div class="muted">\(entry.devToolInstance)\(entry.devIssueKey.map { " · \($0)" } ?? "")</div></div></li>
                """
        })
        let title = mappings.compactMap(\.craftTitle).first ?? "Item \(itemID)"
        // An item with no live link or claim can be linked to an issue that exists.
        let linkable = !mappings.contains { $0.state == .linked || $0.state == .pending }
        let content: HTML = """
            <p><a href="/ui/mappings">← Items</a></p>
            <h1>\(title)</h1>
            <div class="cards">\(cards)</div>
            \(linkable ? linkForm(csrf: csrf, itemID: itemID, returnTo: returnTo) : "")
            <h2>Timeline <span class="muted">newest first</span></h2>
            \(entries.isEmpty ? "<p class=\"notice\">Nothing recorded yet.</p>" as HTML : "<ol class=\"timeline\">\(items)</ol>")
            \(pager(path: returnTo, query: [], next: entries.count == limit ? entries.last?.id : nil))
            """
        return Layout.page(title, section: .mappings, csrf: csrf, content)
    }

    func problems(csrf: String, now: Date = .now) async throws -> HTTPResponse {
        let dead = try await store.events.list(EventFilter(state: .dead), limit: 200)
        let failed = try await store.mappings.list(MappingFilter(state: .failed), limit: 200)
        let subjects = try await store.timeline.items(ofEvents: dead.map(\.id))
        let deadRows = HTML.join(dead.map { event in
            let items = HTML.join((subjects[event.id] ?? []).map { entry in
                "<a href=\"/ui/items/\(Layout.percentEncoded(entry.craftItemID))\">item \(entry.craftItemID)</a>\(entry.devIssueKey.map { " (\($0))" } ?? "")"
            }, separator: ", ")
            return """
            <tr><td>\(event.id)</td><td>\(items)</td><td>\(event.tool)</td><td>\(event.eventType)</td><td>\(Layout.time(event.receivedAt, now: now))</td><td>\(event.attempts)</td>
            <td>\(event.lastError ?? "")</td><td>\(Layout.button("Replay", action: "/ui/events/\(event.id)/replay", csrf: csrf, returnTo: "/ui/problems"))</td></tr>
            """
        })
        let failedRows = HTML.join(failed.map { mapping in
            let page = "/ui/items/\(Layout.percentEncoded(mapping.craftItemID))"
            return """
                <tr><td><a href="\(page)">\(mapping.craftTitle ?? mapping.craftItemID)</a></td><td>\(mapping.devToolInstance)</td>
                <td>\(mapping.failureReason ?? "")</td><td>\(Layout.time(mapping.updatedAt, now: now))</td>
                <td>\(Layout.button("Retry", action: "\(page)/retry", csrf: csrf, returnTo: "/ui/problems"))</td></tr>
                """
        })
        let replayAll: HTML = dead.isEmpty ? "" : Layout.button("Replay all dead letters", action: "/ui/events/replay-dead", csrf: csrf, returnTo: "/ui/problems")
        let content: HTML = """
            <h1>Dead letters &amp; failures</h1>
            <h2>Dead letters \(dead.isEmpty ? Layout.badge("none", .ok) : Layout.badge("\(dead.count) dead", .bad)) \(replayAll)</h2>
            <p class="muted">Webhook deliveries that could not be applied. Fix the cause, then replay: the delivery is processed again from its stored bytes.</p>
            \(dead.isEmpty ? "" as HTML : "<table><thead><tr><th>Delivery</th><th>About</th><th>Tool</th><th>Event</th><th>Received</th><th>Attempts</th><th>Last error</th><th></th></tr></thead><tbody>\(deadRows)</tbody></table>")
            <h2>Failed items \(failed.isEmpty ? Layout.badge("none", .ok) : Layout.badge("\(failed.count) failed", .bad))</h2>
            <p class="muted">Items whose create failed for good. Retry looks for the issue's marker first and creates it only if there is none.</p>
            \(failed.isEmpty ? "" as HTML : "<table><thead><tr><th>Item</th><th>Tool</th><th>Why</th><th>When</th><th></th></tr></thead><tbody>\(failedRows)</tbody></table>")
            """
        return Layout.page("Dead letters & failures", section: .problems, csrf: csrf, content)
    }
}
