import Foundation
import Synchronization
import Support

/// Lets one line per key through each `interval` and counts the rest, so a client repeating the same mistake (a
/// flood of unsigned webhooks) costs one line a minute with a count, not a line per request.
final class RepeatedLineSummary: Sendable {
    private struct Entry {
        var loggedAt: Date
        var suppressed: Int
    }

    private let interval: TimeInterval
    private let capacity: Int
    private let clock: any SyncClock
    private let entries = Mutex<[String: Entry]>([:])

    init(interval: Duration = .seconds(60), capacity: Int = 4096, clock: any SyncClock = SystemClock()) {
        self.interval = interval.timeInterval
        self.capacity = capacity
        self.clock = clock
    }

    /// Nil when the line for `key` should not be written now; otherwise how many were held back since the last one.
    func admit(_ key: String) -> Int? {
        let now = clock.now()
        return entries.withLock { entries in
            if var entry = entries[key] {
                guard now.timeIntervalSince(entry.loggedAt) >= interval else {
                    entry.suppressed += 1
                    entries[key] = entry
                    return nil
                }
                entries[key] = Entry(loggedAt: now, suppressed: 0)
                return entry.suppressed
            }
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.loggedAt) < interval }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = Entry(loggedAt: now, suppressed: 0)
            return 0
        }
    }
}
