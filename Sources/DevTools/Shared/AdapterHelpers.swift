import Foundation

extension Date {
    /// This time as a webhook event order (milliseconds since 1970), the unit `IssueChange.order` and
    /// `DevIssue.order` use.
    var eventOrder: Int64 { Int64(timeIntervalSince1970 * 1000) }
}

/// `values` without repeats, in first-seen order (labels and tags sent to a tool).
func uniqued(_ values: [String]) -> [String] {
    var seen = Set<String>()
    return values.filter { seen.insert($0).inserted }
}
