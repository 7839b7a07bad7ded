import Logging
import Support

/// The service's background loops (intake, progress, retention, the Craft.io key check, webhook registration), run
/// together under one supervisor: each is started, one that ends or fails before shutdown is logged and restarted
/// after a backoff (a loop that stops is a loop whose work silently stops), and on shutdown all are cancelled and
/// awaited, so none outlives the server.
struct BackgroundServices: Sendable {
    struct Service: Sendable {
        var name: String
        /// A one-shot job (webhook registration) is not restarted once it returns.
        var restarts = true
        var body: @Sendable () async throws -> Void
    }

    var services: [Service] = []
    let clock: any SyncClock
    let logger: Logger
    var backoff = Backoff(base: .seconds(1), cap: .seconds(60))

    mutating func add(_ name: String, restarts: Bool = true, _ body: @escaping @Sendable () async throws -> Void) {
        services.append(Service(name: name, restarts: restarts, body: body))
    }

    /// Runs every service until the task running this is cancelled, then cancels them and waits for all to end.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { await supervise(service) }
            }
            await group.waitForAll()
        }
    }

    /// Runs the services until `shutdown` returns (a termination signal), then cancels and awaits them.
    func run(until shutdown: @escaping @Sendable () async -> Void) async {
        let running = Task { await run() }
        await shutdown()
        running.cancel()
        await running.value
    }

    private func supervise(_ service: Service) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await service.body()
                if Task.isCancelled || !service.restarts { return }
                logger.error("background service ended on its own; restarting it", metadata: ["service": "\(service.name)"])
            } catch {
                if Task.isCancelled { return }
                logger.error("background service failed; restarting it", metadata: ["service": "\(service.name)", "error": "\(error)"])
                guard service.restarts else { return }
            }
            failures += 1
            do { try await clock.sleep(for: backoff.delay(attempt: failures)) } catch { return }
        }
    }
}
