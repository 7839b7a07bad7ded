import CLibPQ
import CSQLite

/// The current row of a result, whichever backend produced it; valid until the next step. Columns are read by
/// position or by name: a decoder that names what it reads does not break when a column is added to the select list.
public struct Row {
    enum Source {
        case sqlite(Statement)
        case postgres(PostgresResult, row: Int32)
    }

    let source: Source

    init(_ source: Source) { self.source = source }

    public var columnCount: Int {
        switch source {
        case .sqlite(let statement): Int(sqlite3_column_count(statement.handle))
        case .postgres(let result, row: _): Int(result.columnCount)
        }
    }

    public func isNull(_ column: Int) -> Bool {
        switch source {
        case .sqlite(let statement): sqlite3_column_type(statement.handle, Int32(column)) == SQLITE_NULL
        case .postgres(let result, let row): result.isNull(row, Int32(column))
        }
    }

    public func int64(_ column: Int) -> Int64 {
        switch source {
        case .sqlite(let statement): sqlite3_column_int64(statement.handle, Int32(column))
        case .postgres(let result, let row): result.int64(row, Int32(column))
        }
    }

    public func int(_ column: Int) -> Int { Int(int64(column)) }

    public func double(_ column: Int) -> Double {
        switch source {
        case .sqlite(let statement): sqlite3_column_double(statement.handle, Int32(column))
        case .postgres(let result, let row): result.double(row, Int32(column))
        }
    }

    public func string(_ column: Int) -> String? {
        switch source {
        case .sqlite(let statement):
            guard let text = sqlite3_column_text(statement.handle, Int32(column)) else { return nil }
            return String(cString: text)
        case .postgres(let result, let row):
            return result.string(row, Int32(column))
        }
    }

    public func blob(_ column: Int) -> [UInt8]? {
        guard !isNull(column) else { return nil }
        switch source {
        case .sqlite(let statement):
            let count = Int(sqlite3_column_bytes(statement.handle, Int32(column)))
            guard count > 0, let bytes = sqlite3_column_blob(statement.handle, Int32(column)) else { return [] }
            return Array(UnsafeRawBufferPointer(start: bytes, count: count))
        case .postgres(let result, let row):
            return result.bytes(row, Int32(column))
        }
    }

    public func optionalInt(_ column: Int) -> Int? { isNull(column) ? nil : int(column) }

    /// The name the statement gives result column `column`.
    public func columnName(_ column: Int) -> String {
        switch source {
        case .sqlite(let statement): sqlite3_column_name(statement.handle, Int32(column)).map { String(cString: $0) } ?? ""
        case .postgres(let result, row: _): PQfname(result.handle, Int32(column)).map { String(cString: $0) } ?? ""
        }
    }

    /// Column `column` as the value it holds, of its own type (SQLite's storage class; PostgreSQL's text form).
    public func value(_ column: Int) -> SQLValue {
        guard !isNull(column) else { return .null }
        switch source {
        case .sqlite(let statement):
            switch sqlite3_column_type(statement.handle, Int32(column)) {
            case SQLITE_INTEGER: return .integer(int64(column))
            case SQLITE_FLOAT: return .real(double(column))
            case SQLITE_BLOB: return .blob(blob(column) ?? [])
            default: return .text(string(column) ?? "")
            }
        case .postgres:
            return .text(string(column) ?? "")
        }
    }

    func index(_ name: String) -> Int {
        switch source {
        case .sqlite(let statement): Int(statement.column(name))
        case .postgres(let result, row: _): Int(result.column(name))
        }
    }
}

extension Row {
    public func isNull(_ name: String) -> Bool { isNull(index(name)) }
    public func int(_ name: String) -> Int { int(index(name)) }
    public func int64(_ name: String) -> Int64 { int64(index(name)) }
    public func optionalInt64(_ name: String) -> Int64? { isNull(name) ? nil : int64(name) }
    public func string(_ name: String) -> String? { string(index(name)) }
    public func requiredString(_ name: String) -> String { requiredString(index(name)) }
    public func double(_ name: String) -> Double { double(index(name)) }
    public func blob(_ name: String) -> [UInt8]? { blob(index(name)) }
}
