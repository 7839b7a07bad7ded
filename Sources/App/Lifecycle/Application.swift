import Foundation
import HTTPServer
import Logging
import OutboundHTTP
import DevTools
import Store
import SyncEngine
import Support

/// The running service: configuration, database, metrics and the HTTP server wired together.
public final class Application: Sendable {
    public let configuration: Configuration
    public let store: Store
    public let metrics: ServiceMetrics
    public let server: HTTPServer
    /// `/healthz`, `/readyz` and `/metrics` on `ops.listen`, when set.
    public let opsServer: HTTPServer?
    /// Nil until the configuration names Craft.io and a supported dev tool.
    public let scheduler: SyncCycleScheduler?
    /// Nil until the configuration names Craft.io and a supported dev tool.
    public let progress: ProgressProcessor?
    /// Nil until the configuration names Craft.io.
    public let craftKey: CraftKeyCheck?
    /// Tells operators of problems (`notify`); nil when no target is configured.
    let notifier: Notifier?
    /// Each dev tool's webhook registration; nil until the configuration names the tools.
    public let webhookSetup: WebhookSetup?
    /// Every route served, with the group that authenticates its callers.
    let routes: [SecuredRouter.Declaration]
    /// What the server's router holds, to check against `routes` (nothing registered around the groups).
    let registeredRoutes: [(method: HTTPMethod, pattern: String)]
    private let logger: Logger
    private let clock: any SyncClock

