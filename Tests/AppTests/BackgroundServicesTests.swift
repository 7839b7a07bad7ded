import Logging
import Synchronization
import Testing
import TestSupport
@testable import App

@Suite("Background services under one supervisor")
struct BackgroundServicesTests {
    struct Broken: Error {}

    @Test("a failing loop is restarted after a backoff, a one-shot job is not; shutdown cancels every loop and waits for it")
    func supervised() async {
        let starts = Mutex<[String: Int]>([:])
        let stopped = Mutex<Set<String>>([])
        let clock = TestClock()
        var services = BackgroundServices(clock: clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let running = Gate()
        services.add("flaky") {
            let count = starts.withLock { $0["flaky", default: 0] += 1; return $0["flaky"]! }
            if count < 3 { throw Broken() }
            running.signal()
            // The third start runs until cancelled, then says it stopped.
            await withTaskCancellationHandler { await Gate().wait() } onCancel: { stopped.withLock { _ = $0.insert("flaky") } }
        }
        services.add("one-shot", restarts: false) { starts.withLock { $0["one-shot", default: 0] += 1 } }
        let shutdown = Gate()
        let supervisor = Task { await services.run(until: { await shutdown.wait() }) }
        await running.wait()
        shutdown.signal()
        await supervisor.value
        #expect(starts.withLock { $0 } == ["flaky": 3, "one-shot": 1])
        #expect(stopped.withLock { $0 } == ["flaky"])
        #expect(clock.sleeps.count == 2)  // one backoff before each restart
    }
}
