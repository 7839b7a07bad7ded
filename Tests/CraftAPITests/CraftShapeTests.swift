import CraftAPI
import Foundation
import OutboundHTTP
import Simulators
import Synchronization
import TestSupport
import Testing

/// The Craft.io simulator and client were written together; this holds both to Craft.io's published document
/// (Tests/Fixtures/craft-io, validated by Scripts/craft-shapes.py): every answer the simulator gives, in both forms,
/// successes and errors, and every body the client sends.
@Suite("The Craft.io simulator and client agree with the published document", .timeLimit(.minutes(2)), .awaitsTeardown)
struct CraftShapeTests {
    struct Exchange: Encodable, Sendable {
        var form: String
        var kind: String
        var method: String
        var path: String
        var status: Int
        var body: AnyJSON
        /// The query's parameter names, for requests.
        var query: [String] = []
    }

    /// Any JSON, re-encoded as it came.
    indirect enum AnyJSON: Codable, Sendable {
        case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
            else { self = .object(try container.decode([String: AnyJSON].self)) }
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            }
        }
    }

    /// Forwards to a real client and records each request body and each answer.
    final class Recorder: HTTPClient {
        let inner = URLSessionHTTPClient(requestTimeout: 15)
        let form: String
        let exchanges = Mutex<[Exchange]>([])
        init(form: String) { self.form = form }

        func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
            let path = request.url.path
            let query = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?.map(\.name) ?? []
            let body = request.body.flatMap { try? JSONDecoder().decode(AnyJSON.self, from: $0) } ?? .null
            let exchange = Exchange(form: form, kind: "request", method: request.method, path: path, status: 0, body: body, query: query)
            exchanges.withLock { $0.append(exchange) }
            let response = try await inner.send(request)
            if let json = try? JSONDecoder().decode(AnyJSON.self, from: response.body) {
                let exchange = Exchange(form: form, kind: "response", method: request.method, path: path, status: response.status, body: json)
                exchanges.withLock { $0.append(exchange) }
            }
            return response
        }
    }

    @Test("every simulator answer and every client request matches the published schemas")
    func shapes() async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        let item = simulators.craft.seed(.init(workspaceId: "ws-1", title: "Checkout", status: "Ready for Development", description: "Why", type: "Feature"))
        var exchanges: [Exchange] = []
        for dialect in [CraftDialect.guide, .openapi] {
            let recorder = Recorder(form: dialect.rawValue)
            let client = CraftClients.make(dialect: dialect, baseURL: simulators.baseURL, apiKey: simulators.credentials.craftAPIKey, http: recorder)
            _ = try await client.listing(workspaceID: "ws-1", status: "Ready for Development", updatedFrom: nil)
            _ = try await client.item(workspaceID: "ws-1", itemID: item.id)
            try await client.setField(workspaceID: "ws-1", itemID: item.id, field: "dev_status", value: "Done")
            _ = try? await client.item(workspaceID: "ws-1", itemID: "no-such-item")
            _ = try? await client.setField(workspaceID: "ws-1", itemID: item.id, field: "no_such_field", value: "x")
            _ = try await client.probeKey(workspaceID: "ws-1")
            let wrong = CraftClients.make(dialect: dialect, baseURL: simulators.baseURL, apiKey: "wrong", http: recorder)
            _ = try? await wrong.listing(workspaceID: "ws-1", status: "Ready for Development", updatedFrom: nil)
            exchanges += recorder.exchanges.withLock { $0 }
        }
        #expect(exchanges.contains { $0.status == 401 } && exchanges.contains { $0.status == 404 } && exchanges.contains { $0.kind == "request" && $0.method == "PUT" })

        let root = packageRoot()
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("craft-exchanges-\(UUID().uuidString).json")
        try JSONEncoder().encode(exchanges).write(to: record)
        let validator = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", root.appendingPathComponent("Scripts/craft-shapes.py").path,
            root.appendingPathComponent("Tests/Fixtures/craft-io/craft-io-workspace-openapi.yml").path, record.path,
        ])
        let ended = await validator.waitForEnd(within: .seconds(60))
        try #require(ended, "the validator did not finish:\n\(validator.outputTail())")
        #expect(validator.terminationStatus == 0, "\(validator.outputTail(lines: 40))")
    }
}
