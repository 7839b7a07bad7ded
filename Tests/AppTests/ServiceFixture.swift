import CraftAPI
import DevTools
import Foundation
import Logging
import Simulators
import TestSupport
@testable import App
@testable import SimulatorCommands

/// The service on an ephemeral port, configured by `simulate --write-config` against fresh simulators: what the
/// webhook, admin and Craft.io-form suites start from.
struct ServiceFixture {
    let simulators: SimulatorServer
    let app: Application
    let port: Int
    let logs: LogOutput

    static func start(
        devTool: String = "github", previousSecret: String? = nil, adminToken: String? = nil, craftDialect: CraftDialect = .guide,
        opsToken: String? = nil, opsListen: Bool = false, database: String? = nil, configure: (inout Configuration) -> Void = { _ in }
    ) async throws -> ServiceFixture {
        let simulators = SimulatorServer()
        let simulatorPort = try simulators.start()
        var configuration = try ConfigurationLoader.load(
            file: try temporaryFile(Simulation.configuration(
                baseURL: "http://127.0.0.1:\(simulatorPort)", credentials: simulators.credentials, devTool: devTool)),
            environment: [:]
        ).configuration
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.database = database ?? temporaryDatabase("wh")
        configuration.devTool.previousWebhookSecret = previousSecret.map(Secret.init)
        configuration.admin.token = adminToken.map(Secret.init)
        configuration.ops.token = opsToken.map(Secret.init)
        // Locks long enough that a busy machine cannot outlast one between two requests of a test.
        configuration.admin.signInPolicy.firstLock = .seconds(60)
        if opsListen { configuration.ops.listen = ListenAddress(host: "127.0.0.1", port: 0) }
        configuration.craft.dialect = craftDialect
        configure(&configuration)
        let logs = LogOutput.memory()
        let logger = Logger(label: "test", factory: { LineLogHandler(label: $0, output: logs) })
        let app = try Application(configuration: configuration, logger: logger)
        return ServiceFixture(simulators: simulators, app: app, port: try app.start(), logs: logs)
    }

    func stop() async {
        await app.opsServer?.shutdown()
        await app.server.shutdown()
        await simulators.shutdown()
    }

    /// Points the simulated tools' webhooks at this service and processes what arrives, as `serve` does; cancel the
    /// returned task when done.
    func processWebhooks() -> Task<Void, Never> {
        simulators.webhooks.configure(target: "http://127.0.0.1:\(port)", secret: simulators.credentials.webhookSecret)
        return Task { [app] in await app.progress?.run(pollInterval: .milliseconds(20)) }
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        let response = try await httpExchange("http://127.0.0.1:\(port)\(path)")
        return (response.status, response.text)
    }

    /// Posts a GitHub `issues` delivery, signed with `secret` (unsigned when nil); answers the status and body.
    func postWebhook(tool: String = "github", body: [UInt8], secret: String?, delivery: String = "d-1") async throws -> (Int, String) {
        var headers = ["X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery]
        if let secret { headers["X-Hub-Signature-256"] = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: secret, body: body) }
        let response = try await httpExchange("http://127.0.0.1:\(port)/webhooks/\(tool)", method: "POST", headers: headers, body: Data(body))
        return (response.status, response.text)
    }
}
