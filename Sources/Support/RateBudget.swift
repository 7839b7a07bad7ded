import Foundation
import Synchronization

/// What a token may still spend with one tool, as the tool's own answers say: `remaining` requests until `resetAt`.
/// Every adapter call goes through a `BudgetRecordingHTTPClient`, so intake, reconciliation and progress read one
/// budget per token, and work that can wait (reconciliation) waits before the tool says no.
///
/// The headers read: GitHub's and Jira's `X-RateLimit-Remaining` / `-Limit` / `-Reset` (epoch seconds or ISO 8601),
/// GitLab's `RateLimit-Remaining` / `-Limit` / `-Reset`, Linear's `X-RateLimit-Requests-Remaining` / `-Limit` /
/// `-Reset` (epoch milliseconds), Azure DevOps' `X-RateLimit-Remaining` / `-Limit` / `-Reset`.
public final class RateBudget: Sendable {
    public struct Snapshot: Sendable, Equatable, Encodable {
        public var remaining: Int
        public var limit: Int?
        public var resetAt: Date?
        /// When the tool last reported its budget.
        public var observedAt: Date

        public init(remaining: Int, limit: Int?, resetAt: Date?, observedAt: Date) {
            self.remaining = remaining
            self.limit = limit
            self.resetAt = resetAt
            self.observedAt = observedAt
        }
    }

    private let state = Mutex<Snapshot?>(nil)

    public init() {}

    /// The last budget the tool reported; nil before it reported any.
    public var snapshot: Snapshot? { state.withLock { $0 } }

    /// Whether at least `share` (0...1) of the limit (or `minimum` requests, whichever is more) is left, or the window
    /// the last report was about has reset since. True when the tool never reported a budget.
    public func hasRoom(share: Double, minimum: Int = 50, now: Date = .now) -> Bool {
        guard let snapshot else { return true }
        if let reset = snapshot.resetAt, reset <= now { return true }
        // A report older than any tool's window (an hour) says nothing now: work that waits on it must not wait for ever.
        if now.timeIntervalSince(snapshot.observedAt) > 3600 { return true }
        // The limit is the tool's number: `Int(Double(Int.max))` would trap, so the share is taken in whole numbers.
        let limit = snapshot.limit ?? 0
        let share = min(max(share, 0), 1)
        let reserve = limit / 100 * Int((share * 100).rounded(.up)) + limit % 100 * Int((share * 100).rounded(.up)) / 100
        let floor = max(minimum, reserve)
        return snapshot.remaining >= floor
    }

    /// Reads the budget headers of an answer (`header` looks one up by lowercased name), if it has them.
    public func record(header: (String) -> String?, now: Date = .now) {
        let prefixes = ["x-ratelimit-requests-", "x-ratelimit-", "ratelimit-"]
        for prefix in prefixes {
            guard let remaining = header(prefix + "remaining").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else { continue }
            let limit = header(prefix + "limit").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let reset = header(prefix + "reset").flatMap { Self.resetTime($0, now: now) }
            state.withLock { $0 = Snapshot(remaining: max(0, remaining), limit: limit, resetAt: reset, observedAt: now) }
            return
        }
    }

    /// A reset header: epoch seconds (GitHub, GitLab, Azure DevOps), epoch milliseconds (Linear), seconds from now
    /// (IETF RateLimit fields), or an ISO 8601 time (Jira). Out-of-range numbers are dropped, never trapped on.
    static func resetTime(_ text: String, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(trimmed), number.isFinite, number >= 0 {
            if number > 1e12 { return number < 1e14 ? Date(timeIntervalSince1970: number / 1000) : nil }
            if number > 1e9 { return Date(timeIntervalSince1970: number) }
            return number <= 86_400 * 7 ? now.addingTimeInterval(number) : nil
        }
        return try? Date(trimmed, strategy: .iso8601)
    }
}

