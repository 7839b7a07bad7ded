import CraftAPI
import DevTools
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPServer
import Logging
import Simulators
import Testing
@testable import App
@testable import SimulatorCommands
import TestSupport

@Suite("Wiring the clients from configuration")
struct OutsideWorldWiringTests {
    @Test("the configuration simulate writes yields working clients for either dev tool", arguments: ["github", "jira", "gitlab"])
    func clientsFromConfiguration(_ kind: String) async throws {
        let simulators = SimulatorServer()
        let port = try simulators.start()
        Simulation.seedWorkspace(simulators)
        let text = Simulation.configuration(baseURL: "http://127.0.0.1:\(port)", credentials: simulators.credentials, devTool: kind)
        let configuration = try ConfigurationLoader.load(file: try temporaryFile(text), environment: [:]).configuration
        let world = try #require(OutsideWorld(configuration: configuration))
        let tool = try #require(world.targets.first?.devTool)

        let ready = try await world.craft.items(workspaceID: "ws-demo", status: configuration.craft.readyStatus, updatedFrom: nil)
        #expect(ready.count == 3)
        let issue = try await tool.create(NewIssue(title: ready[0].title, description: "d", marker: tool.marker(for: ready[0].id)))
        // The same issue (a create's answer may lack what a read carries, such as Jira's update time).
        let found = try await tool.find(marker: tool.marker(for: ready[0].id))
        #expect(found?.id == issue.id && found?.key == issue.key && found?.url == issue.url)
        await simulators.shutdown()
    }

    /// Earlier: a Craft.io write waited in line up to 300 s for a Retry-After while its event's lease was 60 s.
    @Test("a Craft.io Retry-After longer than a third of the processing lease is not waited in line")
    func craftWaitsWithinTheLease() async throws {
        let simulators = SimulatorServer()
        let port = try simulators.start()
        Simulation.seedWorkspace(simulators)
        let text = Simulation.configuration(baseURL: "http://127.0.0.1:\(port)", credentials: simulators.credentials, devTool: "github")
        let configuration = try ConfigurationLoader.load(file: try temporaryFile(text), environment: [:]).configuration
        let clock = TestClock()
        let world = try #require(OutsideWorld(configuration: configuration, clock: clock))
        let item = try #require(simulators.craft.items.first)
        simulators.faults.set(.init(target: "craft", failNext: 1, status: 429, retryAfter: "120"))
        await #expect(throws: CraftError.self) {
            try await world.craft.setField(workspaceID: "ws-demo", itemID: item.id, field: "dev_status", value: "Done")
        }
        #expect(clock.sleeps.isEmpty, "waited \(clock.sleeps) in line")
        simulators.faults.set(.init(target: "craft", failNext: 1, status: 429, retryAfter: "10"))
        try await world.craft.setField(workspaceID: "ws-demo", itemID: item.id, field: "dev_status", value: "Done")
        #expect(clock.sleeps == [.seconds(10)])
        await simulators.shutdown()
    }

    @Test("several workspaces, each with its own dev tool, come from a workspaces list")
    func workspaces() throws {
        let text = Simulation.workspacesConfiguration(
            baseURL: "http://127.0.0.1:9", credentials: SimulatorServer.Credentials(), workspaces: [("ws-demo", "github"), ("ws-platform", "jira")])
        let configuration = try ConfigurationLoader.load(file: try temporaryFile(text), environment: [:]).configuration
        #expect(configuration.missingSettings.isEmpty)
        let world = try #require(OutsideWorld(configuration: configuration))
        #expect(world.targets.map(\.workspaceID) == ["ws-demo", "ws-platform"])
        #expect(world.targets.map(\.devTool.kind) == ["github", "jira"])
        #expect(Set(world.devTools.keys) == ["github", "jira"])

        let broken = try temporaryFile("workspaces:\n  - id: w\n    dev_tool:\n      kind: jira\n      colour: blue\n")
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: broken, environment: [:]) }
        #expect(error.description.contains(":5: unknown setting 'workspaces[0].dev_tool.colour'"))
        let incomplete = try ConfigurationLoader.load(
            file: try temporaryFile("workspaces:\n  - id: w\n    dev_tool:\n      kind: jira\n"), environment: [:]).configuration
        #expect(incomplete.missingSettings.contains("workspaces[0].dev_tool.project"))
    }

    @Test("an incomplete dev tool yields no clients, and readiness says why")
    func incomplete() throws {
        var configuration = Configuration()
        configuration.craft.apiKey = Secret("k")
        configuration.craft.workspaceID = "w"
        configuration.devTool.kind = "azure-devops"
        configuration.devTool.token = Secret("t")
        #expect(OutsideWorld(configuration: configuration) == nil)
        // Azure DevOps has no default base URL (every organization has its own) and needs a project.
        #expect(configuration.missingSettings.contains { $0.contains("dev_tool.project") }, "\(configuration.missingSettings)")
        #expect(configuration.missingSettings.contains { $0.contains("dev_tool.base_url") }, "\(configuration.missingSettings)")
    }

    @Test("the Craft key, GitHub token and Jira token appear in no log line of a running service")
    func secretsNotLogged() async throws {
        let output = LogOutput.memory()
        var configuration = Configuration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.database = temporaryDatabase("cs")
        configuration.craft.apiKey = Secret("ck_live_abcdef_secret")
        configuration.devTool.kind = "jira"
        configuration.devTool.token = Secret("jira_token_secret_987")
        configuration.admin.token = Secret("admin_token_secret_555")
        var handler = LineLogHandler(label: "test", output: output)
        handler.logLevel = .trace
        let logger = Logger(label: "test", factory: { _ in handler })
        let app = try Application(configuration: configuration, logger: logger)
        let port = try app.start()
        let readiness = try await httpExchange("http://127.0.0.1:\(port)/readyz")
        await app.server.shutdown()
        #expect(readiness.status == 503)
        let logged = output.lines.joined()
        #expect(!logged.isEmpty)
        for secret in ["ck_live_abcdef_secret", "jira_token_secret_987", "admin_token_secret_555"] {
            #expect(!logged.contains(secret))
            #expect(!readiness.text.contains(secret))
        }
    }
}

