import Foundation
import Synchronization
import Testing
@testable import DevTools

@Suite("Reading a list sorted by update time while it changes")
struct KeysetPagesTests {
    @Test("an issue updated between two pages moves to the end; no other issue is skipped, and the later state is kept")
    func changesDuringTheRead() async throws {
        let base = Date(timeIntervalSince1970: 1_900_000_000)
        // 250 issues, one a second apart; after the first page is read, issue 0 is updated (it moves to the end).
        let issues = Mutex((0..<250).map { DevIssue(id: "\($0)", key: "#\($0)", url: "", status: .init(name: "open"), updatedAt: base.addingTimeInterval(Double($0))) })
        let reads = Mutex(0)
        let listed = try await KeysetPages.read(since: base) { (from, page) throws(DevToolError) in
            let answer = issues.withLock { list -> [DevIssue] in
                let matching = list.filter { $0.updatedAt! >= from }.sorted { $0.updatedAt! < $1.updatedAt! }
                return Array(matching.dropFirst((page - 1) * 100).prefix(100))
            }
            if reads.withLock({ $0 += 1; return $0 }) == 1 {
                issues.withLock { $0[0].updatedAt = base.addingTimeInterval(1000); $0[0].status = .init(name: "closed") }
            }
            return (answer, answer.count)
        }
        #expect(Set(listed.map(\.id)).count == 250)
        #expect(listed.first { $0.id == "0" }?.status.name == "closed")
    }
}
