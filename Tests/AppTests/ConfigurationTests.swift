import Foundation
import SyncEngine
import Testing
import TestSupport
@testable import App

@Suite("Loading the configuration")
struct ConfigurationTests {
    @Test("defaults apply when nothing is set")
    func defaults() throws {
        let configuration = try ConfigurationLoader.load(file: nil, environment: [:]).configuration
        #expect(configuration.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(configuration.database == "./craft-sync.sqlite")
        #expect(configuration.http.limits.body == 26 * 1024 * 1024)
        #expect(configuration.missingSettings == ["craft.api_key", "craft.workspace_id", "dev_tool.kind", "dev_tool.token", "dev_tool.webhook_secret"])
    }

    @Test("a YAML file sets values; environment variables win over it; flags win over both")
    func precedence() throws {
        let file = try temporaryFile("""
            listen: 127.0.0.1:9000
            database: /var/lib/craft-sync/db.sqlite
            http:
              header_timeout: 2s
              max_body_bytes: 1MiB
            craft:
              api_key: from-file
              workspace_id: ws-1
            dev_tool:
              kind: github
              token: ghp_file
              owner: acme
              repository: product
              webhook_secret: whsec
            """)
        let loaded = try ConfigurationLoader.load(
            file: file,
            environment: ["CRAFT_SYNC_LISTEN": "[::1]:9100", "CRAFT_SYNC_CRAFT_API_KEY": "from-env"],
            overrides: [("database", "--database", "/tmp/flag.sqlite")])
        let configuration = loaded.configuration
        #expect(configuration.listen == ListenAddress(host: "::1", port: 9100))
        #expect(configuration.craft.apiKey?.revealed == "from-env")
        #expect(configuration.database == "/tmp/flag.sqlite")
        #expect(configuration.http.headerTimeout == .seconds(2))
        #expect(configuration.http.limits.body == 1 << 20)
        #expect(configuration.devTool.kind == "github")
        #expect(configuration.missingSettings.isEmpty)
    }

    @Test("an unknown key is refused with the file and line")
    func unknownKey() throws {
        let file = try temporaryFile("listen: 127.0.0.1:9000\nhttp:\n  header_timout: 2s\n")
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(error.description.hasPrefix("\(file):3: unknown setting 'http.header_timout'"))
    }

