import Foundation
import Simulators
import Store
import Testing
@testable import App
@testable import SimulatorCommands
import TestSupport

/// Linking an existing issue, unlinking and relinking through the admin API and the command line, end to end in the
/// simulators: the issue's webhooks move the item in Craft.io, and an unlinked item's issue is never made again.
@Suite("Links through the admin API and the command line")
struct LinkAPITests {
    func post(_ service: ServiceFixture, _ path: String, _ json: String? = nil) async throws -> TestHTTPResponse {
        try await httpExchange(
            "http://127.0.0.1:\(service.port)\(path)", method: "POST", bearer: "admin-token", body: json.map { Data($0.utf8) })
    }

    @Test("sync --status lists another status once: the dry run shows what it would create, the run creates it")
    func backfillCommand() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token")
        let simulators = service.simulators
        let item = simulators.craft.seed(.init(workspaceId: simulators.credentials.craftWorkspaceID, title: "Half built", status: "In Development", type: "Feature"))
        let plan = try await SyncOnce.run(service.app.configuration, dryRun: true, statuses: ["In Development"])
        #expect(plan.contains("1 item(s) of workspace") && plan.contains("in 'In Development'") && plan.contains("item \(item.id) \"Half built\""))
        #expect(simulators.github.issues.isEmpty)
        let done = try await SyncOnce.run(service.app.configuration, dryRun: false, statuses: ["In Development"])
        #expect(done.contains("(items in 'In Development'): seen 1, created 1"), "\(done)")
        #expect(simulators.github.issues.map(\.title) == ["Half built"])
        await service.stop()
    }

    @Test("link an issue opened by hand; its close reaches Craft.io by webhook; refused again; unlink; sync creates nothing; relink")
    func linkUnlinkRelink() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token")
        let processing = service.processWebhooks()
        defer { processing.cancel() }
        let simulators = service.simulators
        let item = simulators.craft.seed(.init(
            workspaceId: simulators.credentials.craftWorkspaceID, title: "Bulk export", status: "Ready for Development", type: "Feature"))
        let issue = simulators.github.openIssueByHand(title: "Bulk export (by hand)")
        func progress() -> String? { simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") }

        let linked = try await post(service, "/api/v1/links", #"{"item": "\#(item.id)", "issue": "acme/product#\#(issue.number)"}"#)
        #expect(linked.status == 201, "\(linked.text)")
        #expect((linked.json["mapping"] as? [String: Any])?["state"] as? String == "linked")
        #expect(linked.json["markerAdded"] as? Bool == true)
        #expect(progress() == "To Do")
        // The poll that follows knows the item: nothing is created for it.
        _ = await service.app.scheduler?.runAll(trigger: "test")
        #expect(simulators.github.issues.filter { $0.labels.contains("craft:\(item.id)") }.count == 1)

        let closed = await simulators.github.setState(number: issue.number, state: "closed", reason: "completed", at: .now.addingTimeInterval(2))
        #expect(closed?.status == 202)
        try await waitUntil("the close to reach Craft.io", within: .seconds(10)) { progress() == "Done" }

        let again = try await post(service, "/api/v1/links", ##"{"item": "\##(item.id)", "issue": "#\##(issue.number)"}"##)
        #expect(again.status == 409 && again.text.contains("already linked"))
        #expect(try await post(service, "/api/v1/links", #"{"item": "\#(item.id)"}"#).status == 400)
        let missing = try await post(service, "/api/v1/links", ##"{"item": "nope", "issue": "#\##(issue.number)"}"##)
        #expect(missing.status == 404)

        let unlinked = try await post(service, "/api/v1/mappings/\(item.id)/unlink", #"{"removeMarker": true}"#)
        #expect(unlinked.status == 200 && unlinked.json["state"] as? String == "unlinked", "\(unlinked.text)")
        #expect(simulators.github.issues.first { $0.number == issue.number }?.labels.contains("craft:\(item.id)") == false)
        let count = simulators.github.issues.count
        simulators.craft.setStatus(itemID: item.id, status: "Ready for Development")
        _ = await service.app.scheduler?.runAll(trigger: "test")
        #expect(simulators.github.issues.count == count)
        #expect(try await post(service, "/api/v1/mappings/\(item.id)/unlink").status == 409)
        let overview = try await httpExchange("http://127.0.0.1:\(service.port)/api/v1/status", bearer: "admin-token")
        #expect(overview.text.contains("\"unlinked\""))

        // The command line links the same way: relink restores the link, and link refuses it again.
        let relinked = try await LinkCommands.relink(service.app.configuration, item: item.id, workspace: nil)
        #expect(relinked.contains("linked item \(item.id) to acme/product#\(issue.number)"))
        await #expect(throws: CommandError.self) {
            try await LinkCommands.link(service.app.configuration, item: item.id, issue: "#\(issue.number)", workspace: nil)
        }
        await service.stop()
    }
}
