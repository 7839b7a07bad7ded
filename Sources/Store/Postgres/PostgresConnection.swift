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
    /// No statement reached the server (there was no connection): running the work elsewhere cannot do it twice.
    public var nothingSent = false

    public var description: String { "\(context): \(message)\(sqlState.map { " (SQLSTATE \($0))" } ?? "")" }

    /// The connection or the server went away (not an error in the statement): worth another try on a new connection.
    /// A unique or other integrity constraint refused the write (class 23).
    public var isConstraintViolation: Bool { sqlState?.hasPrefix("23") == true }

    public var isConnectionLost: Bool {
        guard let sqlState else { return true }
        // Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }
}

/// One connection to a PostgreSQL server through libpq (https://www.postgresql.org/docs/current/libpq.html): blocking
/// calls, so it is used on one serial queue (as SQLite's connections are), never on the HTTP event loop or Swift's
/// cooperative threads. Parameters travel separately from the SQL (`PQexecParams`), never spliced into it.
public final class PostgresConnection: Connection {
    private let handle: OpaquePointer
    /// `?` placeholders rewritten as `$1`, `$2`, … once per SQL text.
    private var translated: [String: String] = [:]
    private struct PreparedKey: Hashable {
        var text: String
        var types: [Oid]
    }
    private var preparedNames: [PreparedKey: String] = [:]
    public private(set) var changes = 0
    /// The first error inside the current transaction: PostgreSQL ignores every later statement until it ends, so a
    /// unit of work that caught that error and went on must still fail, with it (`PostgresDatabase.transaction`).
    private(set) var transactionFailure: PostgresError?

    public var dialect: SQLDialect { .postgres }

    /// Connects to `url` (`postgresql://user@host/db`, or `?host=/socket/dir` for a Unix socket), with `password`, when
    /// given, over any in the URL (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PQCONNECTDBPARAMS:
    /// with `expand_dbname` the URL is read as `dbname`, and a later keyword wins).
    public init(url: String, password: String? = nil) throws(PostgresError) {
        // A connect to a host that does not answer gives up after 5 s unless the URL says otherwise (it comes after, so
        // it wins); libpq's default is to wait for ever.
        let keywords = ["connect_timeout", "dbname"] + (password == nil ? [] : ["password"])
        let values = ["5", url] + (password.map { [$0] } ?? [])
        let connect = { () -> OpaquePointer? in
            let keywordCopies = keywords.map { strdup($0) } + [nil]
            let valueCopies = values.map { strdup($0) } + [nil]
            defer { (keywordCopies + valueCopies).forEach { free($0) } }
            let keywordPointers = keywordCopies.map { $0.map { UnsafePointer($0) } }
            let valuePointers = valueCopies.map { $0.map { UnsafePointer($0) } }
            return PQconnectdbParams(keywordPointers, valuePointers, 1)
        }
        guard let handle = connect() else {
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

    /// `host/database` as libpq resolved them (a socket directory for a Unix socket): never the user or password.
    public var location: String {
        let host = PQhost(handle).map { String(cString: $0) } ?? "localhost"
        let database = PQdb(handle).map { String(cString: $0) } ?? ""
        return "PostgreSQL \(host)/\(database)"
    }

    /// Waits up to `timeoutMilliseconds` for notifications on the channels this connection listens to; true when any
    /// arrived (each consumed). Throws when the connection is lost.
    func waitForNotifications(timeoutMilliseconds: Int32) throws -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw lostError("LISTEN") }
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0 && errno != EINTR { throw lostError("LISTEN") }
        guard PQconsumeInput(handle) == 1 else { throw lostError("LISTEN") }
        var any = false
        while let notification = PQnotifies(handle) {
            PQfreemem(notification)
            any = true
        }
        return any
    }

