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

    @Test("a line is at most 16 KiB whatever the values, cut with a marker; each value at most 2 KiB", arguments: [
        Configuration.LogSettings.Format.json, .text,
    ])
    func linesAreCapped(_ format: Configuration.LogSettings.Format) {
        let output = LogOutput.memory()
        let logger = Logger(label: "t", factory: { LineLogHandler(label: $0, output: output, format: format) })
        let huge = String(repeating: "x", count: 1 << 20)
        logger.warning("refused", metadata: ["delivery": "\(huge)"])
        logger.warning(Logger.Message(stringLiteral: huge), metadata: Dictionary(uniqueKeysWithValues: (0..<40).map { ("key\($0)", "\(huge)") }))
        #expect(output.lines.count == 2)
        #expect(output.lines.allSatisfy { $0.utf8.count <= 16 * 1024 })
        #expect(output.lines[0].utf8.count < 3 * 1024)
        #expect(output.lines.allSatisfy { $0.contains("cut") })
    }

    @Test("the text format escapes control characters, so a value with a newline cannot forge a line")
    func textEscapesControls() {
        let output = LogOutput.memory()
        let logger = Logger(label: "t", factory: { LineLogHandler(label: $0, output: output, format: .text) })
        logger.warning("refused", metadata: ["delivery": "d-1\n2026-12-07T10:00:00Z info t: admin signed in\u{1B}[2J"])
        #expect(output.lines.count == 1)
        let line = output.lines[0]
        #expect(line.dropLast().contains("\n") == false)
        #expect(line.contains(#"d-1\n2026"#))
        #expect(line.contains(#"\u{1B}[2J"#))
    }
}


@Suite("Repeated log lines")
struct RepeatedLineSummaryTests {
    @Test("one line per key a minute; the next says how many were held back; other keys are not held back")
    func summarised() {
        let clock = TestClock()
        let summary = RepeatedLineSummary(interval: .seconds(60), clock: clock)
        #expect(summary.admit("203.0.113.7 github") == 0)
        for _ in 0..<500 { #expect(summary.admit("203.0.113.7 github") == nil) }
        #expect(summary.admit("198.51.100.1 github") == 0)
        clock.advance(by: .seconds(60))
        #expect(summary.admit("203.0.113.7 github") == 500)
        #expect(summary.admit("203.0.113.7 github") == nil)
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
