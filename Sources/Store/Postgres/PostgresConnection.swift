import CLibPQ
import Foundation

/// What went wrong talking to PostgreSQL: the server's SQLSTATE when it answered (https://www.postgresql.org/docs/current/errcodes-appendix.html),
/// and its message. Never the connection URL (it may hold a password).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// `42P01` (undefined table), `23505` (unique violation), …; nil when no server answered (connection refused).
    public var sqlState: String?
    public var message: String
    /// What was being done: "connecting to PostgreSQL on HOST", or the statement's first words.
    public var context: String

    public var description: String { "\(context): \(message)\(sqlState.map { " (SQLSTATE \($0))" } ?? "")" }
}

/// One connection to a PostgreSQL server through libpq (https://www.postgresql.org/docs/current/libpq.html): blocking
/// calls, so it is used on one serial queue (as SQLite's connections are), never on the HTTP event loop or Swift's
/// cooperative threads. Parameters travel separately from the SQL (`PQexecParams`), as text, never spliced into it.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects to `url` (`postgresql://user@host/db`, or `?host=/socket/dir` for a Unix socket).
    public init(url: String) throws(PostgresError) {
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(sqlState: nil, message: "out of memory", context: "connecting to PostgreSQL")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(handle))
            let host = PQhost(handle).map { String(cString: $0) } ?? "the server"
            PQfinish(handle)
            throw PostgresError(sqlState: nil, message: message, context: "connecting to PostgreSQL on \(host)")
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// The server's version as a number (`150018` for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs `sql` with `$1`, `$2`, … bound to `parameters` (nil is NULL); the rows, each a list of text values.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        let (rows, columns) = (PQntuples(result), PQnfields(result))
        return (0..<rows).map { row in
            (0..<columns).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Runs a statement that returns no rows; how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> Int {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    private func run(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> OpaquePointer {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = values.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result else {
            throw PostgresError(sqlState: nil, message: Self.trimmed(PQerrorMessage(handle)), context: Self.context(of: sql))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return result
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = Self.trimmed(PQresultErrorMessage(result))
            PQclear(result)
            throw PostgresError(sqlState: state, message: message, context: Self.context(of: sql))
        }
    }

    /// The statement's first words, for an error: enough to say which, never its parameters.
    private static func context(of sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(4).joined(separator: " ")
        return "running \(words)…"
    }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }
}
