import Testing
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

/// Waits for `gate`, or fails the test after `limit` so that a missing signal cannot hang the suite.
func waitFor(_ gate: Gate, within limit: Duration, _ what: String) async {
    let signalled = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await gate.wait(); return true }
        group.addTask { try? await Task.sleep(for: limit); return false }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    if !signalled { Issue.record("\(what) did not happen within \(limit)") }
}
