import Support

/// What developers did besides moving an issue's status, that craft-sync can write to a Craft.io field of its own
/// (`progress.fields`): each adapter says which it reads (`DevToolKind.signals`), from its deliveries and its reads.
public enum DevSignal: String, Sendable, CaseIterable, Codable, Comparable {
    /// Who works on it: logins or display names, comma-separated.
    case assignee
    /// The sprint, iteration or cycle it is planned in.
    case sprint
    /// Its estimate: story points, weight.
    case points
    /// The release it ships in: fix version, milestone.
    case release
    /// When it is due, as `YYYY-MM-DD`.
    case dueDate = "due_date"
    /// The pull requests linked to it (`#12, #15`): added when one opens, removed when one closes unmerged.
    case pullRequests = "pull_requests"

    public static func < (lhs: DevSignal, rhs: DevSignal) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `due_date` → "due date".
    public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// Signal values as a tool reported them: a signal absent from the dictionary was not reported (unknown); an empty
/// value was reported as none (unassigned, no sprint).
public typealias DevSignals = [DevSignal: String]

extension DevSignals {
    /// `2026-05-01T10:00:00Z` or `2026-05-01` as `2026-05-01`; nil for none or anything else (`PlainValue.day`).
    public static func day(_ text: String?) -> String? { text.flatMap(PlainValue.day) }

    /// A number as people write it: `5`, `2.5` (never `5.0`); nil for none (`PlainValue.number`).
    public static func number(_ value: Double?) -> String? { value.flatMap(PlainValue.number) }
}
