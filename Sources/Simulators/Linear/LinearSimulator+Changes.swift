import Foundation
import Support
import HTTPServer

extension LinearSimulator {
    /// `issues(filter: {team, updatedAt: {gte: $since}}, orderBy: updatedAt, first, after)`: the team's issues
    /// updated since, oldest change first, paged by an opaque cursor (here: the offset).
    func changed(_ variables: [String: Any]) throws -> HTTPResponse {
        guard variables["team"] as? String == Account.teamID else { return Self.errors(.ok, "Entity not found: Team", code: "INPUT_ERROR") }
        let since = (variables["since"] as? String).flatMap(Timestamp.parse) ?? .distantPast
        let matching = issues.filter { $0.updatedAt >= since }.sorted { $0.updatedAt < $1.updatedAt }
        let offset = (variables["after"] as? String).flatMap(Int.init) ?? 0
        let page = Array(matching.dropFirst(offset).prefix(100))
        let more = offset + page.count < matching.count
        return try Self.data([
            "issues": [
                "nodes": page.map(render), "pageInfo": ["hasNextPage": more, "endCursor": more ? String(offset + page.count) as Any : NSNull()],
            ] as [String: Any],
        ])
    }
}
