import Foundation
import Logging
import Testing
@testable import App
import TestSupport

@Suite("JSON log lines")
struct LoggingTests {
    @Test("each event is one JSON object with level, message and metadata")
    func oneObjectPerLine() throws {
        let output = LogOutput.memory()
        var handler = LineLogHandler(label: "craft-sync.test", output: output)
        handler.logLevel = .debug
        let logger = Logger(label: "craft-sync.test", factory: { _ in handler })
        logger.info("created issue", metadata: ["craft.item": "42", "attempts": "\(2)"])
        logger.debug("details\nwith a newline")

        let lines = output.lines
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().contains("\n") == false })
        let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["message"] as? String == "created issue")
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "craft-sync.test")
        #expect(first["craft.item"] as? String == "42")
        #expect((first["ts"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("a secret in metadata is logged redacted")
    func secretsRedacted() {
        let output = LogOutput.memory()
        let logger = Logger(label: "t", factory: { LineLogHandler(label: $0, output: output) })
        logger.info("configured", metadata: ["token": "\(Secret("ghp_abcdef123456"))"])
        #expect(!output.lines.joined().contains("ghp_abcdef123456"))
        #expect(output.lines.joined().contains("<redacted>"))
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite("Logging never blocks or kills the service")
struct LogOutputTests {
    @Test("a consumer that stops reading costs dropped lines, not a blocked caller; only whole lines arrive")
    func stalledConsumer() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let output = LogOutput(descriptor: ends[1], capacity: 64 * 1024)
        let droppedBefore = LogOutput.droppedLines
        let line = Data((String(repeating: "x", count: 99) + "\n").utf8)
        // 1 MB into a 64 KiB pipe nobody reads, with a 64 KiB queue: a blocking logger would never return.
        let finished = Gate()
        Thread.detachNewThread {
            for _ in 0..<10_000 { output.write(line) }
            finished.signal()
        }
        await waitFor(finished, within: .seconds(10), "10,000 log writes to a stalled pipe")
        #expect(LogOutput.droppedLines > droppedBefore)

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let flags = fcntl(ends[0], F_GETFL)
        _ = fcntl(ends[0], F_SETFL, flags | O_NONBLOCK)
        output.flush(timeout: .milliseconds(200))
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            if count > 0 { received += buffer[0..<count] } else { break }
            output.flush(timeout: .milliseconds(200))
        }
        close(ends[1])
        #expect(!received.isEmpty)
        #expect(received.count % line.count == 0, "a partial line arrived")
    }

    @Test("a consumer that went away (EPIPE) costs dropped lines, not the process")
    func vanishedConsumer() {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        close(ends[0])
        defer { close(ends[1]) }
        let output = LogOutput(descriptor: ends[1])
        let droppedBefore = LogOutput.droppedLines
        output.write(Data("to nobody\n".utf8))
        output.flush()
        #expect(LogOutput.droppedLines > droppedBefore)
    }
}
