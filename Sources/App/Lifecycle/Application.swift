import Foundation
import HTTPServer
import Logging
import Store

/// The running service: configuration, database, metrics and the HTTP server wired together.
public final class Application: Sendable {
    public let configuration: Configuration
    public let store: Store
    public let metrics: ServiceMetrics
    public let server: HTTPServer
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        store = try Store(path: configuration.databasePath)
        metrics = ServiceMetrics()
        var router = Router()
        OperationalRoutes(configuration: configuration, store: store, metrics: metrics, logger: logger)
            .register(in: &router)
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
        let signal = await TerminationSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        maintenance.cancel()
        await server.shutdown()
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
