import Foundation
import Testing
import TestSupport
@testable import Store

/// The backends every store test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh database of `backend`: a file in the temporary directory, or a new database on the test run's PostgreSQL
/// server. Where PostgreSQL is not installed, a PostgreSQL case is cancelled (reported as skipped) with the reason.
func makeStore(_ backend: Backend = .sqlite) async throws -> Store {
    switch backend {
    case .sqlite:
        return try Store(path: temporaryDatabasePath())
    case .postgres:
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        let url = try await SharedPostgres.shared.freshDatabase()
        return Store(database: try await offThePool { try PostgresDatabase(url: url) })
    }
}

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

extension Store {
    func integrityCheck() async throws -> String {
        try await read { try $0.firstRow("PRAGMA integrity_check") { $0.string(0) } ?? nil } ?? "no answer"
    }
}

extension LeaseHolder {
    /// The holder of the claims a test makes by hand.
    static let test = LeaseHolder(host: "test", pid: 0, run: "test")
}
