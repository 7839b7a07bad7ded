import Foundation
import Support

/// How failed calls are retried: full-jitter exponential backoff (a random wait between zero and
/// `min(cap, base * 2^attempt)`, as in AWS's "Exponential Backoff And Jitter"), and server-given waits
/// (`Retry-After`) honoured up to `maxServerWait`.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A longer `Retry-After` than this is not waited for in-line: the call fails and its caller retries later (the event log, the next cycle).
    public var maxServerWait: Duration
    /// Returns a number in 0..<1; injectable so tests know the waits.
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        maxServerWait: Duration = .seconds(300), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxServerWait = maxServerWait
        self.random = random
    }

    /// The wait before retry number `attempt` (1 for the first retry).
    public func backoff(attempt: Int) -> Duration {
        Backoff(base: baseDelay, cap: maxDelay, random: random).delay(attempt: attempt)
    }
}

/// What to do with a response.
public enum RetryDecision: Sendable, Equatable {
    case accept
    /// Retry after the backoff.
    case retry
    /// Retry after exactly this long (the server said so).
    case retryAfter(Duration)
}

/// Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
public enum RetryAfter {
    static let maxSeconds = 86_400

    public static func parse(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        // Range-checked: the server's number is capped at a day (longer waits are not waited for in-line anyway).
        if value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return .seconds(min(Int(value) ?? Int.max, maxSeconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(min(max(0, date.timeIntervalSince(now)), Double(maxSeconds)) * 1000))
    }
}
