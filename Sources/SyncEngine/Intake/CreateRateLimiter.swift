import Foundation
import Support

/// At most `perMinute` creates in any 60 seconds: a caller waits (on the injected clock) for the oldest
/// create in the window to age out.
actor CreateRateLimiter {
    private let perMinute: Int?
    private let clock: any SyncClock
    private var recent: [Date] = []

    init(perMinute: Int?, clock: any SyncClock) {
        self.perMinute = perMinute
        self.clock = clock
    }

    func acquire() async throws {
        guard let perMinute, perMinute > 0 else { return }
        while true {
            let now = clock.now()
            recent.removeAll { now.timeIntervalSince($0) >= 60 }
            if recent.count < perMinute {
                recent.append(now)
                return
            }
            let wait = 60 - now.timeIntervalSince(recent[0])
            try await clock.sleep(for: .milliseconds(Int64(max(wait, 0.001) * 1000)))
        }
    }
}