    @Test("a plain-http base URL to another machine is refused at start: the key would cross the network in clear")
    func plainHTTPRefused() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_CRAFT_BASE_URL": "http://api.craft.io"])
        }
        #expect(error.message.contains("use https"))
        let local = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_CRAFT_BASE_URL": "http://127.0.0.1:9000"])
        #expect(local.configuration.craft.baseURL == "http://127.0.0.1:9000")
    }

    @Test("routing rules are read in order from YAML; a rule naming an instance no workspace configures stops the start")
    func routing() throws {
        let yaml = """
            craft:
              api_key: k
            workspaces:
              - id: ws
                dev_tool: { kind: github, token: t, owner: o, repository: r }
              - id: ws-bugs
                dev_tool: { kind: jira, instance: jira, token: t, email: e@x.io, project: BUG, base_url: https://x.atlassian.net }
            routing:
              - when: { type: Bug }
                to: jira
                issue_type: Bug
              - when: { label: mobile, importance: High }
                to: github
              - when: { type: Feature, fields: { Platform: iOS, Team: Apps } }
                to: github
            """
        let loaded = try ConfigurationLoader.load(file: try temporaryFile(yaml), environment: [:]).configuration
        #expect(loaded.routing == [
            RoutingRule(type: "Bug", instance: "jira", issueType: "Bug"), RoutingRule(label: "mobile", importance: "High", instance: "github"),
            RoutingRule(type: "Feature", fields: [.init(field: "Platform", value: "iOS"), .init(field: "Team", value: "Apps")], instance: "github"),
        ])
        #expect(loaded.routing[2].reason == "type = Feature, Platform = iOS, Team = Apps")
        let badField = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: try temporaryFile(yaml.replacingOccurrences(of: "fields: { Platform: iOS, Team: Apps }", with: "fields: iOS")), environment: [:])
        }
        #expect(badField.message.contains("routing[2].when.fields: expected FIELD: VALUE lines"))
        let stray = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: try temporaryFile(yaml.replacingOccurrences(of: "to: jira", with: "to: gitlab")), environment: [:])
        }
        #expect(stray.message.contains("'gitlab', which no workspace configures"))
    }

    @Test("public_url is craft-sync's address without a trailing slash; registering at start without it stops the start")
    func publicURL() throws {
        let loaded = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_PUBLIC_URL": "https://sync.example.com/"])
        #expect(loaded.configuration.publicURL == "https://sync.example.com")
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_PUBLIC_URL": "sync.example.com"]) }
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_WEBHOOKS_REGISTER_AT_START": "true"])
        }
        #expect(error.message.contains("needs public_url"))
    }

    @Test("two workspaces on one dev-tool instance name with different targets stop the start, saying what differs")
    func conflictingInstances() throws {
        let yaml = """
            workspaces:
              - id: a
                dev_tool:
                  kind: github
                  owner: acme
                  repository: product
                  webhook_secret: s3cret-aaa
              - id: b
                dev_tool:
                  kind: github
                  owner: acme
                  repository: platform
                  webhook_secret: s3cret-bbb

            """
        let file = try temporaryFile(yaml)
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(error.message.contains("workspaces[1] and workspaces[0] both use dev-tool instance 'github'"))
        #expect(error.message.contains("webhook_secret") && error.message.contains("repository"))
        #expect(!error.description.contains("s3cret"))

        // The same target under one name, or different targets under two names, is fine.
        let shared = yaml.replacingOccurrences(of: "platform", with: "product").replacingOccurrences(of: "s3cret-bbb", with: "s3cret-aaa")
        #expect(try ConfigurationLoader.load(file: try temporaryFile(shared), environment: [:]).configuration.syncTargets.count == 2)
        let named = yaml.replacingOccurrences(of: "repository: platform", with: "repository: platform\n      instance: platform")
        #expect(try ConfigurationLoader.load(file: try temporaryFile(named), environment: [:]).configuration.syncTargets.count == 2)
    }

    @Test("a bad value says which setting, where, and what was expected")
    func badValue() throws {
        let file = try temporaryFile("craft:\n  base_url: ftp://example.com\n")
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(error.line == 2)
        #expect(error.message.contains("craft.base_url: expected an http(s) URL"))

        let envError = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_HTTP_IDLE_TIMEOUT": "soon"])
        }
        #expect(envError.description.contains("environment variable CRAFT_SYNC_HTTP_IDLE_TIMEOUT"))
    }

    @Test("a tool's own setting is checked by the tool: a webhook tolerance that is not 1-86400 seconds stops the start", arguments: [
        "abc", "nan", "inf", "1e30", "0", "-5",
    ])
    func toolSettingRefused(_ value: String) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_DEV_TOOL_WEBHOOK_TOLERANCE": value])
        }
        #expect(error.description.contains("a number of seconds from 1 to 86400"), "\(error)")
        let accepted = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_DEV_TOOL_WEBHOOK_TOLERANCE": "90"])
        #expect(accepted.configuration.devTool.values["webhook_tolerance"] == "90")
    }

    @Test("broken YAML is refused with its line")
    func brokenYAML() throws {
        let file = try temporaryFile("listen: 127.0.0.1:9000\nhttp:\n  header_timeout: [2s\n")
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(error.message.hasPrefix("not valid YAML"))
        #expect(error.line != nil)
    }

    @Test("a missing file is refused clearly")
    func missingFile() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: "/nonexistent/craft-sync.yaml", environment: [:])
        }
        #expect(error.message.contains("cannot read the file"))
    }

    @Test("an unknown CRAFT_SYNC_ variable is a warning, not an error")
    func unknownVariable() throws {
        let loaded = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_LISTN": "x"])
        #expect(loaded.warnings == ["unknown environment variable CRAFT_SYNC_LISTN is ignored"])
    }

    @Test("secrets never print, and a bad secret value is not echoed")
    func secretsStayHidden() throws {
        let configuration = try ConfigurationLoader.load(
            file: nil, environment: ["CRAFT_SYNC_CRAFT_API_KEY": "sk_live_supersecret"]
        ).configuration
        let printed = "\(configuration) \(String(reflecting: configuration))"
        #expect(!printed.contains("sk_live_supersecret"))
        #expect(printed.contains("<redacted>"))
    }

    @Test("durations, sizes and addresses parse in their documented forms", arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("2m", .seconds(120)), ("1h", .seconds(3600)), ("3", .seconds(3)),
    ])
    func durations(_ text: String, _ expected: Duration) throws {
        #expect(try Setting.parseDuration(text) == expected)
    }

    @Test("listen addresses accept IPv4, names and bracketed IPv6")
    func listenAddresses() {
        #expect(ListenAddress(parsing: "0.0.0.0:8080") == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(ListenAddress(parsing: "[::]:80") == ListenAddress(host: "::", port: 80))
        #expect(ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
        #expect(ListenAddress(parsing: "8080") == nil)
        #expect(ListenAddress(parsing: "host:99999") == nil)
    }

    @Test("every setting has a distinct environment variable documented in the README")
    func readmeDocumentsEverySetting() throws {
        let readme = try String(contentsOf: packageRoot().appendingPathComponent("README.md"), encoding: .utf8)
        for setting in Setting.all {
            #expect(readme.contains(setting.environmentVariable), "\(setting.environmentVariable) is not in README.md")
        }
    }
}

func temporaryFile(_ contents: String, suffix: String = ".yaml") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("craft-sync-\(UUID().uuidString)\(suffix)").path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
