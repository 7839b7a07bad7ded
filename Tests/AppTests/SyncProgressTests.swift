import Foundation
import Synchronization
import SyncEngine
import Testing
@testable import App

@Suite("craft-sync sync shows its progress")
struct SyncProgressTests {
    static func progress(done: Int, total: Int = 5, seconds: Int64 = 2) -> IntakeProgress {
        IntakeProgress(workspaceID: "ws-demo", done: done, total: total, created: done, failed: 0, elapsed: .seconds(seconds))
    }

    @Test("the line says done/total, counts, rate and time left")
    func line() {
        #expect(SyncProgressReporter.line(Self.progress(done: 1, total: 5)) == "ws-demo: 1/5 (20%), 1 created, 0 failed, 0.5 items/s, about 8 s left")
        #expect(SyncProgressReporter.line(Self.progress(done: 5, total: 5)) == "ws-demo: 5/5 (100%), 5 created, 0 failed, 2.5 items/s")
        #expect(SyncProgressReporter.line(Self.progress(done: 10, total: 5000, seconds: 10)).hasSuffix("about 83 min left"))
    }

    @Test("off a terminal: a line every N items and at the end; on one: the line redrawn in place, ended once")
    func throttling() {
        let written = Mutex<[String]>([])
        let logged = SyncProgressReporter(interactive: false, every: 2) { text in written.withLock { $0.append(text) } }
        for done in 1...5 { logged.report(Self.progress(done: done)) }
        #expect(written.withLock { $0 }.map { $0.prefix(11) } == ["ws-demo: 2/", "ws-demo: 4/", "ws-demo: 5/"])

        written.withLock { $0.removeAll() }
        let terminal = SyncProgressReporter(interactive: true) { text in written.withLock { $0.append(text) } }
        for done in 1...3 { terminal.report(Self.progress(done: done, total: 3)) }
        let lines = written.withLock { $0 }
        #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix("\r") })
        #expect(lines.filter { $0.hasSuffix("\n") }.count == 1 && lines.last?.hasSuffix("\n") == true)
    }
}
