import Testing
import HTTPServer
import Logging
import Synchronization
import TestSupport

/// Starts a server on an ephemeral loopback port, runs `body` with that port, and shuts the server down.
func withServer<T>(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    responder: any HTTPResponder = TestRoutes.router(),
    observer: any HTTPServerObserver = NoHTTPServerObserver(),
    _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    // A test's own client may wait seconds for a thread on a busy 2-core machine running the whole suite: the idle
    // and header deadlines are generous here, and the tests about deadlines set theirs.
    configuration.idleTimeout = .seconds(60)
    configuration.headerTimeout = .seconds(60)
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
        router.get("/huge") { _ in HTTPResponse(body: Array(repeating: UInt8(ascii: "x"), count: 1 << 20)) }
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

/// Signals each closed connection, so a test can wait for the server to cut one off instead of sleeping.
final class ClosingObserver: HTTPServerObserver {
    let closed = Gate()
    func connectionOpened() {}
    func connectionClosed() { closed.signal() }
    func bytesReceived(_ count: Int) {}
    func bytesSent(_ count: Int) {}
    func requestCompleted(method: HTTPMethod, route: String, status: HTTPStatus, duration: Duration) {}
}
