import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import App
@testable import SimulatorCommands

/// `craft-sync doctor` against the simulators: everything passes as `simulate --write-config` sets it up, and each
/// broken setting fails its own check, naming the fix.
@Suite("craft-sync doctor")
struct DoctorTests {
    func configuration(_ simulators: SimulatorServer, devTool: String, dialect: String = "guide", _ environment: [String: String] = [:]) throws -> Configuration {
        var configuration = try ConfigurationLoader.load(
            file: try temporaryFile(Simulation.configuration(baseURL: simulators.baseURL.absoluteString, credentials: simulators.credentials, devTool: devTool)),
            environment: environment.merging(["CRAFT_SYNC_CRAFT_DIALECT": dialect]) { $1 }
        ).configuration
        configuration.databasePath = temporaryDatabasePath("doctor")
        return configuration
    }

    @Test("every check passes on the simulators, for every simulated tool", arguments: SimulatorServer.simulatedKinds)
    func passes(_ devTool: String) async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        defer { Task { await simulators.shutdown() } }
        Simulation.seedWorkspace(simulators)
        let checks = await Doctor.run(try configuration(simulators, devTool: devTool, dialect: "openapi"))
        #expect(checks.allSatisfy { $0.passed }, "\(Doctor.render(checks))")
        #expect(checks.map(\.name).contains { $0.hasPrefix("\(devTool) ") })
        #expect(Doctor.render(checks).hasSuffix("all \(checks.count) checks passed"))
    }

    @Test("a refused dev tool token, a refused Craft.io key, a missing field and a missing setting each fail their own check")
    func failures() async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        defer { Task { await simulators.shutdown() } }
        func failed(_ environment: [String: String], dialect: String = "openapi") async throws -> [Doctor.Check] {
            await Doctor.run(try configuration(simulators, devTool: "github", dialect: dialect, environment)).filter { !$0.passed }
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
        #expect(Doctor.database(at: temporaryDatabasePath("absent")).passed)
        let path = temporaryDatabasePath("old")
        let connection = try Connection(path: path)
        _ = try Migrator.migrate(connection, migrations: Array(Schema.migrations.prefix(1)))
        let check = Doctor.database(at: path)
        #expect(check.passed && check.fix?.contains("craft-sync migrate") == true, "\(check)")
    }
}
