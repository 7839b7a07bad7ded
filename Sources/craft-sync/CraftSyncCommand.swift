import App
import ArgumentParser

/// The entry point: parses the command line and hands over to the App target. Nothing else happens here.
@main
struct CraftSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "craft-sync",
        abstract: "Keeps Craft.io and your development tool in step.",
        subcommands: [ServeCommand.self, MigrateCommand.self, BackupCommand.self],
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
