import Foundation
import Simulators
import Store
import Testing
@testable import App
@testable import SimulatorCommands
import TestSupport

/// Conflicts through the admin API: listed with both values, resolved once, refused with the reason otherwise.
@Suite("Conflicts through the admin API")
struct ConflictAPITests {
    @Test("a both-sides title edit is listed; resolving it as craft writes Craft.io's title; again is 409, unknown 404, a bad body 400")
    func resolveByAPI() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token") { $0.drift = .pushAll }
        let simulators = service.simulators
        Simulation.seedWorkspace(simulators)
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let item = try #require(simulators.craft.items.first { $0.title == "Onboarding checklist" })
        let issue = try #require(simulators.github.issues.first { $0.title == item.title })
        simulators.craft.rename(itemID: item.id, title: "\(item.title), revised")
        await simulators.github.editByHand(number: issue.number, title: "\(item.title) (dev's words)")
        _ = await service.app.scheduler?.runAll(trigger: "test")

        func call(_ method: String, _ path: String, _ json: String? = nil) async throws -> TestHTTPResponse {
            try await httpExchange("http://127.0.0.1:\(service.port)\(path)", method: method, bearer: "admin-token", body: json.map { Data($0.utf8) })
        }
        let listed = try await call("GET", "/api/v1/conflicts")
        let open = try #require(try JSONSerialization.jsonObject(with: Data(listed.text.utf8)) as? [[String: Any]])
        #expect(open.count == 1)
        let conflict = try #require(open.first)
        #expect(conflict["field"] as? String == "title" && conflict["craftValue"] as? String == "\(item.title), revised")
        #expect(conflict["devValue"] as? String == "\(item.title) (dev's words)")
        let id = try #require(conflict["id"] as? Int)

        #expect(try await call("POST", "/api/v1/conflicts/\(id)/resolve", #"{"keep": "both"}"#).status == 400)
        let resolved = try await call("POST", "/api/v1/conflicts/\(id)/resolve", #"{"keep": "craft"}"#)
        #expect(resolved.status == 200, "\(resolved.text)")
        #expect(resolved.json["resolution"] as? String == "take_craft" && resolved.json["resolvedBy"] as? String == "the admin API")
        #expect(simulators.github.issues.first { $0.number == issue.number }?.title == "\(item.title), revised")
        #expect(try await call("POST", "/api/v1/conflicts/\(id)/resolve", #"{"keep": "dev_tool"}"#).status == 409)
        #expect(try await call("POST", "/api/v1/conflicts/999/resolve", #"{"keep": "dev_tool"}"#).status == 404)
        #expect(try await call("GET", "/api/v1/conflicts").text == "[]")
        await service.stop()
    }
}
