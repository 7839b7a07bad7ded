import App
import SimulatorCommands
import Foundation
import ArgumentParser

/// The entry point: parses the command line and hands over to the App target. Nothing else happens here.
@main
struct CraftSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "craft-sync",
        abstract: "Keeps Craft.io and your development tool in step.",
        subcommands: [DemoCommand.self, ServeCommand.self, SyncCommand.self, LinkCommand.self, UnlinkCommand.self, RelinkCommand.self, SimulateCommand.self, EventsCommand.self, MigrateCommand.self, BackupCommand.self, HealthCheckCommand.self, DoctorCommand.self],
        defaultSubcommand: nil)
}

/// Options shared by every command that reads the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (or CRAFT_SYNC_CONFIG).")
    var config: String?

    @Option(name: .long, help: "SQLite database path (default ./craft-sync.sqlite, or CRAFT_SYNC_DATABASE).")
    var database: String?

    func load(extra: [(key: String, flag: String, value: String)] = []) throws -> ConfigurationLoader.Result {
        var overrides = extra
        if let database { overrides.append(("database", "--database", database)) }
        return try ConfigurationLoader.load(file: config, overrides: overrides)
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the service: webhooks, admin API, health and metrics.")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 0.0.0.0:8080, or CRAFT_SYNC_LISTEN).")
    var listen: String?

    func run() async throws {
        try await Launcher.run {
            try options.load(extra: listen.map { [("listen", "--listen", $0)] } ?? [])
        } body: { configuration, logger in
            try await Application(configuration: configuration, logger: logger).run()
        }
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the database schema (serve also does this at start).")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Copy an SQLite database into the configured (empty) one first: sqlite:PATH.")
    var from: String?

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            if let from { print(try await DatabaseCommands.copy(configuration, from: from)) }
            print(try DatabaseCommands.migrate(configuration))
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the database, safe while the service runs.")

    @Argument(help: "Where to write the copy.")
    var path: String

    @Flag(name: .long, help: "Overwrite PATH if it exists.")
    var force = false

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            print(try DatabaseCommands.backup(configuration, to: path, overwrite: force))
        }
    }
}

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run fake Craft.io and the five dev tools on one port, to try craft-sync without accounts.")

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:9090"

    @Option(name: .long, help: "Write a serve configuration pointing at the simulators to FILE.")
    var writeConfig: String?

    @Option(name: .long, help: "Which dev tool the written configuration uses: \(Simulation.simulatedKinds.joined(separator: ", ")).")
    var devTool = "github"

    @Flag(name: .long, help: "Start with an empty Craft workspace instead of a few demo items.")
    var empty = false

    @Option(name: .long, help: "Base URL of a running craft-sync; the simulated dev tools send signed webhooks to its /webhooks/<tool>.")
    var webhookTarget: String?

    @Option(name: .long, help: "Secret the simulated webhooks are signed with (default: the one --write-config writes). Shown by ps: prefer --webhook-secret-file.")
    var webhookSecret: String?

    @Option(name: .long, help: "A file holding the secret the simulated webhooks are signed with (kept out of the process list).")
    var webhookSecretFile: String?

    func run() async throws {
        guard let address = ListenAddress(parsing: listen) else { throw ValidationError("--listen expects HOST:PORT") }
        guard Simulation.simulatedKinds.contains(devTool) else {
            throw ValidationError("--dev-tool expects \(Simulation.simulatedKinds.joined(separator: ", "))")
        }
        let kind = devTool
        var secret = webhookSecret
        if let webhookSecretFile {
            guard let text = try? String(contentsOfFile: webhookSecretFile, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("--webhook-secret-file: cannot read a secret from \(webhookSecretFile)")
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await Launcher.run { try ConfigurationLoader.load(file: nil, environment: [:]) } body: { [secret] _, logger in
            try await Simulation.run(
                listen: address, writeConfig: writeConfig, devTool: kind, seed: !empty, webhookTarget: webhookTarget, webhookSecret: secret,
                logger: logger)
        }
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Run one intake poll now: create the ready Craft.io items in the dev tool.")

    @Flag(name: .long, help: "Print what would be created, with the mapped fields, and write nothing anywhere.")
    var dryRun = false

    @Option(
        name: .customLong("status"),
        help: "Once, take the items in this Craft.io status instead of the ready one (repeat for several): a backfill of work already under way.")
    var statuses: [String] = []

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            print(try await SyncOnce.run(configuration, dryRun: dryRun, statuses: statuses, progress: .standardError()))
        }
    }
}

