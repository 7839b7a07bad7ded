import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing

/// The status page in a real browser: `Tests/Browser/status_page.py` drives Debian's headless Chromium with
/// Playwright for Python, JavaScript off, against `craft-sync demo --keep-running`. `.ci/run` installs both; on a
/// machine without them the test is skipped and says why.
@Suite("The status page in a real browser", .timeLimit(.minutes(3)))
struct StatusPageBrowserTests {
    static let chromium = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium"

    static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: chromium) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import playwright.sync_api"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    @Test(
        "sign in, find an item, open its timeline, replay a dead letter, resolve a conflict, link and unlink an issue; a <script> title is text; the token is nowhere",
        .enabled(if: available, "needs Debian's chromium and Playwright for Python (.ci/run installs both)"))
    func browser() async throws {
        let binary = IntakeCrashTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build craft-sync first")
        let demo = try ChildProcess(binary, ["demo", "--keep-running"], environment: ["CRAFT_SYNC_LOG_LEVEL": "warning"])
        let linkable = try await demo.waitForLine(containing: "link on the status page: item", within: .seconds(90)).split(separator: " ").map(String.init)
        let item = try #require(linkable.firstIndex(of: "item").map { linkable[$0 + 1] })
        let issue = try #require(linkable.first { $0.hasPrefix("acme/product#") }?.trimmingCharacters(in: CharacterSet(charactersIn: ",")))
        let line = try await demo.waitForLine(containing: "status page http", within: .seconds(90))
        let words = line.split(separator: " ").map(String.init)
        let page = try #require(words.first { $0.hasPrefix("http://") })
        let token = try #require(words.last?.trimmingCharacters(in: CharacterSet(charactersIn: ")")))
        let base = String(page.dropLast("/ui/".count))
        // CRAFT_SYNC_SCREENSHOTS=docs/screenshots refreshes the set the README shows.
        let shots = ProcessInfo.processInfo.environment["CRAFT_SYNC_SCREENSHOTS"]
            ?? packageRoot().appendingPathComponent(".build/status-page-screenshots").path
        let script = packageRoot().appendingPathComponent("Tests/Browser/status_page.py").path
        let browser = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, base, token, shots, item, issue])
        let finished = await browser.waitForExit(within: .seconds(120))
        #expect(finished, "the browser test did not finish in 120 s: \(browser.outputTail(lines: 40))")
        #expect(browser.terminationStatus == 0, "\(browser.outputTail(lines: 40))")
        // The one-off token is printed once, for the person at the terminal; no log line of the service carries it.
        #expect(demo.outputLines.filter { $0.contains(token) } == [line], "the admin token appeared in a log line")
        // SIGTERM: the demo stops its service and removes its temporary database.
        _ = Glibc.kill(demo.processIdentifier, SIGTERM)
        #expect(await demo.waitForExit(within: .seconds(20)), "the demo did not stop on SIGTERM")
    }
}
