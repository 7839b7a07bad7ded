import App
import Foundation
import Support
import Logging
import Simulators

/// `craft-sync simulate`: the Craft.io simulator and every simulated dev tool on one port, seeded with a small workspace,
/// until SIGTERM or SIGINT. Optionally writes a `serve` configuration that points at them.
public enum Simulation {
    /// The dev tools `simulate --dev-tool` can stand in for.
    public static var simulatedKinds: [String] { SimulatorServer.simulatedKinds }

    public static func run(
        listen: ListenAddress, writeConfig: String?, devTool: String, seed: Bool, webhookTarget: String?,
        webhookSecret: String?, logger: Logger
    ) async throws {
        let simulators = SimulatorServer(host: listen.host, port: listen.port, logger: logger)
        let port = try simulators.start()
        // The simulated dev tools sign their webhooks with this secret and send them to the target's /webhooks/<tool>;
        // the configuration written below carries the same one, so `serve --config` accepts them.
        let secret = webhookSecret ?? simulators.credentials.webhookSecret
        simulators.webhooks.configure(target: webhookTarget, secret: secret)
        let host = listen.host == "0.0.0.0" || listen.host == "::" ? "127.0.0.1" : listen.host
        let baseURL = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        if seed { seedWorkspace(simulators) }
        if let writeConfig {
            // It holds the simulators' credentials and the webhook secret: owner-only.
            try PrivateFile.write(
                Array(configuration(baseURL: baseURL, credentials: simulators.credentials, devTool: devTool, webhookSecret: secret, publicURL: webhookTarget).utf8),
                to: writeConfig)
            logger.info("wrote a serve configuration for the simulators", metadata: ["file": "\(writeConfig)"])
        }
        logger.info(
            "simulators ready", metadata: ["url": "\(baseURL)", "control": "\(baseURL)/_sim/state", "workspace": "\(simulators.credentials.craftWorkspaceID)"])
        _ = await TerminationSignal.wait()
        await simulators.shutdown()
    }

    static func seedWorkspace(_ simulators: SimulatorServer) {
        let workspace = simulators.credentials.craftWorkspaceID
        let items: [(String, String, String, String)] = [
            ("Onboarding checklist", "Ready for Development", "Feature", "High"),
            ("Export reports as CSV", "Ready for Development", "Feature", "Medium"),
            ("Crash when saving an empty roadmap", "Ready for Development", "Bug", "Critical"),
            ("Dark mode", "In Refinement", "Feature", "Low"),
        ]
        for (title, status, type, importance) in items {
            simulators.craft.seed(.init(
                workspaceId: workspace, title: title, status: status, description: "<p>\(title): details from product.</p>", type: type,
                importance: importance, labels: ["demo"]))
        }
    }

    /// Several workspaces against the simulators, each synced to its own simulated tool (the demo's setting).
    static func workspacesConfiguration(baseURL: String, credentials: SimulatorServer.Credentials, workspaces: [(id: String, tool: String)]) -> String {
        let entries = workspaces.map { workspace in
            "  - id: \(workspace.id)\n" + devTool(workspace.tool, baseURL: baseURL, credentials: credentials, indent: "    ")
        }
        return """
            craft:
              base_url: \(baseURL)
              api_key: \(credentials.craftAPIKey)
              dialect: guide
            workspaces:

            """ + entries.joined(separator: "\n") + "\n"
    }

    /// A YAML configuration for `craft-sync serve --config FILE` against the simulators.
    static func configuration(
        baseURL: String, credentials: SimulatorServer.Credentials, devTool kind: String, webhookSecret: String? = nil, publicURL: String? = nil
    ) -> String {
        // With the webhook target known, `doctor --register-webhooks` (or webhooks.register_at_start) can ask the
        // simulated tool to deliver there.
        let publicURLLine = publicURL.map { "\npublic_url: \($0)" } ?? ""
        return """
        # Written by `craft-sync simulate`: points `craft-sync serve --config THIS_FILE` at the simulators.
        # Every credential here is a simulator's; none is real.
        listen: 127.0.0.1:8080
        database: ./craft-sync-simulated.sqlite\(publicURLLine)
        craft:
          base_url: \(baseURL)
          api_key: \(credentials.craftAPIKey)
          workspace_id: \(credentials.craftWorkspaceID)
          dialect: guide
        \(devTool(kind, baseURL: baseURL, credentials: credentials, webhookSecret: webhookSecret, indent: ""))

        """
    }

    /// The `dev_tool:` block for one simulated tool.
    private static func devTool(
        _ kind: String, baseURL: String, credentials: SimulatorServer.Credentials, webhookSecret: String? = nil,
        indent: String
    ) -> String {
        let settings = SimulatorServer.serveSettings(for: kind, baseURL: baseURL) ?? []
        let lines = ["dev_tool:"] + (settings + [("webhook_secret", webhookSecret ?? credentials.webhookSecret)]).map { "  \($0.key): \($0.value)" }
        return lines.map { indent + $0 }.joined(separator: "\n")
    }
}