    public init(configuration: Configuration, logger: Logger, clock: any SyncClock = SystemClock(), outsideWorld: OutsideWorld? = nil) throws {
        self.configuration = configuration
        self.logger = logger
        let store = try Store(configuration.databaseLocation)
        self.store = store
        // Replicas on several hosts compare leases and due times: on a shared database, time is the server's.
        let clock = store.database.dialect == .postgres ? OffsetClock(base: clock) { store.database.clockOffset } : clock
        self.clock = clock
        metrics = ServiceMetrics()
        let world = outsideWorld ?? OutsideWorld(configuration: configuration, clock: clock)
        let tools = world?.devTools ?? [:]
        webhookSetup = world.map { WebhookSetup(configuration: configuration, world: $0) }
        if let world {
            let (engine, targets) = Self.makeIntake(configuration: configuration, store: store, world: world, clock: clock, observer: metrics)
            let intake = configuration.intake
            let reconciler = Reconciler(
                store: store, craft: world.craft, tools: Array(tools.values), statusMapping: configuration.statusMapping,
                progressField: configuration.craft.progressField, clock: clock, logger: Logger(label: "craft-sync.reconcile"),
                fullPassInterval: configuration.reconcileFullPassInterval, overlap: configuration.reconcileOverlap, budgets: world.budgets,
                budgetReserve: configuration.reconcileBudgetReserve, rollUp: Self.rollUp(configuration, store: store, world: world),
                eventTime: EventTime(allowedSkew: configuration.progressMaxClockSkew), signalFields: configuration.signalFields)
            scheduler = SyncCycleScheduler(
                engine: engine, targets: targets, interval: intake.interval, jitter: intake.jitter, clock: clock,
                reconciler: configuration.reconcile ? reconciler : nil, afterCycle: Memory.releaseFree)
            var settings = ProgressProcessor.Settings()
            settings.progressField = configuration.craft.progressField
            settings.statusMapping = configuration.statusMapping
            settings.ownAccounts = Set(configuration.syncTargets.compactMap(\.devTool.ownAccount))
            settings.giveUpAfter = configuration.progressGiveUpAfter
            settings.processingLease = configuration.progressProcessingLease
            settings.eventTime = EventTime(allowedSkew: configuration.progressMaxClockSkew)
            settings.probeWorkspaceID = configuration.syncTargets.first?.id
            settings.maxConcurrentLanes = configuration.progressLanes
            settings.maxConcurrentLanesPerTool = configuration.progressLanesPerTool
            settings.rollUpField = configuration.craft.rollUpField
            settings.rollUpDoneValues = Set(configuration.craft.rollUpDoneValues)
            settings.signalFields = configuration.signalFields
            progress = ProgressProcessor(
                store: store, craft: world.craft, tools: tools, settings: settings, clock: clock, logger: Logger(label: "craft-sync.progress"),
                observer: metrics)
            craftKey = world.targets.first.map {
                CraftKeyCheck(
                    craft: world.craft, workspaceID: $0.workspaceID, progressField: configuration.craft.progressField,
                    progressValues: tools.values.reduce(into: configuration.statusMapping.craftValues()) {
                        $0.formUnion(configuration.statusMapping.craftValues(of: $1))
                    },
                    linkField: configuration.craft.linkField, signalFields: configuration.signalFields,
                    logger: Logger(label: "craft-sync.craft-key"))
            }
        } else {
            scheduler = nil
            progress = nil
            craftKey = nil
        }
        notifier = world.flatMap { [scheduler, progress, craftKey] world in
            Self.makeNotifier(configuration, store: store, http: world.outbound, clock: clock, sources: AlertWatch.Sources(
                intakeHalts: { await scheduler?.engine.haltedTools() ?? [:] }, craftProblem: { craftKey?.readinessProblem },
                outages: { await progress?.outages() ?? [:] }))
        }
        // Every route is registered in the group that authenticates its callers (`SecuredRouter.Access`).
        let metrics = metrics
        let gate = configuration.admin.token.map {
            AdminGate(token: $0, throttle: SignInThrottle(policy: configuration.admin.signInPolicy, clock: clock), metrics: metrics, logger: logger)
        }
        var router = SecuredRouter(
            gate: gate, hosts: AllowedHosts(publicURL: configuration.publicURL, listenHost: configuration.listen.host),
            operationsToken: configuration.ops.token)
        var secrets: [String: [String]] = [:]
        for target in configuration.syncTargets {
            secrets[target.devTool.instanceName] = [target.devTool.webhookSecret, target.devTool.previousWebhookSecret].compactMap { $0?.revealed }
        }
        // The CPU-heavy part of requests (inflating, hashing, parsing large bodies) runs here, not on the event loops.
        let workers = WorkerPool()
        WebhookRoutes(store: store, tools: tools, secrets: secrets, processor: progress, metrics: metrics, logger: logger, workers: workers,
            refusals: RepeatedLineSummary(clock: clock))
            .register(in: &router)
        let engine = scheduler?.engine
        let craftKey = craftKey
        let operational = OperationalRoutes(
            configuration: configuration, store: store, metrics: metrics, logger: logger,
            intakeHalts: { await engine?.haltedTools() ?? [:] }, craftKeyProblem: { craftKey?.readinessProblem },
            craftKeyWarning: { craftKey?.readinessWarning }, budgets: world?.budgets ?? [:])
        operational.register(in: &router, withMonitoring: configuration.ops.listen == nil)
        AdminRoutes(
            scheduler: scheduler, store: store, progress: progress, configuration: configuration, startedAt: .now,
            craftKey: craftKey, budgets: world?.budgets ?? [:]
        ).register(in: &router)
        routes = router.declarations
        registeredRoutes = router.router.registered
        server = HTTPServer(
            configuration: configuration.serverConfiguration, responder: router.router, observer: metrics,
            logger: Logger(label: "craft-sync.http"), workers: workers)
        // Monitoring on its own (private) address, when asked: the same server settings, only the operational routes.
        opsServer = configuration.ops.listen.map { address in
            var opsRouter = SecuredRouter(gate: nil, hosts: AllowedHosts(publicURL: nil, listenHost: address.host), operationsToken: configuration.ops.token)
            operational.register(in: &opsRouter)
            var settings = configuration.serverConfiguration
            settings.host = address.host
            settings.port = address.port
            settings.maxConnections = 64
            return HTTPServer(configuration: settings, responder: opsRouter.router, logger: Logger(label: "craft-sync.http.ops"))
        }
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
        if let opsServer, let address = configuration.ops.listen {
            do {
                _ = try opsServer.start()
            } catch {
                throw StartupError.cannotListen(address: address.description, reason: "\(error)")
            }
        }
        do {
            return try server.start()
        } catch {
            throw StartupError.cannotListen(address: configuration.listen.description, reason: "\(error)")
        }
    }

