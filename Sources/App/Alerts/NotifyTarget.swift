import Foundation
import OutboundHTTP
import Support

/// Where alerts go: a Slack-compatible incoming webhook (`{"text": ...}`), or a JSON webhook whose body is signed
/// with HMAC-SHA256 (`X-Craft-Sync-Signature-256: sha256=<hex>`, as GitHub signs its deliveries) so the receiver
/// can tell it is craft-sync's.
struct NotifyTarget: Sendable {
    enum Format: Sendable {
        case slack
        case signedJSON(secret: Secret)
    }

    /// How it is named in logs and timelines (`slack`, `webhook`): never its URL, which is a credential for Slack.
    var name: String
    var url: URL
    var format: Format

    /// The header a signed JSON delivery carries.
    static let signatureHeader = "X-Craft-Sync-Signature-256"
    /// Lines a message lists; the rest are counted.
    static let linesShown = 10

    /// One message saying all of `alerts` (and that `omitted` more were dropped in a storm).
    func request(for alerts: [Alert], omitted: Int, now: Date, statusPage: String?) -> OutboundRequest {
        switch format {
        case .slack:
            let body = (try? JSONEncoder().encode(["text": Self.text(alerts, omitted: omitted, statusPage: statusPage)])) ?? Data()
            return OutboundRequest(
                method: "POST", url: url, headers: ["Content-Type": "application/json"], body: body, operation: "notify \(name)", isIdempotent: true)
        case .signedJSON(let secret):
            let body = Self.json(alerts, omitted: omitted, now: now, statusPage: statusPage)
            return OutboundRequest(
                method: "POST", url: url,
                headers: [
                    "Content-Type": "application/json", "User-Agent": "craft-sync",
                    Self.signatureHeader: "sha256=" + Digest.hmacSHA256Hex(key: secret.revealed, message: Array(body)),
                ],
                body: body, operation: "notify \(name)", isIdempotent: true)
        }
    }

    /// Slack's `mrkdwn` text: a headline, a line per alert (the first `linesShown`), and where to look.
    static func text(_ alerts: [Alert], omitted: Int, statusPage: String?) -> String {
        let firing = alerts.filter { $0.state == .firing }.count
        let resolved = alerts.count - firing
        var headline = "craft-sync: "
        headline += [firing > 0 ? "\(firing + omitted) problem\(firing + omitted == 1 ? "" : "s")" : nil,
                     resolved > 0 ? "\(resolved) back to normal" : nil].compactMap { $0 }.joined(separator: ", ")
        var lines = [headline]
        for alert in alerts.prefix(linesShown) {
            lines.append("• \(alert.state == .firing ? "🔴" : "✅") *\(escape(alert.title))*: \(escape(alert.summary))")
        }
        let more = alerts.count - min(alerts.count, linesShown) + omitted
        if more > 0 { lines.append("…and \(more) more") }
        if let statusPage { lines.append("<\(statusPage)|Open the status page>") }
        return lines.joined(separator: "\n")
    }

    /// Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping).
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    struct Payload: Encodable {
        struct Entry: Encodable {
            var kind: Alert.Kind
            var state: Alert.State
            var subject: String
            var title: String
            var summary: String
            var craftItemID: String?
            var workspaceID: String?
            var devToolInstance: String?
            var devIssueKey: String?
        }

        var source = "craft-sync"
        var sentAt: String
        var alerts: [Entry]
        /// Alerts dropped in a storm beyond what one message holds.
        var omitted: Int
        var statusPage: String?
    }

    static func json(_ alerts: [Alert], omitted: Int, now: Date, statusPage: String?) -> Data {
        let payload = Payload(
            sentAt: now.formatted(.iso8601),
            alerts: alerts.map {
                .init(
                    kind: $0.kind, state: $0.state, subject: $0.subject, title: $0.title, summary: $0.summary, craftItemID: $0.item?.craftItemID,
                    workspaceID: $0.item?.workspaceID, devToolInstance: $0.item?.devToolInstance, devIssueKey: $0.item?.devIssueKey)
            },
            omitted: omitted, statusPage: statusPage)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(payload)) ?? Data()
    }
}
