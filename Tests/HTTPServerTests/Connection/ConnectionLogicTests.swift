import Logging
import Testing
@testable import HTTPServer

/// `HTTPConnection` driven in memory: no socket, no event queue, and a clock the test moves. Every timeout is a
/// decision checked at the instant it falls due, without waiting for it.
@Suite("Connection logic with an injected clock")
struct ConnectionLogicTests {
    /// A transport that records what the connection asks and lets the test decide what the socket does.
    final class FakeIO: ConnectionIO {
        var now = ContinuousClock.now
        var written: [UInt8] = []
        var nextWrite = WriteOutcome.flushed
        var reading = false
        var deadline: ContinuousClock.Instant?
        var outputShut = false
        var closed: (reset: Bool, at: ContinuousClock.Instant)?
        var pendingInput: [UInt8] = []
        weak var connection: HTTPConnection?

        func write(_ bytes: [UInt8]) -> WriteOutcome {
            written += bytes
            return nextWrite
        }
        func setReading(_ enabled: Bool) { reading = enabled }
        func setDeadline(_ deadline: ContinuousClock.Instant?) { self.deadline = deadline }
        func readPending() {
            guard !pendingInput.isEmpty else { return }
            let bytes = pendingInput
            pendingInput = []
            bytes.withUnsafeBytes { connection?.received($0) }
        }
        func shutdownOutput() { outputShut = true }
        func close(reset: Bool) { closed = (reset, now) }

        var text: String { String(decoding: written, as: UTF8.self) }

        /// Moves the clock to the deadline and reports it, as an event queue would.
        func passDeadline() {
            guard let deadline else { Issue.record("no deadline armed"); return }
            now = deadline
            self.deadline = nil
            connection?.deadlineReached()
        }
    }

    struct Harness {
        let io = FakeIO()
        let connection: HTTPConnection
        var configuration: HTTPServerConfiguration

        init(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) {
            var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
            configure(&configuration)
            self.configuration = configuration
            var router = Router()
            router.get("/hello") { _ in .text("hello") }
            router.post("/echo") { request in HTTPResponse(body: request.body) }
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let context = ServerContext(configuration: configuration, responder: router, observer: NoHTTPServerObserver(), logger: logger)
            // Answers at once and in line, as a handler that never suspends would.
            connection = HTTPConnection(context: context, io: io) { head, _, _, _, completion in
                completion(head.path == "/hello" ? .text("hello") : HTTPResponse(status: .notFound))
            }
            io.connection = connection
            connection.start()
        }

        func send(_ text: String) {
            Array(text.utf8).withUnsafeBytes { connection.received($0) }
        }
    }

    @Test("a connection that never sends a byte is closed silently when its header time is up")
    func silentConnection() {
        let harness = Harness { $0.headerTimeout = .seconds(10) }
        let started = harness.io.now
        #expect(harness.io.deadline == started + .seconds(10))
        harness.io.passDeadline()
        #expect(harness.io.closed != nil)
        #expect(harness.io.written.isEmpty)
    }

    @Test("a head that does not arrive in time gets 408, then a lingering close")
    func headerTimeout() {
        let harness = Harness { $0.headerTimeout = .seconds(10) }
        harness.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
        harness.io.passDeadline()
        #expect(harness.io.text.hasPrefix("HTTP/1.1 408 "))
        #expect(harness.io.outputShut)
        #expect(harness.connection.phase == .lingering)
        let lingerStart = harness.io.now
        #expect(harness.io.deadline == lingerStart + HTTPConnection.lingerTime)
        harness.io.passDeadline()
        #expect(harness.io.closed != nil)
    }

    @Test("bytes that arrived but were not yet read count before a client is judged silent")
    func lateReadBeforeSilence() {
        let harness = Harness()
        harness.io.pendingInput = Array("GET /hel".utf8)
        harness.io.passDeadline()
        #expect(harness.io.text.hasPrefix("HTTP/1.1 408 "))
    }

    @Test("a body that does not arrive in time gets 408")
    func bodyTimeout() {
        let harness = Harness { $0.bodyTimeout = .seconds(30) }
        harness.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        #expect(harness.connection.phase == .readingBody)
        #expect(harness.io.deadline == harness.io.now + .seconds(30))
        harness.io.passDeadline()
        #expect(harness.io.text.hasPrefix("HTTP/1.1 408 "))
    }

    @Test("after a response the idle timeout runs; the first byte of the next request starts its header timeout")
    func idleThenHeader() {
        let harness = Harness { $0.idleTimeout = .seconds(5); $0.headerTimeout = .seconds(10) }
        harness.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(harness.io.text.contains("\r\n\r\nhello"))
        #expect(harness.connection.timerPurpose == .idle)
        #expect(harness.io.deadline == harness.io.now + .seconds(5))
        harness.io.now += .seconds(3)
        harness.send("G")
        #expect(harness.connection.timerPurpose == .header)
        #expect(harness.io.deadline == harness.io.now + .seconds(10))
    }

    @Test("an idle keep-alive connection is closed silently when its idle time is up")
    func idleTimeout() {
        let harness = Harness()
        harness.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let answered = harness.io.written.count
        harness.io.passDeadline()
        #expect(harness.io.closed != nil)
        #expect(harness.io.written.count == answered)
    }

    @Test("a response the client does not take stops reading and is cut off after the send timeout")
    func sendTimeout() {
        let harness = Harness { $0.sendTimeout = .seconds(30) }
        harness.io.nextWrite = .pending
        harness.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(!harness.io.reading)
        #expect(harness.connection.timerPurpose == .send)
        #expect(harness.io.deadline == harness.io.now + .seconds(30))
        // The pipelined second request waits: only one answer was written.
        #expect(harness.io.text.components(separatedBy: "hello").count == 2)
        harness.io.passDeadline()
        #expect(harness.io.closed != nil)
    }

    @Test("once the blocked response drains, the next pipelined request is served and reading resumes")
    func drainedContinues() {
        let harness = Harness()
        harness.io.nextWrite = .pending
        harness.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        harness.io.nextWrite = .flushed
        harness.connection.outputDrained()
        #expect(harness.io.text.components(separatedBy: "hello").count == 3)
        #expect(harness.io.reading)
        #expect(harness.connection.timerPurpose == .idle)
    }

    @Test("Connection: close is answered, then our side shuts down and lingers")
    func closeAfterResponse() {
        let harness = Harness()
        harness.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(harness.io.text.contains("Connection: close"))
        #expect(harness.io.outputShut)
        #expect(harness.connection.phase == .lingering)
        harness.connection.peerClosedOutput()
        #expect(harness.io.closed != nil)
    }

    @Test("shutdown closes an idle connection at once")
    func shutdownIdle() {
        let harness = Harness()
        harness.connection.beginShutdown()
        #expect(harness.io.closed != nil)
    }
}
