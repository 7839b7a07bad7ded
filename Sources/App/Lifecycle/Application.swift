import Foundation
import HTTPServer
import Logging
import OutboundHTTP
import DevTools
import Store
import SyncEngine

/// The running service: configuration, database, metrics and the HTTP server wired together.
public final class Application: Sendable {
    public let configuration: Configuration
    public let store: Store
    public let metrics: ServiceMetrics
    public let server: HTTPServer
    /// Nil until the configuration names Craft.io and a supported dev tool.
    public let scheduler: IntakeScheduler?
    /// Nil until the configuration names Craft.io and a supported dev tool.
    public let progress: ProgressProcessor?
    private let logger: Logger

    /// `extraDevTools` serve webhooks beside the configured tool (the demo runs GitHub and Jira at once).
    public init(
        configuration: Configuration, logger: Logger, clock: any SyncClock = SystemClock(), outsideWorld: OutsideWorld? = nil,
        extraDevTools: [any DevTool] = []
    ) throws {
        self.configuration = configuration
        self.logger = logger
        store = try Store(path: configuration.databasePath)
        metrics = ServiceMetrics()
        let world = outsideWorld ?? OutsideWorld(configuration: configuration, clock: clock)
        if let world, let (engine, target) = Self.makeIntake(configuration: configuration, store: store, world: world, clock: clock) {
            let intake = configuration.intake
            let reconciler = Reconciler(
                store: store, craft: world.craft, tools: [world.devTool] + extraDevTools, statusMapping: configuration.statusMapping,
                progressField: configuration.craft.progressField, clock: clock, logger: Logger(label: "craft-sync.reconcile"))
            scheduler = IntakeScheduler(
                engine: engine, targets: [target], interval: intake.interval, jitter: intake.jitter, clock: clock, reconciler: reconciler)
        } else {
            scheduler = nil
        }
        var tools: [String: any DevTool] = [:]
        if let world {
            tools[world.devTool.kind] = world.devTool
            for tool in extraDevTools { tools[tool.kind] = tool }
            var settings = ProgressProcessor.Settings()
            settings.progressField = configuration.craft.progressField
            settings.statusMapping = configuration.statusMapping
            settings.ownAccounts = Set([configuration.devTool.ownAccount].compactMap { $0 })
            settings.maxAttempts = configuration.progressMaxAttempts
            progress = ProgressProcessor(
                store: store, craft: world.craft, tools: tools, settings: settings, clock: clock, logger: Logger(label: "craft-sync.progress"))
        } else {
            progress = nil
        }
        var router = Router()
        let secrets = [configuration.devTool.webhookSecret, configuration.devTool.previousWebhookSecret].compactMap { $0?.revealed }
        WebhookRoutes(store: store, tools: tools, secrets: secrets, processor: progress, metrics: metrics, logger: logger)
            .register(in: &router)
        OperationalRoutes(configuration: configuration, store: store, metrics: metrics, logger: logger)
            .register(in: &router)
        if let token = configuration.admin.token {
            AdminRoutes(token: token, scheduler: scheduler, store: store, progress: progress).register(in: &router)
        }
        server = HTTPServer(
            configuration: configuration.serverConfiguration, responder: router, observer: metrics,
            logger: Logger(label: "craft-sync.http"))
    }

    /// Starts serving and returns the bound port. The database was opened and migrated by `init`.
    @discardableResult
    public func start() throws -> Int {
        let missing = configuration.missingSettings
        if !missing.isEmpty {
            logger.warning(
                "configuration is incomplete; serving health endpoints only until it is set",
                metadata: ["missing": "\(missing.joined(separator: ", "))"])
        }
        do {
            return try server.start()
        } catch {
            throw StartupError.cannotListen(address: configuration.listen.description, reason: "\(error)")
        }
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try start()
        let retention = RetentionService(
            store: store, retention: configuration.eventRetention, interval: .seconds(3600), logger: logger)
        let maintenance = Task { await retention.run() }
        let intake = Task { [scheduler] in await scheduler?.run() }
        let progressing = Task { [progress] in await progress?.run() }
        let signal = await TerminationSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        maintenance.cancel()
        intake.cancel()
        progressing.cancel()
        await server.shutdown()
    }
}

extension Application {
    /// The intake engine and target a configuration describes (shared by `serve` and `sync`).
    static func makeIntake(configuration: Configuration, store: Store, world: OutsideWorld, clock: any SyncClock) -> (IntakeEngine, IntakeTarget)? {
        guard let workspace = configuration.craft.workspaceID else { return nil }
        let intake = configuration.intake
        let engine = IntakeEngine(
            craft: world.craft, store: store, mapping: configuration.mapping, clock: clock,
            settings: IntakeSettings(concurrency: intake.concurrency, perMinuteCap: intake.perMinuteCap, claimLease: intake.claimLease), logger: Logger(label: "craft-sync.intake"))
        let target = IntakeTarget(
            workspaceID: workspace, readyStatus: configuration.craft.readyStatus, devTool: world.devTool, linkField: configuration.craft.linkField)
        return (engine, target)
    }
}

/// Why the service could not start, phrased for the operator who must fix it.
public enum StartupError: Error, CustomStringConvertible {
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason):
            "cannot listen on \(address): \(reason). Choose another address with --listen or CRAFT_SYNC_LISTEN."
        }
    }
}
