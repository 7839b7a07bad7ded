import Foundation

/// How many tool reads webhook deliveries may cause, so that a stranger cannot spend our rate budget: a pull
/// request on a public repository is anyone's, and each one could name 50 issues and ask for its linked ones.
/// Reads are capped per delivery and per minute per source (the repository the delivery came from).
struct WebhookReadBudget: Sendable {
    struct Limits: Sendable {
        /// Reads one delivery may cause.
        var perDelivery = 10
        /// Reads the deliveries of one source may cause in a minute.
        var perSourcePerMinute = 60
    }

    let limits: Limits
    private var windows: [String: (start: Date, reads: Int)] = [:]

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Takes one read for `source` if its minute has room.
    mutating func take(for source: String, now: Date) -> Bool {
        var window = windows[source] ?? (now, 0)
        if now.timeIntervalSince(window.start) >= 60 { window = (now, 0) }
        guard window.reads < limits.perSourcePerMinute else { return false }
        window.reads += 1
        if windows.count > 10_000 { windows = windows.filter { now.timeIntervalSince($0.value.start) < 60 } }
        windows[source] = window
        return true
    }
}
