/// Exponential backoff with full jitter (a random wait between zero and `min(cap, base * 2^(attempt-1))`, as in
/// AWS's "Exponential Backoff And Jitter"): retries from many clients spread out instead of arriving together.
/// The one backoff of the project: HTTP retries, progress events and intake creates all wait with it.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration
    /// Returns a number in 0..<1; injectable so tests know the waits.
    public var random: @Sendable () -> Double

    public init(base: Duration, cap: Duration, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.base = base
        self.cap = cap
        self.random = random
    }

    /// The ceiling before retry number `attempt` (1 for the first retry), without jitter.
    public func ceiling(attempt: Int) -> Duration {
        min(cap, base * (1 << min(max(attempt - 1, 0), 30)))
    }

    /// The wait before retry number `attempt`: a random share of its ceiling.
    public func delay(attempt: Int) -> Duration {
        ceiling(attempt: attempt) * random()
    }
}
