import Foundation
import Logging
import Testing
@testable import App

@Suite("JSON log lines")
struct LoggingTests {
    @Test("each event is one JSON object with level, message and metadata")
    func oneObjectPerLine() throws {
        let output = LogOutput.memory()
        var handler = JSONLogHandler(label: "craft-sync.test", output: output)
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
        let logger = Logger(label: "t", factory: { JSONLogHandler(label: $0, output: output) })
        logger.info("configured", metadata: ["token": "\(Secret("ghp_abcdef123456"))"])
        #expect(!output.lines.joined().contains("ghp_abcdef123456"))
        #expect(output.lines.joined().contains("<redacted>"))
    }
}
