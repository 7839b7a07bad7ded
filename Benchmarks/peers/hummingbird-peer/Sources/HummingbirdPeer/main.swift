import Foundation
import Hummingbird

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

struct Status: ResponseEncodable { var status: String }
struct Accepted: ResponseEncodable { var accepted: Bool; var id: Int }

let port = Int(CommandLine.arguments.dropFirst().first ?? "8091") ?? 8091
let router = Router()
router.get("healthz") { _, _ in Status(status: "ok") }
router.post("ingest") { request, context -> EditedResponse<Accepted> in
    let payload = try await request.decode(as: Payload.self, context: context)
    return EditedResponse(status: .accepted, response: Accepted(accepted: true, id: payload.issue.id))
}
// Hummingbird logs only its start-up by default (no per-request middleware), as the craft-sync bench server.
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