/// `--workspace`, for the commands about one item.
struct WorkspaceOption: ParsableArguments {
    @Option(name: .customLong("workspace"), help: "The Craft.io workspace (by default, whichever configured one has the item).")
    var name: String?
}

struct LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Link an issue that exists already to a Craft.io item; progress then flows as for issues craft-sync created.")

    @Argument(help: "The Craft.io item id.")
    var item: String

    @Argument(help: "The issue as the tool shows it: owner/repo#12, #12, ACME-4, ENG-7, or its URL.")
    var issue: String

    @OptionGroup var workspace: WorkspaceOption

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            print(try await LinkCommands.link(configuration, item: item, issue: issue, workspace: workspace.name))
        }
    }
}

struct UnlinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlink",
        abstract: "End an item's link: the issue stays, nothing more is synced, and intake does not create the item's issue again.")

    @Argument(help: "The Craft.io item id.")
    var item: String

    @Flag(name: .long, help: "Also take craft-sync's marker off the issue.")
    var removeMarker = false

    @Flag(name: .long, help: "Also empty the item's link field in Craft.io.")
    var clearLinkField = false

    @OptionGroup var workspace: WorkspaceOption

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            print(try await LinkCommands.unlink(configuration, item: item, workspace: workspace.name, removeMarker: removeMarker, clearLinkField: clearLinkField))
        }
    }
}

struct RelinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "relink", abstract: "Link an unlinked item to its issue again.")

    @Argument(help: "The Craft.io item id.")
    var item: String

    @OptionGroup var workspace: WorkspaceOption

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            print(try await LinkCommands.relink(configuration, item: item, workspace: workspace.name))
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Show the whole flow on this machine with simulated Craft.io and the five dev tools; no accounts needed.")

    @Flag(name: .long, help: "Keep the simulators and the service running afterwards and print the URLs to explore.")
    var keepRunning = false

    @Option(name: .long, help: "Log level for the service's own log lines (on standard error).")
    var logLevel = "warning"

    func run() async throws {
        try await Launcher.run(
            loading: { try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_LOG_LEVEL": logLevel, "CRAFT_SYNC_LOG_FORMAT": "text"]) },
            logs: .standardError
        ) { _, logger in
            // Line by line even into a pipe, so a script can wait for "Still running".
            try await Demo.run(keepRunning: keepRunning, print: { line in StandardStream.print(line + "\n") }, logger: logger)
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Work with stored webhook events.", subcommands: [Replay.self])

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue an event (or every dead one) for processing again; a running service picks it up.")

        @Argument(help: "The event id.")
        var id: Int64?

        @Flag(name: .long, help: "Replay every dead event.")
        var dead = false

        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            if (id == nil) == !dead { throw ValidationError("give an event id or --dead, not both") }
        }

        func run() async throws {
            try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
                print(try await EventCommands.replay(configuration, id: id, allDead: dead))
            }
        }
    }
}

struct HealthCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Exit 0 when the running service answers /healthz (for container health checks).")

    @Option(name: .long, help: "URL to check (default: /healthz on the configured listen address).")
    var url: String?

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            print(try await HealthCheck.run(configuration, url: url))
        }
    }
}

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check the configuration against Craft.io, the dev tool and the database; exit 0 only when all pass.")

    @Flag(name: .long, help: "Print the checks as JSON, for scripts.")
    var json = false

    @Flag(name: .long, help: "Create or update each dev tool's webhook (at PUBLIC_URL/webhooks/INSTANCE) before checking it.")
    var registerWebhooks = false

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        var failed = false
        try await Launcher.run(loading: { try options.load() }, logs: .standardError) { configuration, _ in
            let checks = await Doctor.run(configuration, registerWebhooks: registerWebhooks)
            failed = checks.contains { !$0.passed }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(checks), as: UTF8.self))
            } else {
                print(Doctor.render(checks))
            }
        }
        if failed { throw ExitCode(1) }
    }
}
