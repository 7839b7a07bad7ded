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

/// Another clock's time, read through this host's: `base` plus an offset measured against it (a database server's
/// clock, which replicas on several hosts share), so leases and due times mean the same on every host.
public struct OffsetClock: SyncClock {
    let base: any SyncClock
    let offset: @Sendable () -> TimeInterval

    public init(base: any SyncClock, offset: @escaping @Sendable () -> TimeInterval) {
        self.base = base
        self.offset = offset
    }

    public func now() -> Date { base.now().addingTimeInterval(offset()) }
    public func sleep(for duration: Duration) async throws { try await base.sleep(for: duration) }
}
