import Foundation
import Support
import HTTPServer
import OutboundHTTP
import Prometheus
import Synchronization
import SyncEngine

/// The service's Prometheus metrics, exposed on `/metrics`. It observes the HTTP server; later parts of the
/// service register their own metrics on the same registry.
public final class ServiceMetrics: HTTPServerObserver, SyncObserver {
    public let registry = PrometheusCollectorRegistry()
    private let openConnections: Gauge
    private let bytesReceivedTotal: Counter
    private let bytesSentTotal: Counter
    private let logLinesDropped: Counter
    private let reportedLogDrops = Mutex(0)
    /// Request counters and histograms by label set, cached: the registry's lookup takes a lock and builds a key.
    private let requestMetrics = Mutex<[RequestKey: (Counter, DurationHistogram)]>([:])

    private struct RequestKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    /// Latency buckets from 1 ms to 10 s: health checks sit at the bottom, slow Craft.io calls at the top.
    private static let latencyBuckets: [Duration] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        .map { .nanoseconds(Int64($0 * 1e9)) }

    private static var requestsDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered, by method, route and status")
    }
    private static var durationDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "http_request_duration", unitName: "seconds", helpText: "Time from a complete request to its response")
    }

    public init(startTime: Date = .now) {
        openConnections = registry.makeGauge(
            descriptor: .init(metricName: "http_open_connections", unitName: "", helpText: "Client connections currently open"))
        bytesReceivedTotal = registry.makeCounter(
            descriptor: .init(metricName: "http_received_bytes", unitName: "total", helpText: "Bytes read from clients"))
        bytesSentTotal = registry.makeCounter(
            descriptor: .init(metricName: "http_sent_bytes", unitName: "total", helpText: "Bytes written to clients"))
        logLinesDropped = registry.makeCounter(
            descriptor: .init(metricName: "log_dropped_lines", unitName: "total", helpText: "Log lines dropped because the log consumer stalled or failed"))
        registry.makeGauge(
            descriptor: .init(metricName: "process_start_time", unitName: "seconds", helpText: "Start time of the process since the Unix epoch in seconds")
        ).set(startTime.timeIntervalSince1970)
    }

    public func connectionOpened() { openConnections.increment() }
    public func connectionClosed() { openConnections.decrement() }
    public func bytesReceived(_ count: Int) { bytesReceivedTotal.increment(by: Int64(count)) }
    public func bytesSent(_ count: Int) { bytesSentTotal.increment(by: Int64(count)) }

    public func requestCompleted(method: HTTPMethod, route: String, status: HTTPStatus, duration: Duration) {
        let key = RequestKey(method: method.metricLabel, route: route, status: status.code)
        let (counter, histogram) = requestMetrics.withLock { cache in
            if let cached = cache[key] { return cached }
            let labels = [("method", key.method), ("route", key.route), ("status", String(key.status))]
            let created = (
                registry.makeCounter(descriptor: Self.requestsDescriptor, labels: labels),
                registry.makeDurationHistogram(
                    descriptor: Self.durationDescriptor, labels: [("route", key.route)], buckets: Self.latencyBuckets)
            )
            cache[key] = created
            return created
        }
        counter.increment()
        histogram.recordNanoseconds(duration.nanoseconds)
    }

    /// A webhook delivery and what became of it: accepted, duplicate, unauthorized, unavailable, and (once
    /// processed) ignored.
    public func webhookDelivery(tool: String, outcome: String) {
        registry.makeCounter(
            descriptor: .init(metricName: "webhook_deliveries", unitName: "total", helpText: "Webhook deliveries by tool and outcome"),
            labels: [("tool", tool), ("outcome", outcome)]
        ).increment()
    }

    /// An admin token offered with the API's bearer header or the sign-in form and refused, or not even checked
    /// because its client is locked out for now (`refused`, `throttled`).
    public func adminAuthentication(outcome: String) {
        registry.makeCounter(
            descriptor: .init(metricName: "admin_authentication_failures", unitName: "total", helpText: "Admin tokens refused or throttled"),
            labels: [("outcome", outcome)]
        ).increment()
    }

    // MARK: Sync

    public func intakeFinished(_ report: IntakeReport, devTool: String) {
        let labels = [("workspace", report.workspaceID), ("tool", devTool)]
        for (outcome, count) in [
            ("created", report.counts.created), ("skipped", report.counts.skipped), ("failed", report.counts.failed),
            ("unreadable", report.counts.unreadable),
        ] {
            registry.makeCounter(
                descriptor: .init(metricName: "intake_items", unitName: "total", helpText: "Ready items seen by intake, by outcome"),
                labels: labels + [("outcome", outcome)]
            ).increment(by: Int64(count))
        }
        let seconds = report.duration.timeInterval
        registry.makeGauge(
            descriptor: .init(metricName: "intake_poll_duration", unitName: "seconds", helpText: "Duration of the last intake poll"),
            labels: [("workspace", report.workspaceID)]
        ).set(seconds)
        if report.error == nil {
            registry.makeGauge(
                descriptor: .init(metricName: "intake_last_success", unitName: "timestamp_seconds", helpText: "When the last successful poll finished"),
                labels: [("workspace", report.workspaceID)]
            ).set(Date.now.timeIntervalSince1970)
        }
    }

    public func craftWrite(succeeded: Bool) {
        registry.makeCounter(
            descriptor: .init(metricName: "craft_writes", unitName: "total", helpText: "Progress writes to Craft.io, by result"),
            labels: [("result", succeeded ? "ok" : "failed")]
        ).increment()
    }

    public func eventRetried() {
        registry.makeCounter(descriptor: .init(metricName: "event_retries", unitName: "total", helpText: "Webhook events scheduled for another attempt"))
            .increment()
    }

    public func eventDead() {
        registry.makeCounter(descriptor: .init(metricName: "event_dead_letters", unitName: "total", helpText: "Webhook events given up on (dead)"))
            .increment()
    }

    public func statusUnmapped(tool: String) {
        registry.makeCounter(
            descriptor: .init(metricName: "progress_unmapped_statuses_total", unitName: "", helpText: "Dev-tool statuses that have no Craft value in the status mapping"),
            labels: [("tool", tool)]
        ).increment()
    }

    public func eventIgnored(tool: String) {
        webhookDelivery(tool: tool, outcome: "ignored")
    }

    /// Gauges read from the store at scrape time.
    public func setQueue(depth: Int, deadEvents: Int) {
        registry.makeGauge(descriptor: .init(metricName: "event_queue_depth", unitName: "", helpText: "Webhook events waiting to be processed"))
            .set(Double(depth))
        registry.makeGauge(descriptor: .init(metricName: "events_dead", unitName: "", helpText: "Webhook events currently dead"))
            .set(Double(deadEvents))
    }

    /// Each dev-tool token's rate budget as the tool last reported it (read at scrape time).
    public func setRateBudgets(_ budgets: [String: RateBudget]) {
        for (instance, budget) in budgets {
            guard let snapshot = budget.snapshot else { continue }
            registry.makeGauge(
                descriptor: .init(metricName: "dev_tool_rate_remaining", unitName: "", helpText: "Requests the dev-tool token may still make, as the tool last said"),
                labels: [("instance", instance)]
            ).set(Double(snapshot.remaining))
            if let limit = snapshot.limit {
                registry.makeGauge(
                    descriptor: .init(metricName: "dev_tool_rate_limit", unitName: "", helpText: "The dev-tool token's request limit per window"),
                    labels: [("instance", instance)]
                ).set(Double(limit))
            }
            if let reset = snapshot.resetAt {
                registry.makeGauge(
                    descriptor: .init(metricName: "dev_tool_rate_reset", unitName: "timestamp_seconds", helpText: "When the dev-tool token's window resets"),
                    labels: [("instance", instance)]
                ).set(reset.timeIntervalSince1970)
            }
        }
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func exposition() -> [UInt8] {
        let dropped = LogOutput.droppedLines
        let newlyDropped = reportedLogDrops.withLock { reported in
            defer { reported = max(reported, dropped) }
            return dropped - reported
        }
        if newlyDropped > 0 { logLinesDropped.increment(by: Int64(newlyDropped)) }
        return registry.emitToBuffer()
    }
}
