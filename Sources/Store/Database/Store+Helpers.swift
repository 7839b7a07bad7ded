/// Building blocks the repositories share.
extension Store {
    /// Updates the row `id` of `table`; throws `notFound` when there is none.
    func updateRow(_ table: String, _ assignments: String, id: Int64, _ values: [any SQLBindable]) async throws {
        let sql = "UPDATE \(table) SET \(assignments) WHERE id = ?"
        let bound = values + [id]
        try await write { connection in
            try connection.run(sql, bindings: bound)
            guard connection.changes == 1 else { throw StoreError.notFound("\(table) row \(id)") }
        }
    }

    /// Deletes matching rows `batchSize` at a time, one transaction each, so the writer is never held long.
    /// Returns how many were deleted.
    func deleteInBatches(from table: String, where condition: String, _ values: [any SQLBindable], batchSize: Int) async throws -> Int {
        let sql = "DELETE FROM \(table) WHERE id IN (SELECT id FROM \(table) WHERE \(condition) LIMIT ?)"
        let bound = values + [batchSize]
        var total = 0
        while true {
            let deleted = try await write { connection in
                try connection.run(sql, bindings: bound)
                return connection.changes
            }
            total += deleted
            if deleted < batchSize { return total }
        }
    }

    /// Row counts of `table` by its `state` column.
    func countByState<State: RawRepresentable & Hashable & Sendable>(_ table: String) async throws -> [State: Int]
    where State.RawValue == String {
        try await read { connection in
            let pairs = try connection.rows("SELECT state, count(*) FROM \(table) GROUP BY state") { ($0.requiredString(0), $0.int(1)) }
            return Dictionary(uniqueKeysWithValues: pairs.compactMap { pair in State(rawValue: pair.0).map { ($0, pair.1) } })
        }
    }
}

/// A WHERE clause built from optional filters, with its values bound (never spliced), and a keyset page:
/// newest first, continuing below the last id the client saw.
struct PageQuery {
    private var conditions: [String] = []
    private var values: [any SQLBindable] = []

    mutating func filter(_ condition: String, _ bound: (any SQLBindable)?...) {
        guard bound.allSatisfy({ $0 != nil }) else { return }
        conditions.append(condition)
        values += bound.compactMap { $0 }
    }

    func run<T: Sendable>(
        on store: Store, table: String, columns: String, beforeID: Int64?, limit: Int,
        _ decode: @escaping @Sendable (Row) -> T
    ) async throws -> [T] {
        var query = self
        query.filter("id < ?", beforeID)
        let whereClause = query.conditions.isEmpty ? "" : "WHERE " + query.conditions.joined(separator: " AND ")
        let sql = "SELECT \(columns) FROM \(table) \(whereClause) ORDER BY id DESC LIMIT ?"
        let bound = query.values + [limit]
        return try await store.read { try $0.rows(sql, bound, decode) }
    }
}
