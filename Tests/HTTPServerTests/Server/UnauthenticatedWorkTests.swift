import Compression
import HTTPServer
import Synchronization
import Testing

/// What a request costs before its handler has decided it is worth anything: bodies in flight are bounded
/// server-wide, a route may take its content undecoded, and heavy work runs on a bounded pool.
@Suite("Unauthenticated work: bytes in flight, content as sent, the worker pool")
struct UnauthenticatedWorkTests {
    @Test("bodies in flight past the server-wide limit are answered 503 with Retry-After; the bytes are given back after")
    func bodyBytesInFlight() async throws {
        try await withServer(configure: { $0.limits.bodyBytesInFlight = 100 }) { _, port in
            // The 100 Continue proves the head was accepted, and so its 80 bytes counted, before the next client.
            let holder = try await RawClient.connect(port: port)
            try await holder.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 80\r\n\r\n")
            #expect(try await holder.readResponse().status == 100)

            let refused = try await RawClient.connect(port: port)
            try await refused.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n" + String(repeating: "y", count: 40))
            let answer = try await refused.readResponse()
            #expect(answer.status == 503)
            #expect(answer.headers[.retryAfter] == "5")

            let chunked = try await RawClient.connect(port: port)
            try await chunked.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await chunked.send("28\r\n" + String(repeating: "z", count: 40) + "\r\n")
            #expect(try await chunked.readResponse().status == 503)

            try await holder.send(String(repeating: "x", count: 80))
            #expect(try await holder.readResponse().body.count == 80)
            let after = try await RawClient.connect(port: port)
            try await after.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 90\r\n\r\n" + String(repeating: "w", count: 90))
            #expect(try await after.readResponse().body.count == 90)
        }
    }

    @Test("a route that takes its content as sent gets the gzip bytes and decodes them itself, within its limit")
    func contentAsSent() async throws {
        var router = Router()
        router.post("/raw", bodyLimit: 1000, content: .asSent) { request in
            let sent = request.body.count
            // A corrupt or oversized body costs nothing until the handler asks for it.
            guard request.headers["X-Decode"] == "yes" else { return .text("kept \(sent) bytes as sent") }
            return .text("decoded \(try request.decodedBody().count) from \(sent)")
        }
        let small = try Zlib.compress(Array(repeating: UInt8(ascii: "a"), count: 900), framing: .gzip)
        let bomb = try Zlib.compress(Array(repeating: UInt8(ascii: "a"), count: 100_000), framing: .gzip)
        func post(_ body: [UInt8], decode: Bool) -> [UInt8] {
            Array("POST /raw HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nX-Decode: \(decode ? "yes" : "no")\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        }
        try await withServer(responder: router) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(post(small, decode: true))
            #expect(try await client.readResponse().text == "decoded 900 from \(small.count)")
            try await client.send(post(bomb, decode: false))
            #expect(try await client.readResponse().text == "kept \(bomb.count) bytes as sent")
            try await client.send(post(bomb, decode: true))
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test("the worker pool runs at most `width` jobs at once and returns each job's result")
    func workerPoolWidth() async {
        let pool = WorkerPool(width: 2, label: "test.workers")
        let concurrency = Concurrency()
        let results = await withTaskGroup(of: Int.self) { group in
            for index in 0..<12 {
                group.addTask {
                    await pool.run {
                        concurrency.enter()
                        var spin = 0
                        for step in 0..<200_000 { spin &+= step }
                        concurrency.leave()
                        return index + (spin == 0 ? 1 : 0)
                    }
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<12))
        #expect(concurrency.most <= 2)
    }
}

/// How many jobs ran at once, at most.
private final class Concurrency: Sendable {
    private let state = Mutex((running: 0, most: 0))
    func enter() { state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) } }
    func leave() { state.withLock { $0.running -= 1 } }
    var most: Int { state.withLock { $0.most } }
}
