/// The SQL a backend speaks, where the two differ (schema scripts, the schema version, locks).
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// One connection inside a unit of work: what a repository function is given (`in connection:`) to read and write
/// with. SQLite's and PostgreSQL's connections both are one; neither is shared between threads (each belongs to
/// a serial queue of its `Database`).
///
/// SQL is written once, in the subset both backends run (`?` parameters, `ON CONFLICT`, `RETURNING`); values are
/// always bound, never spliced into the text.
public protocol Connection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one or more statements without parameters (schema steps).
    func execute(_ sql: String) throws
    /// Runs one statement with `bindings` for its `?` parameters, in order, ignoring any rows.
    func run(_ sql: String, bindings: [any SQLBindable]) throws
    /// Runs one statement and maps each row.
    func rows<T>(_ sql: String, _ bindings: [any SQLBindable], _ transform: (Row) throws -> T) throws -> [T]
    /// The first row, if any.
    func firstRow<T>(_ sql: String, _ bindings: [any SQLBindable], _ transform: (Row) throws -> T) throws -> T?
    /// Rows the last `run` inserted, updated or deleted.
    var changes: Int { get }
}

extension Connection {
    public func run(_ sql: String, _ bindings: any SQLBindable...) throws {
        try run(sql, bindings: bindings)
    }

    public func rows<T>(_ sql: String, _ transform: (Row) throws -> T) throws -> [T] {
        try rows(sql, [], transform)
    }

    public func firstRow<T>(_ sql: String, _ transform: (Row) throws -> T) throws -> T? {
        try firstRow(sql, [], transform)
    }

    /// Runs `body` so that its failure undoes only its own statements and the unit of work can go on (a timeline entry
    /// that cannot be stored must not lose the event's outcome). SQLite undoes a failed statement alone already; in
    /// PostgreSQL a failed statement fails the whole transaction unless it ran inside a savepoint
    /// (https://www.postgresql.org/docs/current/sql-savepoint.html).
    public func optionally(_ body: () throws -> Void) -> (any Error)? {
        guard dialect == .postgres else { return Result { try body() }.failure }
        do {
            try execute("SAVEPOINT optional")
        } catch {
            return error
        }
        do {
            try body()
            try execute("RELEASE optional")
            return nil
        } catch {
            try? execute("ROLLBACK TO optional; RELEASE optional")
            return error
        }
    }

    public func scalarInt(_ sql: String, _ bindings: [any SQLBindable] = []) throws -> Int? {
        try firstRow(sql, bindings) { $0.optionalInt(0) } ?? nil
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
