import CSQLite

/// A prepared statement. It owns its pointer: prepared in `init`, finalized in `deinit`.
/// Values are only ever bound, never spliced into SQL.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    private unowned let connection: SQLiteConnection

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard code == SQLITE_OK, let handle else {
            throw SQLiteError(code: code, connection: connection.handle, sql: sql)
        }
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Result columns by name, read once per statement.
    private lazy var columnIndexes: [String: Int] = {
        var indexes: [String: Int] = [:]
        for column in 0..<Int(sqlite3_column_count(handle)) {
            if let name = sqlite3_column_name(handle, Int32(column)) { indexes[String(cString: name), default: column] = column }
        }
        return indexes
    }()

    /// The position of result column `name`; a name the statement does not select is a programming error.
    func column(_ name: String) -> Int32 {
        guard let index = columnIndexes[name] else { preconditionFailure("\(sql) selects no column '\(name)'") }
        return Int32(index)
    }

    /// Resets the statement and binds `values` to its parameters in order.
    public func bind(_ values: [any SQLBindable]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value.sqlValue {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let integer): code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real): code = sqlite3_bind_double(handle, index, real)
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, csqlite_transient())
            case .blob(let bytes):
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob64(handle, index, $0.baseAddress, sqlite3_uint64($0.count), csqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
    }

    /// Steps once: a row, or nil when the statement is done.
    public func step() throws(SQLiteError) -> Row? {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return Row(.sqlite(self))
        case SQLITE_DONE: return nil
        case let code: throw error(code)
        }
    }

    /// Runs the statement to completion, ignoring rows.
    public func run(_ values: [any SQLBindable] = []) throws(SQLiteError) {
        try bind(values)
        while try step() != nil {}
    }

    /// Runs the statement and maps each row.
    public func rows<T>(_ values: [any SQLBindable] = [], _ transform: (Row) throws -> T) throws -> [T] {
        try bind(values)
        var results: [T] = []
        while let row = try step() { results.append(try transform(row)) }
        return results
    }

    private func error(_ code: Int32) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(connection.handle), connection: connection.handle, sql: sql)
    }
}