    /// Tells operators of problems until cancelled (`notify`); returns at once when no target is configured. `run`
    /// runs it; the demo runs it beside its own steps.
    public func runAlerts() async { await notifier?.run() }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try start()
        let retention = RetentionService(
            store: store, retention: configuration.eventRetention, interval: .seconds(3600), logger: logger)
        var services = BackgroundServices(clock: clock, logger: logger)
        services.add("retention") { await retention.run() }
        let heartbeat = ReplicaHeartbeat(store: store, clock: clock, logger: logger, startedAt: clock.now())
        services.add("replica heartbeat") { await heartbeat.run() }
        // On a shared database, a delivery another replica stored wakes this one's processors too.
        if let progress, store.database.dialect == .postgres {
            services.add("event notifications") { [store] in
                guard let notifications = store.database.newEventNotifications() else { return }
                for await _ in notifications { progress.wake() }
            }
        }
        if let craftKey { services.add("craft-key-check") { await craftKey.run() } }
        if let scheduler { services.add("intake and reconciliation") { await scheduler.run() } }
        if let progress { services.add("progress") { await progress.run() } }
        if let notifier { services.add("alerts") { await notifier.run() } }
        if configuration.registerWebhooksAtStart, let webhookSetup {
            services.add("webhook registration", restarts: false) { [logger] in
                for registration in await webhookSetup.registerAll() {
                    let metadata: Logger.Metadata = ["dev.instance": "\(registration.instance)", "outcome": "\(registration.outcome)", "detail": "\(registration.detail)"]
                    if registration.outcome == "failed" {
                        logger.error("could not register the dev tool's webhook; progress waits for reconciliation until it is set up", metadata: metadata)
                    } else {
                        logger.info("dev tool webhook registered", metadata: metadata)
                    }
                }
            }
        }
        await services.run { [logger] in
            let signal = await TerminationSignal.wait()
            logger.info("shutting down", metadata: ["signal": "\(signal)"])
        }
        await opsServer?.shutdown()
        await server.shutdown()
    }
}

extension Application {
    /// The notifier over the configured `notify` targets; nil when there are none.
    static func makeNotifier(
        _ configuration: Configuration, store: Store, http: any HTTPClient, clock: any SyncClock, sources: AlertWatch.Sources
    ) -> Notifier? {
        let notify = configuration.notify
        var targets: [NotifyTarget] = []
        if let slack = notify.slackURL, let url = URL(string: slack.revealed) { targets.append(NotifyTarget(name: "slack", url: url, format: .slack)) }
        if let webhook = notify.webhookURL, let url = URL(string: webhook), let secret = notify.webhookSecret {
            targets.append(NotifyTarget(name: "webhook", url: url, format: .signedJSON(secret: secret)))
        }
        guard !targets.isEmpty else { return nil }
        return Notifier(
            targets: targets, watch: AlertWatch(store: store, sources: sources, downAfter: notify.downAfter), http: http, store: store, clock: clock,
            settings: .init(checkInterval: notify.checkInterval, minInterval: notify.minInterval),
            statusPage: configuration.publicURL.map { "\($0)/ui/problems" }, logger: Logger(label: "craft-sync.notify"))
    }

    /// The roll-up writer for parent items, when `craft.rollup_field` is set.
    static func rollUp(_ configuration: Configuration, store: Store, world: OutsideWorld) -> RollUp? {
        configuration.craft.rollUpField.map {
            RollUp(
                store: store, craft: world.craft, field: $0, doneValues: Set(configuration.craft.rollUpDoneValues),
                logger: Logger(label: "craft-sync.rollup"))
        }
    }

    /// The intake engine and one target per configured workspace (shared by `serve`, `sync` and the demo).
    public static func makeIntake(
        configuration: Configuration, store: Store, world: OutsideWorld, clock: any SyncClock, observer: any SyncObserver = NoSyncObserver()
    ) -> (IntakeEngine, [IntakeTarget]) {
        let intake = configuration.intake
        var settings = IntakeSettings(
            concurrency: intake.concurrency, perMinuteCap: intake.perMinuteCap, perHourCap: intake.perHourCap, claimLease: intake.claimLease,
            fullPollInterval: intake.fullPollInterval, pollOverlap: intake.pollOverlap, syncAncestors: intake.syncAncestors)
        settings.nativeLinks = intake.nativeLinks
        settings.drift = configuration.drift
        let engine = IntakeEngine(
            craft: world.craft, store: store, mapping: configuration.mapping, clock: clock, settings: settings,
            logger: Logger(label: "craft-sync.intake"), observer: observer, budgets: world.budgets,
            rollUp: rollUp(configuration, store: store, world: world), routing: configuration.routing, tools: world.devTools)
        let targets = world.targets.map { target in
            var intake = IntakeTarget(
                workspaceID: target.workspaceID, readyStatus: target.readyStatus, devTool: target.devTool, linkField: configuration.craft.linkField,
                progress: .init(field: configuration.craft.progressField, statusMapping: configuration.statusMapping))
            intake.siblingInstances = Set(world.targets.filter { $0.workspaceID == target.workspaceID && $0.devTool.instance != target.devTool.instance }
                .map(\.devTool.instance))
            return intake
        }
        return (engine, targets)
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
