import Foundation
import HTTPServer
import Logging

/// craft-sync's HTTP server doing what the Hummingbird peer does: `GET /healthz` answers a small JSON
/// object; `POST /ingest` decodes a JSON body into a struct and answers 202.
struct Payload: Decodable {
    var action: String
    var issue: Issue
    struct Issue: Decodable {
        var id: Int
        var title: String
        var body: String
        var labels: [String]
    }
}

struct Status: Encodable { var status: String }
struct Accepted: Encodable { var accepted: Bool; var id: Int }

let port = Int(CommandLine.arguments.dropFirst().first ?? "8090") ?? 8090
var router = Router()
router.get("/healthz") { _ in try .json(Status(status: "ok")) }
router.post("/ingest") { request in
    let payload = try JSONDecoder().decode(Payload.self, from: Data(request.body))
    return try .json(Accepted(accepted: true, id: payload.issue.id), status: .accepted)
}
var logger = Logger(label: "bench")
logger.logLevel = .warning
var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
// The same variable `serve` reads, so both backends can be measured side by side.
if let backend = ProcessInfo.processInfo.environment["CRAFT_SYNC_HTTP_IO_BACKEND"].flatMap(IOBackend.init(rawValue:)) {
    configuration.ioBackend = backend
}
let server = HTTPServer(configuration: configuration, responder: router, logger: logger)
try server.start()
while true { try await Task.sleep(for: .seconds(3600)) }
