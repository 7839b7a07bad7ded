import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport
import Testing

/// `craft-sync serve` receiving SIGTERM while clients keep connecting: connections accepted as shutdown begins
/// are closed cleanly (never an abort in Dispatch), and the process exits 0.
@Suite("Shutdown under load", .timeLimit(.minutes(2)))
struct ShutdownUnderLoadTests {
    final class Load: Sendable {
        let stop = Atomic<Bool>(false)
        let answered = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
    }

    @Test("SIGTERM while clients connect, send requests and garbage exits 0")
    func sigtermUnderLoad() async throws {
        let binary = IntakeCrashTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build craft-sync first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-term-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try freePort()
        let serve = try ChildProcess(binary, ["serve"], environment: [
            "CRAFT_SYNC_LISTEN": "127.0.0.1:\(port)", "CRAFT_SYNC_DATABASE": directory.appendingPathComponent("db.sqlite").path,
            "CRAFT_SYNC_LOG_LEVEL": "warning", "CRAFT_SYNC_HTTP_SHUTDOWN_DEADLINE": "2s",
        ])
        defer { serve.kill() }
        try await waitForPort(port)

        let load = Load()
        defer { load.stop.store(true, ordering: .relaxed) }
        let requests = [
            "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
            "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n7fffffffffffffff\r\n",
            "\u{16}\u{03}\u{01}\u{02}\u{00}",
            "GET /healthz HTTP/1.1\r\nHost: t\r\n",  // never finished: the client leaves without waiting
        ]
        let threads = 4
        for thread in 0..<threads {
            Thread.detachNewThread {
                var round = thread
                while !load.stop.load(ordering: .relaxed) {
                    let request = requests[round % requests.count]
                    if oneExchange(port: port, Array(request.utf8), awaitAnswer: request.hasSuffix("\r\n\r\n") || !request.hasSuffix("\r\n")) {
                        load.answered.add(1, ordering: .relaxed)
                    }
                    round += 1
                }
                load.finished.add(1, ordering: .relaxed)
            }
        }
        // Terminate once the service is demonstrably under load.
        try await waitUntil("200 answers under load", within: .seconds(20), every: .milliseconds(5)) {
            load.answered.load(ordering: .relaxed) >= 200
        }
        kill(serve.processIdentifier, SIGTERM)
        let exited = await serve.waitForExit(within: .seconds(30))
        try #require(exited, "serve did not exit within 30 s of SIGTERM:\n\(serve.outputTail())")
        #expect(serve.terminationReason == .exit, "killed by signal \(serve.terminationStatus):\n\(serve.outputTail())")
        #expect(serve.terminationStatus == 0, "\(serve.outputTail())")
    }
}

/// Connects, sends `bytes`, reads until the server answers or closes; true when an answer came.
private func oneExchange(port: Int, _ bytes: [UInt8], awaitAnswer: Bool) -> Bool {
    guard let descriptor = connectLoopback(port: port) else { return false }
    defer { close(descriptor) }
    _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard awaitAnswer else { return false }
    var buffer = [UInt8](repeating: 0, count: 4096)
    return recv(descriptor, &buffer, buffer.count, 0) > 0
}
