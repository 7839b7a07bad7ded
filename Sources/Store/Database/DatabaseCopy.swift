/// Moves craft-sync's state from one database to another (an SQLite file to PostgreSQL, when a team goes to
/// replicas): every row of every table the two schemas share, in batches, ids kept, into a target that holds none yet.
public enum DatabaseCopy {
    /// What is copied, in an order that keeps references whole. Replicas' heartbeats are not: they belong to the
    /// processes that wrote them.
    public static let tables = ["mappings", "events", "sync_runs", "cursors", "timeline", "conflicts"]
    static let batch = 500

    public enum Failure: Error, CustomStringConvertible {
        case targetNotEmpty(table: String, rows: Int)

        public var description: String {
            switch self {
            case .targetNotEmpty(let table, let rows):
                "the target database already holds data (\(rows) rows in \(table)); copy into a new, empty database so nothing is doubled"
            }
        }
    }

    /// Copies every table; returns the rows copied per table. The source is only read.
    public static func copy(from source: Store, to target: Store) async throws -> [String: Int] {
        for table in tables {
            let rows = try await target.read { try $0.scalarInt("SELECT count(*) FROM \(table)") } ?? 0
            guard rows == 0 else { throw Failure.targetNotEmpty(table: table, rows: rows) }
        }
        var copied: [String: Int] = [:]
        for table in tables {
            let targetColumns = Set(try await columns(of: table, in: target))
            var after: Int64 = 0
            var count = 0
            while true {
                // SQLite's rowid pages through any table, whatever its key.
                let from = after
                let page: [(rowid: Int64, columns: [String], values: [SQLValue])] = try await source.read { connection in
                    try connection.rows("SELECT rowid AS copy_rowid, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?", [from, batch]) { row in
                        let names = (1..<row.columnCount).map { row.columnName($0) }
                        return (row.int64(0), names, (1..<row.columnCount).map { row.value($0) })
                    }
                }
                guard let last = page.last else { break }
                try await target.write { connection in
                    for row in page {
                        let kept = row.columns.indices.filter { targetColumns.contains(row.columns[$0]) }
                        let names = kept.map { row.columns[$0] }.joined(separator: ", ")
                        let placeholders = kept.map { _ in "?" }.joined(separator: ", ")
                        try connection.run("INSERT INTO \(table) (\(names)) VALUES (\(placeholders))", bindings: kept.map { row.values[$0] })
                    }
                }
                count += page.count
                after = last.rowid
            }
            copied[table] = count
            // New rows must not collide with copied ids: the identity goes on from the highest.
            if target.database.dialect == .postgres, table != "cursors" {
                try await target.write { connection in
                    try connection.run("SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)")
                }
            }
        }
        return copied
    }

    static func columns(of table: String, in store: Store) async throws -> [String] {
        try await store.read { connection in
            switch connection.dialect {
            case .sqlite:
                return try connection.rows("SELECT name FROM pragma_table_info(?)", [table]) { $0.requiredString(0) }
            case .postgres:
                return try connection.rows(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?", [table]
                ) { $0.requiredString(0) }
            }
        }
    }
}
