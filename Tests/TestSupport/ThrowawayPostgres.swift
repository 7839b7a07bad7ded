import CLibPQ
import Foundation
import Synchronization

/// A PostgreSQL server of its own for a test: Debian's `postgresql` binaries, `initdb` in a temporary directory, one
/// Unix socket there and no TCP port, trust authentication for the test's user, no fsync. `initdb` refuses to run as
/// root, so as root both run as the `postgres` user (the package creates it; `setpriv` changes user and execs, so the
/// server is this process's own child) over a directory it owns.
///
/// The server is run directly, not through `pg_ctl`: a daemon started by `pg_ctl` keeps descriptors of the test
/// process open, and Foundation's `Process` then never sees `pg_ctl` end. `start()` returns once the server says it is
/// ready; `stop()` asks it to shut down fast, waits for it to end, and removes the directory.
public final class ThrowawayPostgres: Sendable {
    public let directory: URL
    let binaries: URL
    let user = "craftsync"
    private let server = Mutex<ChildProcess?>(nil)

    /// Where Debian puts PostgreSQL's programs: the newest of /usr/lib/postgresql/VERSION/bin.
    static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw ThrowawayPostgresError("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
        }
        return root.appendingPathComponent("\(newest)/bin")
    }

    public init() throws {
        binaries = try Self.binaries()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if geteuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path) }
    }

    /// The URL a client connects with.
    public var url: String { url(database: "postgres") }

    public func url(database: String) -> String { "postgresql://\(user)@/\(database)?host=\(directory.path)" }

    /// Creates an empty database (`name` is the caller's own identifier, letters, digits and underscores).
    public func createDatabase(_ name: String) throws {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" })
        try run("CREATE DATABASE \(name)")
    }

    /// Runs one statement of the test's own making as the server's superuser.
    func run(_ sql: String) throws { try runStatement(sql, at: url) }

    /// The server is asked to shut down when this process exits (a test run has no hook after its last test).
    func stopWhenTheProcessExits() {
        guard let pid = server.withLock({ $0?.processIdentifier }) else { return }
        exitingServer.withLock { $0 = (pid, directory.path) }
        atexit {
            guard let (pid, directory) = exitingServer.withLock({ $0 }) else { return }
            kill(pid, SIGINT)
            // A fast shutdown takes well under a second (the server removes postmaster.pid last); give it up to five
            // before the directory goes.
            for _ in 0..<500 where FileManager.default.fileExists(atPath: directory + "/data/postmaster.pid") { usleep(10_000) }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    public func start() async throws {
        let data = directory.appendingPathComponent("data").path
        // Started again after `stopServer()`: the data directory is there already.
        if !FileManager.default.fileExists(atPath: data) {
            let initdb = try process("initdb", ["-D", data, "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
            guard await initdb.waitForExit(within: .seconds(90)), initdb.terminationStatus == 0 else {
                await initdb.stop()
                throw ThrowawayPostgresError("initdb failed: \(initdb.outputTail(lines: 15))")
            }
        }
        let postgres = try process("postgres", [
            "-D", data, "-k", directory.path, "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
        ])
        server.withLock { $0 = postgres }
        guard await postgres.waitForOutput(within: .seconds(60), { $0.contains("database system is ready to accept connections") }) else {
            throw ThrowawayPostgresError("postgres did not start: \(postgres.outputTail(lines: 15))")
        }
    }

    public func stop() async {
        await stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the server and keeps its data: `start()` brings it back (a database outage, in a test).
    public func stopServer() async {
        if let postgres = server.withLock({ $0 }) {
            // SIGINT is PostgreSQL's fast shutdown: sessions are ended, the server exits.
            kill(postgres.processIdentifier, SIGINT)
            if !(await postgres.waitForExit(within: .seconds(30))) { await postgres.stop() }
        }
        server.withLock { $0 = nil }
    }

    /// One of PostgreSQL's programs, as `postgres` when we are root.
    private func process(_ program: String, _ arguments: [String]) throws -> ChildProcess {
        let path = binaries.appendingPathComponent(program).path
        guard geteuid() == 0 else { return try ChildProcess(URL(fileURLWithPath: path), arguments) }
        return try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", path] + arguments)
    }
}

/// The shared server's process and directory, for the exit handler (which can capture nothing).
private let exitingServer = Mutex<(pid: Int32, directory: String)?>(nil)

public struct ThrowawayPostgresError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// One throwaway server for a whole test run, started by the first test that asks, stopped when the test process
/// exits; each test gets a schema of its own on it (`freshDatabase`), or a database when it must cut it off.
public actor SharedPostgres {
    public static let shared = SharedPostgres()
    private var starting: Task<ThrowawayPostgres, any Error>?

    /// Whether Debian's PostgreSQL is installed here; tests that need it are cancelled with this reason when not.
    public static var missingReason: String? {
        (try? ThrowawayPostgres.binaries()) == nil ? "PostgreSQL is not installed here (apt-get install postgresql; .ci/run does)" : nil
    }

    /// The URL of a new, empty database: a schema of its own in the server's one database, made the connection's
    /// search path by the URL (a schema costs nothing; `CREATE DATABASE` copies a template, and a few dozen of them at
    /// once loaded this two-core machine enough to time out other tests' requests).
    public func freshDatabase() async throws -> String {
        let server = try await running()
        let name = uniqueDatabaseName()
        try await offThePool { try server.run("CREATE SCHEMA \(name)") }
        return server.url(database: "postgres") + "&options=-csearch_path%3D\(name)"
    }

    /// A database of its own (not a schema): one a test may cut off and bring back (`refuseConnections`).
    public func freshSeparateDatabase() async throws -> String {
        let server = try await running()
        let name = uniqueDatabaseName()
        try await offThePool { try server.createDatabase(name) }
        return server.url(database: name)
    }

    /// An outage of one database, while the server goes on serving the other tests: with `true`, every session on it is
    /// ended and new ones are refused ("not currently accepting connections"); with `false`, it takes them again.
    public func refuseConnections(_ refuse: Bool, to url: String) async throws {
        let server = try await running()
        guard let name = URLComponents(string: url)?.path.dropFirst(), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ThrowawayPostgresError("not a test database: \(url)")
        }
        try await offThePool {
            try server.run("ALTER DATABASE \(name) ALLOW_CONNECTIONS \(refuse ? "false" : "true")")
            if refuse { try server.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)'") }
        }
    }

    private func running() async throws -> ThrowawayPostgres {
        if let starting { return try await starting.value }
        let task = Task {
            let server = try ThrowawayPostgres()
            try await server.start()
            server.stopWhenTheProcessExits()
            return server
        }
        starting = task
        return try await task.value
    }
}

/// A new database for a test of the engine or the service: an SQLite file, or, when `CRAFT_SYNC_TEST_POSTGRES` names a
/// running server (`postgresql://USER@/postgres?host=/socket/dir`), a new database on it, so the whole suite can be run
/// on PostgreSQL by hand: `CRAFT_SYNC_TEST_POSTGRES=… swift test --filter SyncEngineTests`.
public func temporaryDatabase(_ prefix: String = "craft-sync-test") -> String {
    guard let server = ProcessInfo.processInfo.environment["CRAFT_SYNC_TEST_POSTGRES"], !server.isEmpty else {
        return temporaryDatabasePath(prefix)
    }
    let name = uniqueDatabaseName(prefix.filter { $0.isLetter || $0.isNumber })
    do {
        try runStatement("CREATE DATABASE \(name)", at: server)
    } catch {
        preconditionFailure("CRAFT_SYNC_TEST_POSTGRES: \(error)")
    }
    var components = URLComponents(string: server)!
    components.path = "/\(name)"
    return components.string!
}

/// Runs one statement of a test's own making on a connection of its own to `url` (no parameters: the tests' own
/// identifiers only).
func runStatement(_ sql: String, at url: String) throws {
    guard let connection = PQconnectdb(url) else { throw ThrowawayPostgresError("out of memory") }
    defer { PQfinish(connection) }
    guard PQstatus(connection) == CONNECTION_OK else {
        throw ThrowawayPostgresError("cannot connect: \(String(cString: PQerrorMessage(connection)))")
    }
    let result = PQexec(connection, sql)
    defer { PQclear(result) }
    guard [PGRES_COMMAND_OK, PGRES_TUPLES_OK].contains(PQresultStatus(result)) else {
        throw ThrowawayPostgresError("\(sql) failed: \(String(cString: PQresultErrorMessage(result)))")
    }
}

/// A database or schema name no other test uses: `prefix_` and twelve hex digits.
func uniqueDatabaseName(_ prefix: String = "test") -> String {
    "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
}

/// Runs blocking work (libpq, `CREATE DATABASE`) on a Dispatch thread: on Swift's cooperative pool (two threads on two
/// cores) it would stall every other test's async work, simulators included, until it returned.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
