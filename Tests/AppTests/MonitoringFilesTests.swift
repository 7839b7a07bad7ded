import Foundation
import Support
import SyncEngine
import Testing
import TestSupport
@testable import App

/// Docker/monitoring/: alert rules and a dashboard are only as good as the metric names in them. An alert on a name
/// craft-sync does not export never fires, and nobody finds out until the day it should have.
@Suite("Monitoring files", .timeLimit(.minutes(1)))
struct MonitoringFilesTests {
    /// Every family the service exports, each recorded once so that it appears in the exposition.
    static func exportedNames() throws -> Set<String> {
        let metrics = ServiceMetrics()
        metrics.connectionOpened()
        metrics.bytesReceived(1)
        metrics.bytesSent(1)
        metrics.requestCompleted(method: .get, route: "/healthz", status: .ok, duration: .milliseconds(1))
        metrics.webhookDelivery(tool: "github", outcome: "accepted")
        metrics.adminAuthentication(outcome: "refused")
        var report = IntakeReport(workspaceID: "w")
        report.counts.created = 1
        metrics.intakeFinished(report, devTool: "github")
        metrics.craftWrite(succeeded: true)
        metrics.eventRetried()
        metrics.eventDead()
        metrics.statusUnmapped(tool: "github")
        metrics.setQueue(depth: 1, deadEvents: 1)
        let budget = RateBudget()
        budget.record(header: ["x-ratelimit-remaining": "10", "x-ratelimit-limit": "100", "x-ratelimit-reset": "1800000000"].get)
        metrics.setRateBudgets(["github": budget])
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        var names = Set<String>()
        // Each sample's series name (a histogram's are NAME_bucket, NAME_sum and NAME_count, as PromQL names them).
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            names.insert(String(line.prefix { $0 != "{" && $0 != " " }))
        }
        return names
    }

    /// The metric names in PromQL expressions: identifiers that are not functions, keywords or label names.
    static func metricNames(in expression: String) -> Set<String> {
        let withoutLabels = expression.replacing(/\{[^}]*\}/, with: "").replacing(/\[[^\]]*\]/, with: "").replacing(/\b(by|on|without|ignoring)\s*\([^)]*\)/, with: "")
        let words = withoutLabels.matches(of: /[a-z_][a-z0-9_]*/).map { String($0.output) }
        let promQL: Set<String> = ["rate", "increase", "sum", "time", "and", "or", "unless", "avg", "max", "min", "count", "histogram_quantile"]
        return Set(words.filter { !promQL.contains($0) && $0 != "up" })
    }

    @Test("every metric the alert rules and the dashboard use is one craft-sync exports")
    func namesExist() throws {
        let exported = try Self.exportedNames()
        #expect(exported.contains("craft_writes_total") && exported.contains("intake_last_success_timestamp_seconds"), "\(exported.sorted())")
        let rules = try String(contentsOf: packageRoot().appendingPathComponent("Docker/monitoring/alerts.yaml"), encoding: .utf8)
        var expressions = rules.matches(of: /expr: ([^|\n][^\n]*)/).map { String($0.output.1) }
        // Block expressions (`expr: |`): the indented lines under them.
        for block in rules.matches(of: /expr: \|\n((?:\s{10,}[^\n]*\n)+)/) { expressions.append(String(block.output.1)) }
        let dashboard = try JSONSerialization.jsonObject(
            with: Data(contentsOf: packageRoot().appendingPathComponent("Docker/monitoring/grafana-dashboard.json"))) as? [String: Any]
        let panels = try #require(dashboard?["panels"] as? [[String: Any]])
        expressions += panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 15, "\(expressions)")
        for expression in expressions {
            for name in Self.metricNames(in: expression) {
                #expect(exported.contains(name), "'\(name)' in \(expression) is not a metric craft-sync exports")
            }
        }
    }

    @Test("promtool accepts the alert rules")
    func promtool() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            try Test.cancel("promtool is not installed (apt-get install prometheus; .ci/run does)")
        }
        let check = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/promtool"), ["check", "rules", packageRoot().appendingPathComponent("Docker/monitoring/alerts.yaml").path])
        #expect(await check.waitForEnd(within: .seconds(30)))
        #expect(check.terminationStatus == 0 && check.outputTail().contains("SUCCESS"), "\(check.outputTail())")
    }
}

extension Dictionary where Key == String, Value == String {
    /// A header lookup by lowercased name, as `RateBudget.record` asks.
    fileprivate func get(_ name: String) -> String? { self[name] }
}
