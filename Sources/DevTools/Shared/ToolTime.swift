import Foundation

/// The dev tools' timestamps: ISO 8601, with or without fractional seconds (`2023-04-11T10:05:00.000Z`).
enum ToolTime {
    static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}

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
