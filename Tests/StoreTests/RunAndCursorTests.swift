import Foundation
import Testing
@testable import Store

@Suite("Sync runs and cursors")
struct RunAndCursorTests {
    @Test("a run records its counts; the last successful one is found per workspace", arguments: Backend.allCases)
    func runs(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let ok = try await store.runs.start(workspaceID: "w", trigger: "schedule", now: t0)
        try await store.runs.finish(id: ok, counts: .init(seen: 5, created: 3, skipped: 1, failed: 1), error: nil, now: t0.addingTimeInterval(2))
        let broken = try await store.runs.start(workspaceID: "w", trigger: "manual", now: t0.addingTimeInterval(10))
        try await store.runs.finish(id: broken, counts: .init(), error: "Craft.io unreachable", now: t0.addingTimeInterval(11))
        let dry = try await store.runs.start(workspaceID: "w", trigger: "cli", dryRun: true, now: t0.addingTimeInterval(20))
        try await store.runs.finish(id: dry, counts: .init(seen: 5), error: nil, now: t0.addingTimeInterval(21))

        let last = try #require(try await store.runs.lastSuccessful(workspaceID: "w"))
        #expect(last.id == ok)
        #expect(last.counts == .init(seen: 5, created: 3, skipped: 1, failed: 1))
        #expect(try await store.runs.run(id: broken)?.error == "Craft.io unreachable")
        #expect(try await store.runs.list(workspaceID: "w").map(\.trigger) == ["cli", "manual", "schedule"])
    }

    @Test("a cursor keeps its latest value", arguments: Backend.allCases)
    func cursors(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        #expect(try await store.cursors.value("updated_from:w") == nil)
        try await store.cursors.set("updated_from:w", to: "2026-11-01", now: t0)
        try await store.cursors.set("updated_from:w", to: "2026-11-29", now: t0)
        #expect(try await store.cursors.value("updated_from:w") == "2026-11-29")
    }
}
