import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import App
@testable import SimulatorCommands

/// `craft-sync doctor` against the simulators: everything passes as `simulate --write-config` sets it up, and each
/// broken setting fails its own check, naming the fix.
@Suite("craft-sync doctor", .awaitsTeardown)
struct DoctorTests {
    func configuration(_ simulators: SimulatorServer, devTool: String, dialect: String = "guide", _ environment: [String: String] = [:]) throws -> Configuration {
        var configuration = try ConfigurationLoader.load(
            file: try temporaryFile(Simulation.configuration(baseURL: simulators.baseURL.absoluteString, credentials: simulators.credentials, devTool: devTool)),
            environment: environment.merging(["CRAFT_SYNC_CRAFT_DIALECT": dialect]) { $1 }
        ).configuration
        configuration.database = temporaryDatabase("doctor")
        return configuration
    }

    @Test("on the simulators only the webhook fails until --register-webhooks creates it; then every check passes, and a second run adds no webhook",
          arguments: SimulatorServer.simulatedKinds)
    func passes(_ devTool: String) async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        Simulation.seedWorkspace(simulators)
        let configuration = try configuration(simulators, devTool: devTool, dialect: "openapi", ["CRAFT_SYNC_PUBLIC_URL": "https://sync.example.com/"])
        let before = await Doctor.run(configuration).filter { !$0.passed }
        #expect(before.map(\.name) == ["webhook \(devTool) '\(devTool)'"] && before.first?.fix?.contains("--register-webhooks") == true, "\(Doctor.render(before))")

        let checks = await Doctor.run(configuration, registerWebhooks: true)
        #expect(checks.allSatisfy { $0.passed }, "\(Doctor.render(checks))")
        #expect(checks.map(\.name).contains { $0.hasPrefix("\(devTool) ") })
        #expect(checks.contains { $0.name.hasPrefix("webhook registration") && $0.detail.hasPrefix("created") })
        // Whether the tool can keep Craft's hierarchy is said either way.
        let hierarchy = try #require(checks.first { $0.name.hasPrefix("hierarchy \(devTool)") })
        #expect(hierarchy.detail.contains(devTool != "gitlab" ? "is put under" : "cannot put"), "\(hierarchy)")
        #expect(Doctor.render(checks).hasSuffix("all \(checks.count) checks passed"))
        let simulated = try #require(simulators.devTools.first { $0.kind == devTool })
        let hooks = simulated.registeredWebhookURLs
        #expect(Set(hooks) == ["https://sync.example.com/webhooks/\(devTool)"])

