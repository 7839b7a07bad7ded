import DevTools
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Simulators
import Store
import Testing
@testable import App
@testable import SimulatorCommands
import TestSupport

@Suite("The admin API")
struct AdminAPITests {
    func get(_ port: Int, _ path: String, token: String? = "admin-token") async throws -> (Int, [String: Any], String) {
        let response = try await httpExchange("http://127.0.0.1:\(port)\(path)", bearer: token)
        return (response.status, response.json, response.text)
    }

    @Test("mappings, events, runs and status: paged, filtered, behind the token, and free of secrets")
    func readSide() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token")
        let (app, port, simulators) = (service.app, service.port, service.simulators)
        Simulation.seedWorkspace(simulators)
        _ = await app.scheduler?.runAll(trigger: "test")
        let body = Array(#"{"action":"closed","issue":{"id":1,"number":1,"state":"closed"}}"#.utf8)
        _ = try await app.store.events.append(IncomingEvent(tool: "github", deliveryID: "d1", eventType: "issues.closed", receivedAt: .now, body: body))

        #expect(try await get(port, "/api/v1/mappings", token: nil).0 == 401)
        let (status, page, _) = try await get(port, "/api/v1/mappings?limit=2&state=linked")
        #expect(status == 200)
        #expect((page["items"] as? [Any])?.count == 2)
        let cursor = try #require(page["nextCursor"] as? String)
        let next = try await get(port, "/api/v1/mappings?limit=2&state=linked&cursor=\(cursor)").1
        #expect((next["items"] as? [Any])?.count == 1)
        #expect(next["nextCursor"] == nil)
        #expect(try await get(port, "/api/v1/mappings?state=bogus").0 == 400)
        #expect(try await get(port, "/api/v1/mappings/1001").0 == 200)
        #expect(try await get(port, "/api/v1/mappings/nope").0 == 404)

        // The item's timeline, newest first and paged; unknown items are 404.
        let (timelineStatus, timeline, _) = try await get(port, "/api/v1/mappings/1001/timeline?limit=1")
        #expect(timelineStatus == 200)
        let newest = try #require((timeline["items"] as? [[String: Any]])?.first)
        #expect(newest["craftItemID"] as? String == "1001" && newest["kind"] is String && newest["at"] is String)
        let older = try await get(port, "/api/v1/mappings/1001/timeline?cursor=\(try #require(timeline["nextCursor"] as? String))").1
        #expect(((older["items"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }).map { $0.reversed().first } == "claimed")
        #expect(try await get(port, "/api/v1/mappings/nope/timeline").0 == 404)
        #expect(try await get(port, "/api/v1/timeline?item=1001&since=2000-01-01T00:00:00Z").0 == 200)

        let events = try await get(port, "/api/v1/events?tool=github").1
        let eventID = try #require(((events["items"] as? [[String: Any]])?.first?["id"]) as? Int)
        let detail = try await get(port, "/api/v1/events/\(eventID)?payload=true").1
        #expect(detail["payload"] as? String == String(decoding: body, as: UTF8.self))

        let runs = try await get(port, "/api/v1/runs").1
        let runID = try #require(((runs["items"] as? [[String: Any]])?.first?["id"]) as? Int)
        #expect(try await get(port, "/api/v1/runs/\(runID)").0 == 200)

        let (_, statusBody, statusText) = try await get(port, "/api/v1/status")
        let workspaces = try #require(statusBody["workspaces"] as? [[String: Any]])
        #expect(workspaces.first?["lastSuccessfulPoll"] != nil)
        #expect((statusBody["mappings"] as? [String: Int])?["linked"] == 3)
        for secret in ["admin-token", GitHubSimulator.Account.token, simulators.credentials.craftAPIKey, simulators.credentials.webhookSecret] {
            #expect(!statusText.contains(secret))
        }
        let metrics = try await get(port, "/metrics", token: nil).2
        #expect(metrics.contains(#"intake_items_total{workspace="ws-demo",tool="github",outcome="created"} 3"#))
        #expect(metrics.contains(#"intake_last_success_timestamp_seconds{workspace="ws-demo"}"#))
        #expect(metrics.contains("event_queue_depth 1"))
        // The simulated GitHub reports its rate budget on every answer; the service shows what it last said.
        #expect(metrics.contains(#"dev_tool_rate_remaining{instance="github"}"#) && metrics.contains(#"dev_tool_rate_limit{instance="github"} 5000"#))
        #expect(((statusBody["rateBudgets"] as? [String: Any])?["github"] as? [String: Any])?["limit"] as? Int == 5000)
        await app.server.shutdown()
        await simulators.shutdown()
    }

    @Test("with no admin token configured, every admin path is 404")
    func disabledWithoutToken() async throws {
        var configuration = Configuration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.database = temporaryDatabase("noadmin")
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let app = try Application(configuration: configuration, logger: logger)
        let port = try app.start()
        for path in ["/api/v1/status", "/api/v1/mappings", "/api/v1/events", "/api/v1/runs", "/api/v1/mappings/1/timeline", "/api/v1/timeline"] {
            #expect(try await get(port, path, token: "anything").0 == 404)
        }
        await app.server.shutdown()
    }
}
