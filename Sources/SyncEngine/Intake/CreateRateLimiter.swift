import Foundation
import Support

/// At most `perMinute` creates in any 60 seconds and `perHour` in any hour (GitHub's documented content-creation
/// limits are 80 and 500): a caller waits, on the injected clock, for the oldest create of a full window to age out.
/// Creates slow down before the tool says no, so no secondary-limit answer is ever needed to find the pace.
actor CreateRateLimiter {
    private let windows: [(length: TimeInterval, cap: Int)]
    private let clock: any SyncClock
    /// Times of the creates within the longest window, oldest first.
    private var recent: [Date] = []

    init(perMinute: Int?, perHour: Int? = nil, clock: any SyncClock) {
        windows = [(60, perMinute), (3600, perHour)].compactMap { window in window.1.flatMap { $0 > 0 ? (window.0, $0) : nil } }
        self.clock = clock
    }

    func acquire() async throws {
        guard let longest = windows.map(\.length).max() else { return }
        while true {
            let now = clock.now()
            recent.removeAll { now.timeIntervalSince($0) >= longest }
            // The soonest moment every full window has room again; nil when all have room now.
            var wait: TimeInterval?
            for window in windows {
                let inWindow = recent.filter { now.timeIntervalSince($0) < window.length }
                guard inWindow.count >= window.cap else { continue }
                let freed = window.length - now.timeIntervalSince(inWindow[inWindow.count - window.cap])
                wait = max(wait ?? 0, freed)
            }
            guard let wait else {
                recent.append(now)
                return
            }
            try await clock.sleep(for: .milliseconds(Int64((max(wait, 0.001) * 1000).rounded(.up))))
        }
    }
}
