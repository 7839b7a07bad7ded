import Foundation

/// Pages through a list sorted by update time, oldest first, by moving its lower bound (keyset) rather than by page
/// number: an issue updated while the list is read moves to its end, which would shift page numbers and skip the
/// issue after it. Each next page starts at the last update time read (an issue read twice keeps its later state);
/// only when a whole page shares one time does it step by page number. Capped, so a misbehaving server cannot page
/// for ever.
enum KeysetPages {
    static let pageSize = 100

    /// `fetch(from, page)` answers the issues of one page and how many entries the page held (pull requests included).
    static func read(
        since: Date, _ fetch: (Date, Int) async throws(DevToolError) -> (issues: [DevIssue], entries: Int)
    ) async throws(DevToolError) -> [DevIssue] {
        var changed: [DevIssue] = []
        var positions: [String: Int] = [:]
        var from = since
        var page = 1
        for _ in 0..<1_000 {
            let (issues, entries) = try await fetch(from, page)
            for issue in issues {
                if let position = positions[issue.id] {
                    changed[position] = issue
                } else {
                    positions[issue.id] = changed.count
                    changed.append(issue)
                }
            }
            guard entries == pageSize else { break }
            // Whole seconds: the tools compare `since` at that resolution.
            if let last = issues.last?.updatedAt.map({ Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }), last > from {
                from = last
                page = 1
            } else {
                page += 1
            }
        }
        return changed
    }
}
