import Foundation
import HTTPServer
import Support
import Synchronization

/// Where `notify` targets point in the simulators: a Slack-compatible incoming webhook (`POST /_sim/notify/slack`,
/// `{"text": ...}`, answered `ok` as Slack answers) and a signed JSON webhook (`POST /_sim/notify/webhook`, refused
/// with 401 unless `X-Craft-Sync-Signature-256` is the HMAC-SHA256 of the body under `secret`). Faults planned for
/// target `notify` apply to both.
public final class AlertReceiver: Sendable {
    /// The key the JSON webhook checks signatures with (`simulate --write-config` writes it).
    public static let secret = "sim-notify-secret"
    public static let slackPath = "/_sim/notify/slack"
    public static let webhookPath = "/_sim/notify/webhook"

    /// A message as it arrived.
    public struct Message: Sendable, Equatable {
        public enum Target: String, Sendable { case slack, webhook }
        public var target: Target
        /// Slack's text, or the JSON body as text.
        public var text: String
    }

    private let received = Mutex<[Message]>([])
    let context: SimulatorContext

    public var messages: [Message] { received.withLock { $0 } }

    init(context: SimulatorContext) { self.context = context }

    func register(in router: inout Router) {
        router.post(Self.slackPath) { [self] request in
            try await context.serve(tool: "notify", "POST \(Self.slackPath)", refusal: nil) {
                struct Body: Decodable { var text: String }
                guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)) else {
                    return HTTPResponse(status: .badRequest, body: Array("invalid_payload".utf8))
                }
                received.withLock { $0.append(Message(target: .slack, text: body.text)) }
                return HTTPResponse(status: .ok, headers: [.contentType: "text/plain"], body: Array("ok".utf8))
            }
        }
        router.post(Self.webhookPath) { [self] request in
            try await context.serve(tool: "notify", "POST \(Self.webhookPath)", refusal: nil) {
                let expected = "sha256=" + Digest.hmacSHA256Hex(key: Self.secret, message: request.body)
                guard let signature = request.headers["X-Craft-Sync-Signature-256"],
                    ConstantTime.equals(signature, expected)
                else { return HTTPResponse(status: .unauthorized) }
                received.withLock { $0.append(Message(target: .webhook, text: String(decoding: request.body, as: UTF8.self))) }
                return HTTPResponse(status: .noContent)
            }
        }
    }
}