        let again = await Doctor.run(configuration, registerWebhooks: true)
        #expect(again.allSatisfy { $0.passed } && again.contains { $0.detail.hasPrefix("updated") })
        #expect(simulated.registeredWebhookURLs == hooks)
        #expect(!Doctor.render(checks + again).contains(simulators.credentials.webhookSecret))
    }

    @Test("without public_url the webhook check names the setting; a webhook whose last delivery failed fails with the fix")
    func webhookFailures() async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        Simulation.seedWorkspace(simulators)
        let unset = await Doctor.run(try configuration(simulators, devTool: "github", dialect: "openapi")).filter { !$0.passed }
        #expect(unset.map(\.name) == ["webhook github 'github'"] && unset.first?.fix?.contains("public_url") == true)

        // Registered at an address that answers 404 (the simulators' own server), then a delivery fails.
        let wrong = try configuration(simulators, devTool: "github", dialect: "openapi", ["CRAFT_SYNC_PUBLIC_URL": simulators.baseURL.absoluteString])
        _ = await Doctor.run(wrong, registerWebhooks: true)
        let created = try await httpExchange(
            simulators.baseURL.absoluteString + "/repos/\(GitHubSimulator.Account.owner)/\(GitHubSimulator.Account.repository)/issues", method: "POST",
            bearer: GitHubSimulator.Account.token, body: Data(#"{"title":"probe"}"#.utf8))
        let number = try #require(created.json["number"] as? Int)
        _ = await simulators.github.setState(number: number, state: "closed", reason: "completed")
        let failed = await Doctor.run(wrong).filter { !$0.passed }
        #expect(failed.map(\.name) == ["webhook github 'github'"], "\(Doctor.render(failed))")
        #expect(failed.first?.detail.contains("last delivery failed (404") == true && failed.first?.fix?.contains("webhook_secret") == true)
    }

    @Test("a refused dev tool token, a refused Craft.io key, a missing field and a missing setting each fail their own check")
    func failures() async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        func failed(_ environment: [String: String], dialect: String = "openapi") async throws -> [Doctor.Check] {
            // The webhook checks have their own test (webhookFailures).
            await Doctor.run(try configuration(simulators, devTool: "github", dialect: dialect, environment)).filter { !$0.passed && !$0.name.hasPrefix("webhook") }
        }
        let token = try await failed(["CRAFT_SYNC_DEV_TOOL_TOKEN": "ghp_wrong_secret"])
        #expect(token.map(\.name) == ["github 'github' (ws-demo)"] && token.first?.fix?.contains("dev_tool.token") == true)
        #expect(!Doctor.render(token).contains("ghp_wrong_secret"))

        let key = try await failed(["CRAFT_SYNC_CRAFT_API_KEY": "ck_wrong_secret"])
        #expect(key.contains { $0.name.hasPrefix("craft.io key") } && !Doctor.render(key).contains("ck_wrong_secret"))

        let field = try await failed(["CRAFT_SYNC_CRAFT_PROGRESS_FIELD": "no_such_field"])
        #expect(field.map(\.name) == ["craft.io key (ws-demo)"] && field.first?.detail.contains("no_such_field") == true)

        var incomplete = try configuration(simulators, devTool: "github")
        incomplete.devTool.values["repository"] = nil
        let missing = await Doctor.run(incomplete).filter { !$0.passed }
        #expect(missing.map(\.name) == ["configuration"] && missing.first?.fix?.contains("dev_tool.repository") == true)
    }

    @Test("a database at an older schema version passes with the fix (serve migrates it); an absent one passes")
    func database() throws {
        #expect(Doctor.database(at: .sqlite(path: temporaryDatabasePath("absent"))).passed)
        let path = temporaryDatabasePath("old")
        let connection = try SQLiteConnection(path: path)
        _ = try Migrator.migrate(connection, migrations: Array(Schema.migrations.prefix(1)))
        let check = Doctor.database(at: .sqlite(path: path))
        #expect(check.passed && check.fix?.contains("craft-sync migrate") == true, "\(check)")
    }

    @Test("a status the mapping has no Craft value for is on the item's timeline as unmapped, counted, and listed by doctor with the fix")
    func unmappedStatuses() async throws {
        let service = try await ServiceFixture.start(devTool: "azure-devops")
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        let simulators = service.simulators
        let processing = service.processWebhooks()
        defer { processing.cancel() }
        Simulation.seedWorkspace(simulators)
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let issue = try #require(simulators.azureDevOps.issues.first)
        #expect(Doctor.unmappedStatuses(at: service.app.configuration.databaseLocation)?.passed == true)

        // A state of the team's own process that no mapping names.
        await simulators.azureDevOps.setState(id: issue.number, state: "Blocked")
        try await waitUntil("the delivery to be recorded as unmapped", within: .seconds(10)) {
            (try? await service.app.store.timeline.list(.init(), limit: 100))?.contains { $0.outcome == "unmapped" } == true
        }
        let check = try #require(Doctor.unmappedStatuses(at: service.app.configuration.databaseLocation))
        #expect(!check.passed && check.detail.contains("azure-devops 'Blocked' (1×)") && check.fix?.contains("progress.status_map") == true, "\(check)")
        let metrics = try await httpExchange("http://127.0.0.1:\(service.port)/metrics").text
        #expect(metrics.contains(#"progress_unmapped_statuses_total{tool="azure-devops"} 1"#))
    }
}
