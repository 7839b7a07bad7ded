import Foundation
import HTTPServer
import Store

/// Conflicts (`drift.policy: push`): a field edited in Craft.io and in the tool since craft-sync wrote it, with both
/// values and the two ways out.
extension StatusPage {
    func conflicts(csrf: String, now: Date = .now) async throws -> HTTPResponse {
        let open = try await store.conflicts.open()
        let rows = HTML.join(open.map { conflict in
            let page = "/ui/items/\(Layout.percentEncoded(conflict.craftItemID))"
            let action = "/ui/conflicts/\(conflict.id)"
            return """
                <tr><td><a href="\(page)">item \(conflict.craftItemID)</a><span class="abs">\(conflict.devToolInstance) · \(conflict.devIssueKey)</span></td>
                <td>\(conflict.field)</td>
                <td><pre class="value">\(conflict.craftValue)</pre></td>
                <td><pre class="value">\(conflict.devValue)</pre></td>
                <td><pre class="value muted">\(conflict.baseValue)</pre></td>
                <td>\(Layout.time(conflict.detectedAt, now: now))</td>
                <td>\(Layout.button("Keep the dev tool's", action: "\(action)/keep-dev-tool", csrf: csrf, returnTo: "/ui/conflicts"))
                \(Layout.button("Take Craft.io's", action: "\(action)/take-craft", csrf: csrf, returnTo: "/ui/conflicts"))</td></tr>
                """
        })
        let policy = configuration.drift.pushed.isEmpty
            ? "<p class=\"notice\">drift.policy is <code>report</code>: Craft.io edits are reported, never pushed, so no conflict arises.</p>" as HTML
            : "<p class=\"muted\">Pushed fields: \(configuration.drift.pushed.sorted().map(\.rawValue).joined(separator: ", ")).</p>"
        let content: HTML = """
            <h1>Conflicts \(open.isEmpty ? Layout.badge("none", .ok) : Layout.badge("\(open.count) open", .bad))</h1>
            <p class="muted">A field edited in Craft.io and in the dev tool since craft-sync last wrote it. Nothing was overwritten: choose which side wins.
            Keeping the dev tool's leaves the issue as it is; taking Craft.io's writes Craft.io's value to the issue.</p>
            \(policy)
            \(open.isEmpty ? "<p class=\"notice ok\">No open conflicts.</p>" as HTML : """
            <table><thead><tr><th>Item</th><th>Field</th><th>Craft.io now</th><th>Dev tool now</th><th>Last written</th><th>Found</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """)
            """
        return Layout.page("Conflicts", section: .conflicts, csrf: csrf, content)
    }
}
