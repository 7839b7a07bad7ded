import Foundation

extension Row {
    /// Times are stored as REAL seconds since 1970: sortable, compact, and exact to the microsecond.
    public func date(_ column: Int) -> Date { Date(timeIntervalSince1970: double(column)) }
    public func optionalDate(_ column: Int) -> Date? { isNull(column) ? nil : date(column) }
    public func requiredString(_ column: Int) -> String { string(column) ?? "" }
}

extension Date: SQLBindable {
    public var sqlValue: SQLValue { .real(timeIntervalSince1970) }
}

extension Row {
    public func date(_ name: String) -> Date { date(index(name)) }
    public func optionalDate(_ name: String) -> Date? { optionalDate(index(name)) }
}
