import Foundation
import Support
import Synchronization

/// The one fake clock of the test suites: sleeps return at once, advance its time and are recorded, so retry timings
/// are asserted without waiting. Starts at a fixed instant (2027-01-15) unless told otherwise.
public final class TestClock: SyncClock {
    private let state: Mutex<(now: Date, sleeps: [Duration])>

    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex((now, []))
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(for duration: Duration) async throws {
        state.withLock { state in
            state.sleeps.append(duration)
            state.now = state.now.addingTimeInterval(duration.timeInterval)
        }
    }

    /// Every wait asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Moves time on without a sleep (a clock jump, or another host's view).
    public func advance(by duration: Duration) {
        state.withLock { $0.now = $0.now.addingTimeInterval(duration.timeInterval) }
    }
}

/// A fresh database path in the temporary directory.
public func temporaryDatabasePath(_ prefix: String = "craft-sync-test") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).sqlite").path
}
