import Dispatch

extension Duration {
    /// The duration as Dispatch's interval, saturating instead of overflowing for absurdly long settings.
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return .nanoseconds(overflow || carry ? Int.max : Int(clamping: max(0, total)))
    }
}
