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

    /// Each recorded exchange as the validator reads it: the request, then the answer when it was JSON.
    static func entries(_ recorded: [RecordedExchange]) -> [Exchange] {
        recorded.flatMap { exchange -> [Exchange] in
            var entries = [Exchange(
                form: exchange.tool, kind: "request", method: exchange.method, path: exchange.path, status: 0, body: exchange.body ?? .null,
                query: exchange.query.map { $0[0] })]
            if let response = exchange.response {
                entries.append(Exchange(form: exchange.tool, kind: "response", method: exchange.method, path: exchange.path, status: exchange.status, body: response))
            }
            return entries
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
            let recorder = RecordingHTTPClient(tool: dialect.rawValue)
            let client = CraftClients.make(dialect: dialect, baseURL: simulators.baseURL, apiKey: simulators.credentials.craftAPIKey, http: recorder)
            _ = try await client.listing(workspaceID: "ws-1", status: "Ready for Development", updatedFrom: nil)
            _ = try await client.item(workspaceID: "ws-1", itemID: item.id)
            try await client.setField(workspaceID: "ws-1", itemID: item.id, field: "dev_status", value: "Done")
            _ = try? await client.item(workspaceID: "ws-1", itemID: "no-such-item")
            _ = try? await client.setField(workspaceID: "ws-1", itemID: item.id, field: "no_such_field", value: "x")
            _ = try await client.probeKey(workspaceID: "ws-1")
            let wrong = CraftClients.make(dialect: dialect, baseURL: simulators.baseURL, apiKey: "wrong", http: recorder)
            _ = try? await wrong.listing(workspaceID: "ws-1", status: "Ready for Development", updatedFrom: nil)
            exchanges += Self.entries(recorder.exchanges)
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