    /// False once the server or the network dropped the connection: the pool opens a new one.
    public var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    public var isInTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }
    /// A statement failed in the current transaction: it can only be rolled back.
    public var isTransactionFailed: Bool { PQtransactionStatus(handle) == PQTRANS_INERROR }

    /// Starts a transaction and forgets the failure of the one before.
    func begin(_ sql: String) throws {
        transactionFailure = nil
        try execute(sql)
    }

    public func execute(_ sql: String) throws {
        guard let result = PQexec(handle, sql) else { throw lostError(sql) }
        try check(result, sql)
        PQclear(result)
        // Back at a savepoint, the transaction is whole again: what failed after it no longer fails the transaction.
        if sql.hasPrefix("ROLLBACK TO") { transactionFailure = nil }
    }

    public func run(_ sql: String, bindings: [any SQLBindable]) throws {
        let result = try exec(sql, bindings)
        PQclear(result)
    }

    public func rows<T>(_ sql: String, _ bindings: [any SQLBindable], _ transform: (Row) throws -> T) throws -> [T] {
        let result = PostgresResult(try exec(sql, bindings))
        return try (0..<result.rowCount).map { try transform(Row(.postgres(result, row: $0))) }
    }

    public func firstRow<T>(_ sql: String, _ bindings: [any SQLBindable], _ transform: (Row) throws -> T) throws -> T? {
        let result = PostgresResult(try exec(sql, bindings))
        return try result.rowCount > 0 ? transform(Row(.postgres(result, row: 0))) : nil
    }

    /// Runs one statement with its parameters: integers as `int8`, reals as `float8`, text as `text`, all in text
    /// form; blobs as `bytea` in binary form; NULL with no type, for the server to infer from where it stands.
    private func exec(_ sql: String, _ bindings: [any SQLBindable]) throws -> OpaquePointer {
        let text = placeholders(sql)
        var types: [Oid] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        defer { buffers.forEach { free($0) } }
        for binding in bindings {
            switch binding.sqlValue {
            case .null: types.append(0); buffers.append(nil); lengths.append(0); formats.append(0)
            case .integer(let value): types.append(20); buffers.append(strdup(String(value))); lengths.append(0); formats.append(0)
            case .real(let value): types.append(701); buffers.append(strdup(Self.float8(value))); lengths.append(0); formats.append(0)
            case .text(let value): types.append(25); buffers.append(strdup(value)); lengths.append(0); formats.append(0)
            case .blob(let bytes):
                // libpq takes a length of 32 bits; a larger value is refused, not trapped on (a delivery's body is bounded
                // far below, but it is a client's size).
                guard let length = Int32(exactly: bytes.count) else {
                    throw PostgresError(sqlState: nil, message: "a value of \(bytes.count) bytes is larger than PostgreSQL takes", context: Self.context(of: sql))
                }
                // malloc'd like strdup's buffers, so the one `free` above releases both; an empty value copies nothing.
                guard let raw = malloc(max(bytes.count, 1)) else { throw PostgresError(sqlState: nil, message: "out of memory", context: Self.context(of: sql)) }
                bytes.withUnsafeBytes { source in if let base = source.baseAddress { raw.copyMemory(from: base, byteCount: bytes.count) } }
                types.append(17); buffers.append(raw.assumingMemoryBound(to: CChar.self)); lengths.append(length); formats.append(1)
            }
        }
        let values: [UnsafePointer<CChar>?] = buffers.map { $0.map { UnsafePointer($0) } }
        let name = try prepared(text, types: types, sql: sql)
        let result = PQexecPrepared(handle, name, Int32(bindings.count), values, lengths, formats, 0)
        guard let result else { throw lostError(sql) }
        try check(result, sql)
        changes = Int(String(cString: PQcmdTuples(result))) ?? 0
        return result
    }

    /// The name of `text` prepared with these parameter types on this connection, preparing it the first time: the
    /// server parses and plans each statement once, not once a call (that was most of its CPU acknowledging a burst of
    /// webhooks, measured). Keyed by the types too: a NULL leaves its type to the server, which may infer another.
    private func prepared(_ text: String, types: [Oid], sql: String) throws -> String {
        let key = PreparedKey(text: text, types: types)
        if let name = preparedNames[key] { return name }
        let name = "s\(preparedNames.count + 1)"
        guard let result = PQprepare(handle, name, text, Int32(types.count), types) else { throw lostError(sql) }
        try check(result, sql)
        PQclear(result)
        preparedNames[key] = name
        return name
    }

    /// Throws (and frees the result) unless it is a success.
    private func check(_ result: OpaquePointer, _ sql: String) throws {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return
        default:
            // The primary message alone: the full one's DETAIL line quotes row values ("Key (id)=(…) already exists").
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let constraint = PQresultErrorField(result, Int32(UInt8(ascii: "n"))).map { " (constraint \(String(cString: $0)))" } ?? ""
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            let message = (primary ?? Self.trimmed(PQresultErrorMessage(result))) + constraint
            PQclear(result)
            let error = PostgresError(sqlState: isOpen ? state : state ?? "08006", message: message, context: Self.context(of: sql))
            if transactionFailure == nil && isInTransaction { transactionFailure = error }
            throw error
        }
    }

    private func lostError(_ sql: String) -> PostgresError {
        PostgresError(sqlState: "08006", message: Self.trimmed(PQerrorMessage(handle)), context: Self.context(of: sql))
    }

    /// The SQL with each `?` outside quotes as `$1`, `$2`, …: repositories write SQL once for both backends.
    private func placeholders(_ sql: String) -> String {
        if let known = translated[sql] { return known }
        var output = ""
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                output.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                output.append(character)
            } else if character == "?" {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        translated[sql] = output
        return output
    }

    /// A Double as PostgreSQL's float8 input reads it back exactly (Swift prints the shortest exact form).
    private static func float8(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }

    /// The statement's first words, for an error: enough to say which, never its parameters.
    private static func context(of sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(4).joined(separator: " ")
        return "running \(words)…"
    }

    static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }
}

