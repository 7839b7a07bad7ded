import Testing

/// A one-shot signal from any thread or task to a test: `wait()` returns once `signal()` has been called.
public final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    public func signal() { continuation.yield(()) }

    public func wait() async {
        for await _ in stream { return }
    }
}

/// Waits for `gate`, or records a failure after `limit`, so that a missing signal fails the test instead of
/// hanging the suite.
public func waitFor(_ gate: Gate, within limit: Duration, _ what: String) async {
    let signalled = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await gate.wait(); return true }
        group.addTask { try? await Task.sleep(for: limit); return false }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    if !signalled { Issue.record("\(what) did not happen within \(limit)") }
}
