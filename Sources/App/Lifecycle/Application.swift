import Foundation
import HTTPServer
import Logging
import Store

/// The running service: configuration, database, metrics and the HTTP server wired together.
public final class Application: Sendable {
    public let configuration: Configuration
    public let database: DatabaseQueue
    public let metrics: ServiceMetrics
    public let server: HTTPServer
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        do {
            database = try DatabaseQueue(path: configuration.databasePath)
        } catch {
            throw StartupError.databaseUnusable(path: configuration.databasePath, reason: "\(error)")
        }
        metrics = ServiceMetrics()
        var router = Router()
        OperationalRoutes(configuration: configuration, database: database, metrics: metrics, logger: logger)
            .register(in: &router)
        server = HTTPServer(
            configuration: configuration.serverConfiguration, responder: router, observer: metrics,
            logger: Logger(label: "craft-sync.http"))
    }

    /// Starts serving and returns the bound port.
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
        let signal = await TerminationSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        await server.shutdown()
    }
}

/// Why the service could not start, phrased for the operator who must fix it.
public enum StartupError: Error, CustomStringConvertible {
    case databaseUnusable(path: String, reason: String)
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .databaseUnusable(let path, let reason):
            "cannot open the database at \(path): \(reason). Check the path (--database, CRAFT_SYNC_DATABASE) and that it is an SQLite file this user may write."
        case .cannotListen(let address, let reason):
            "cannot listen on \(address): \(reason). Choose another address with --listen or CRAFT_SYNC_LISTEN."
        }
    }
}
