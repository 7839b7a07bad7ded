/// How a number and a day are written where a person reads them, and as Craft.io's number and date fields take them:
/// one spelling for the values dev tools report and for the writes that carry them.
public enum PlainValue {
    /// `5`, `2.5` (never `5.0`); nil for a value that is not a finite number. Whole numbers beyond 10^15 keep their
    /// floating-point spelling, so the conversion to an integer cannot trap.
    public static func number(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// `2026-05-01` from a day, or from a time that starts with one (`2026-05-01T10:00:00Z`); nil for anything else.
    public static func day(_ text: String) -> String? {
        let day = text.prefix(10)
        let parts = day.split(separator: "-", omittingEmptySubsequences: false)
        guard day.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && Int($0) != nil })
        else { return nil }
        return String(day)
    }
}
