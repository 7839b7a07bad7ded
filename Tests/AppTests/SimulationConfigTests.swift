import Foundation
import Simulators
import Testing
@testable import App
@testable import SimulatorCommands

@Suite("simulate --write-config and the mapping settings")
struct SimulationConfigTests {
    @Test("the written configuration is complete for serve, for either dev tool", arguments: ["github", "jira", "gitlab"])
    func writtenConfigIsComplete(_ kind: String) throws {
        let text = Simulation.configuration(baseURL: "http://127.0.0.1:9090", credentials: SimulatorServer.Credentials(), devTool: kind)
        let file = try temporaryFile(text)
        let configuration = try ConfigurationLoader.load(file: file, environment: [:]).configuration
        #expect(configuration.missingSettings.isEmpty)
        #expect(configuration.devTool.kind == kind)
        #expect(configuration.craft.baseURL == "http://127.0.0.1:9090")
    }

    @Test("a dev tool kind brings its own required settings")
    func requiredPerKind() throws {
        let github = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_DEV_TOOL_KIND": "github"]).configuration
        #expect(github.missingSettings.contains("dev_tool.owner") && github.missingSettings.contains("dev_tool.repository"))
        let jira = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_DEV_TOOL_KIND": "jira"]).configuration
        #expect(jira.missingSettings.contains("dev_tool.project") && jira.missingSettings.contains("dev_tool.base_url"))
    }

    @Test("mapping tables come as YAML mappings in the file and NAME=VALUE lists in the environment")
    func mappingTables() throws {
        let file = try temporaryFile("""
            mapping:
              title_template: "[{shortId}] {title}"
              types:
                Feature: Story
                Bug: Defect
              type_target: label
              labels: craft, synced
              link_back: false
            """)
        let configuration = try ConfigurationLoader.load(
            file: file, environment: ["CRAFT_SYNC_MAPPING_IMPORTANCE": "High=P1,Low=P3"]
        ).configuration
        #expect(configuration.mapping.titleTemplate == "[{shortId}] {title}")
        #expect(configuration.mapping.types == ["Feature": "Story", "Bug": "Defect"])
        #expect(configuration.mapping.typeTarget == .label)
        #expect(configuration.mapping.labels == ["craft", "synced"])
        #expect(configuration.mapping.linkBack == false)
        #expect(configuration.mapping.importance == ["High": "P1", "Low": "P3"])

        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_MAPPING_TYPES": "Feature"])
        }
        #expect(error.message.contains("NAME=VALUE"))
    }
}
