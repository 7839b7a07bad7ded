import Foundation

/// An adapter that can list the issues of its project changed since a time, in pages: what lets reconciliation cost
/// one call per page of changes instead of one per linked issue. `since` is by the tool's own clock (an earlier
/// answer's `DevIssue.updatedAt`), so a host clock far from the tool's cannot skip a change.
public protocol ChangeListing: Sendable {
    /// Every issue of the configured project updated at or after `since` (issues craft-sync did not create
    /// included: the caller matches them against its mappings), as many pages as it takes.
    func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue]
}
