import Synchronization
import Testing

/// Servers a test started, stopped and awaited before the test counts as finished, so no test's sockets or tasks
/// outlive it into the next (Swift has no `await` in `defer`). A suite opts in with the `.awaitsTeardown` trait; a test
/// registers each shutdown with `Teardown.later { … }` right after starting what it stops.
public final class Teardown: Sendable {
    @TaskLocal static var current: Teardown?
    private let actions = Mutex<[@Sendable () async -> Void]>([])

    /// Runs `action` once the running test has finished (last registered, first run). Outside a suite with
    /// `.awaitsTeardown` there is nobody to await it: that is a mistake in the test, recorded as an issue, and the
    /// action runs unawaited.
    public static func later(_ action: @escaping @Sendable () async -> Void) {
        guard let current else {
            Issue.record("Teardown.later outside a suite marked .awaitsTeardown: the shutdown would not be awaited")
            Task { await action() }
            return
        }
        current.actions.withLock { $0.append(action) }
    }

    fileprivate func run() async {
        for action in actions.withLock({ $0.reversed() }) { await action() }
    }
}

/// Awaits each test's `Teardown.later` actions after it (see `Teardown`).
public struct AwaitsTeardown: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard !test.isSuite else { return try await function() }
        let teardown = Teardown()
        do {
            try await Teardown.$current.withValue(teardown) { try await function() }
        } catch {
            await teardown.run()
            throw error
        }
        await teardown.run()
    }
}

extension Trait where Self == AwaitsTeardown {
    /// Each test's servers are stopped, and awaited, when it ends (`Teardown.later`).
    public static var awaitsTeardown: Self { AwaitsTeardown() }
}
