import Foundation

/// Times from the network are bounded by our clock. A tool's timestamp orders its events (so a late delivery never
/// undoes a newer one), but a timestamp far ahead of now — forged in a signed body, or from a broken clock — would
/// make every later event, and reconciliation, "older" for good. So a time later than now plus `allowedSkew` is
/// used as now (and the caller records it as suspicious), and a stored order that is beyond it (kept before this
/// rule) counts as unknown, so the next event or reconciliation's read repairs the item.
public struct EventTime: Sendable {
    public var allowedSkew: Duration

    public init(allowedSkew: Duration = .seconds(300)) {
        self.allowedSkew = allowedSkew
    }

    /// The latest order (milliseconds since 1970) believed at `now`.
    public func ceiling(now: Date) -> Int64 {
        Int64(now.timeIntervalSince1970 * 1000) + Int64(allowedSkew.components.seconds * 1000)
    }

    /// `order` (milliseconds since 1970), or now when it is beyond the allowed skew; `clamped` says which.
    public func bounded(_ order: Int64?, now: Date) -> (order: Int64?, clamped: Bool) {
        guard let order else { return (nil, false) }
        return order > ceiling(now: now) ? (Int64(now.timeIntervalSince1970 * 1000), true) : (order, false)
    }

    /// A stored order as it may be compared: nil (unknown) when it is beyond now plus the allowed skew.
    public func stored(_ order: Int64?, now: Date) -> Int64? {
        let (bounded, clamped) = bounded(order, now: now)
        return clamped ? nil : bounded
    }
}
