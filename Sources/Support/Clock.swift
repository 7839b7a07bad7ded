import Foundation

/// Time as the clients and the engine see it: the wall clock and a way to wait. Tests inject a clock whose
/// waits return at once and are recorded, so retry timings are asserted without sleeping.
public protocol SyncClock: Sendable {
    func now() -> Date
    func sleep(for duration: Duration) async throws
}

public struct SystemClock: SyncClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
