import Foundation

/// The package's root folder, found from this file's place in it (Tests/TestSupport/).
public func packageRoot(file: StaticString = #filePath) -> URL {
    URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A published payload from Tests/Fixtures (copied byte for byte from the shared folder; see each PROVENANCE.md),
/// by its path there: `fixtureBytes("github/issues_closed_completed.json")`.
public func fixtureBytes(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: packageRoot().appendingPathComponent("Tests/Fixtures/\(path)")))
}
