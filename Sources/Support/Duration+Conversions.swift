import Dispatch
import Foundation

/// The conversions of `Duration` the project needs, in one place, saturating instead of overflowing for absurdly long
/// settings.
extension Duration {
    /// The duration in seconds, for `Date` arithmetic and figures.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole nanoseconds, saturating at `Int64.max` (negative durations are 0).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow || carry ? .max : total
    }

    /// Whole milliseconds, rounded up (a wait never ends just before its deadline), saturating.
    public var millisecondsRoundedUp: Int64 {
        let nanoseconds = self.nanoseconds
        return nanoseconds == .max ? .max : (nanoseconds + 999_999) / 1_000_000
    }

    /// The duration as Dispatch's interval.
    public var dispatchInterval: DispatchTimeInterval {
        .nanoseconds(Int(clamping: nanoseconds))
    }
}
