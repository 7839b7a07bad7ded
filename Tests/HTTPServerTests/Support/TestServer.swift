import HTTPServer
import Logging
import Synchronization

/// Starts a server on an ephemeral loopback port, runs `body` with that port, and shuts the server down.
func withServer<T>(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    responder: any HTTPResponder = TestRoutes.router(),
    observer: any HTTPServerObserver = NoHTTPServerObserver(),
    _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let server = HTTPServer(configuration: configuration, responder: responder, observer: observer, logger: logger)
    let port = try server.start()
    do {
        let result = try await body(server, port)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// A one-shot signal between a test and a handler: `wait()` returns once `signal()` has been called.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    func signal() { continuation.yield(()) }

    func wait() async {
        for await _ in stream { return }
    }
}

struct Failure: Error {}

enum TestRoutes {
    static func router(entered: Gate? = nil, release: Gate? = nil) -> Router {
        var router = Router()
        router.get("/hello") { _ in .text("hello") }
        router.post("/echo") { request in
            var response = HTTPResponse(body: request.body)
            response.headers["X-Method"] = request.method.rawValue
            return response
        }
        router.post("/small", bodyLimit: 64) { request in .text("got \(request.body.count)") }
        router.get("/big") { _ in .text(String(repeating: "craft-sync ", count: 400)) }
        router.get("/fail") { _ in throw Failure() }
        router.get("/items/:id") { request in .text("item \(request.parameters["id"] ?? "?")") }
        router.get("/slow") { _ in
            entered?.signal()
            await release?.wait()
            return .text("finally")
        }
        return router
    }
}