/// A result's rows, read in place (text form): `Row` reads a column of one of them.
final class PostgresResult {
    let handle: OpaquePointer
    let rowCount: Int32
    let columnCount: Int32

    init(_ handle: OpaquePointer) {
        self.handle = handle
        rowCount = PQntuples(handle)
        columnCount = PQnfields(handle)
    }

    deinit { PQclear(handle) }

    func column(_ name: String) -> Int32 {
        let index = PQfnumber(handle, name)
        precondition(index >= 0, "the statement selects no column '\(name)'")
        return index
    }

    func isNull(_ row: Int32, _ column: Int32) -> Bool { PQgetisnull(handle, row, column) == 1 }

    func string(_ row: Int32, _ column: Int32) -> String? {
        isNull(row, column) ? nil : String(cString: PQgetvalue(handle, row, column))
    }

    /// Integers, and booleans (`t`/`f`) as 1 and 0, as SQLite gives a comparison's value.
    func int64(_ row: Int32, _ column: Int32) -> Int64 {
        guard !isNull(row, column), let text = PQgetvalue(handle, row, column) else { return 0 }
        switch text.pointee {
        case CChar(UInt8(ascii: "t")): return 1
        case CChar(UInt8(ascii: "f")): return 0
        default: return strtoll(text, nil, 10)
        }
    }

    func double(_ row: Int32, _ column: Int32) -> Double {
        guard !isNull(row, column), let text = PQgetvalue(handle, row, column) else { return 0 }
        return strtod(text, nil)
    }

    /// A `bytea` column in text form is hex: `\x` then two digits a byte
    /// (https://www.postgresql.org/docs/current/datatype-binary.html#DATATYPE-BINARY-BYTEA-HEX-FORMAT).
    func bytes(_ row: Int32, _ column: Int32) -> [UInt8] {
        guard !isNull(row, column), let text = PQgetvalue(handle, row, column) else { return [] }
        let length = Int(PQgetlength(handle, row, column))
        let raw = UnsafeRawBufferPointer(start: text, count: length)
        guard length >= 2, raw[0] == UInt8(ascii: "\\"), raw[1] == UInt8(ascii: "x") else { return Array(raw) }
        func nibble(_ digit: UInt8) -> UInt8 { digit <= UInt8(ascii: "9") ? digit &- 48 : (digit | 0x20) &- 87 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((length - 2) / 2)
        var index = 2
        while index + 1 < length {
            bytes.append(nibble(raw[index]) << 4 | nibble(raw[index + 1]))
            index += 2
        }
        return bytes
    }
}
