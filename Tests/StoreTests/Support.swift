import Foundation
import TestSupport
@testable import Store

/// A fresh database file in the temporary directory.
func makeStore() throws -> Store {
    try Store(path: temporaryDatabasePath())
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
