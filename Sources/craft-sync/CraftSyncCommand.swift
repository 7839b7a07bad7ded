import App
import ArgumentParser

/// The entry point: parses the command line and hands over to the App target. Nothing else happens here.
@main
struct CraftSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "craft-sync",
        abstract: "Keeps Craft.io and your development tool in step.",
        subcommands: [ServeCommand.self, SimulateCommand.self, MigrateCommand.self, BackupCommand.self],
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

    func run() async throws {
        try await Launcher.run { try options.load() } body: { configuration, _ in
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
        try await Launcher.run { try options.load() } body: { configuration, _ in
            print(try DatabaseCommands.backup(configuration, to: path, overwrite: force))
        }
    }
}

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run fake Craft.io, GitHub and Jira on one port, to try craft-sync without accounts.")

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:9090"

    @Option(name: .long, help: "Write a serve configuration pointing at the simulators to FILE.")
    var writeConfig: String?

    @Option(name: .long, help: "Which dev tool the written configuration uses: github or jira.")
    var devTool = "github"

    @Flag(name: .long, help: "Start with an empty Craft workspace instead of a few demo items.")
    var empty = false

    func run() async throws {
        guard let address = ListenAddress(parsing: listen) else { throw ValidationError("--listen expects HOST:PORT") }
        guard let kind = Configuration.DevToolSettings.Kind(rawValue: devTool), kind == .github || kind == .jira else {
            throw ValidationError("--dev-tool expects github or jira")
        }
        try await Launcher.run { try ConfigurationLoader.load(file: nil, environment: [:]) } body: { _, logger in
            try await Simulation.run(listen: address, writeConfig: writeConfig, devTool: kind, seed: !empty, logger: logger)
        }
    }
}
