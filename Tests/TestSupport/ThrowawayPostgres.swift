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
    public var url: String { "postgresql://\(user)@/postgres?host=\(directory.path)" }

    public func start() async throws {
        let data = directory.appendingPathComponent("data").path
        let initdb = try process("initdb", ["-D", data, "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        guard await initdb.waitForExit(within: .seconds(90)), initdb.terminationStatus == 0 else {
            await initdb.stop()
            throw ThrowawayPostgresError("initdb failed: \(initdb.outputTail(lines: 15))")
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
        if let postgres = server.withLock({ $0 }) {
            // SIGINT is PostgreSQL's fast shutdown: sessions are ended, the server exits.
            kill(postgres.processIdentifier, SIGINT)
            if !(await postgres.waitForExit(within: .seconds(30))) { await postgres.stop() }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// One of PostgreSQL's programs, as `postgres` when we are root.
    private func process(_ program: String, _ arguments: [String]) throws -> ChildProcess {
        let path = binaries.appendingPathComponent(program).path
        guard geteuid() == 0 else { return try ChildProcess(URL(fileURLWithPath: path), arguments) }
        return try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", path] + arguments)
    }
}

public struct ThrowawayPostgresError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
