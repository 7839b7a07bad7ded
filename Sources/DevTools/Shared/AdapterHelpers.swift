import Foundation

extension Date {
    /// This time as a webhook event order (milliseconds since 1970), the unit `IssueChange.order` and
    /// `DevIssue.order` use; nil for a time no Int64 holds. The time comes from a delivery's text; today's parsers
    /// stop at four-digit years, but `Int64(_:)` of a Double out of range traps, so the conversion checks rather than
    /// trusting every parser to come.
    var eventOrder: Int64? { Int64(exactly: (timeIntervalSince1970 * 1000).rounded(.towardZero)) }
}

/// `values` without repeats, in first-seen order (labels and tags sent to a tool).
func uniqued(_ values: [String]) -> [String] {
    var seen = Set<String>()
    return values.filter { seen.insert($0).inserted }
}
