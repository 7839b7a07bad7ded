import Dispatch
import Foundation
import Testing
@testable import Store

/// With one connection the second read would wait for the first forever: the time limit makes that a failure.
@Suite("Reads side by side", .timeLimit(.minutes(1)))
struct ReaderPoolTests {
    @Test("a read held up on one connection does not hold up the next: it goes to another reader")
    func readsDoNotQueueBehindOne() async throws {
        let store = try await makeStore()
        _ = try await store.events.append(IncomingEvent(tool: "github", deliveryID: "d", eventType: "issues", receivedAt: t0, headers: [:], body: []))
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let slow = Task {
            try await store.read { connection in
                started.signal()
                release.wait()  // a long read, holding its connection
                return try connection.scalarInt("SELECT count(*) FROM events")
            }
        }
        await withCheckedContinuation { continuation in DispatchQueue.global().async { started.wait(); continuation.resume() } }
        // With one reader connection this would wait for the slow read, which waits for us: it would never return.
        #expect(try await store.read { try $0.scalarInt("SELECT count(*) FROM events") } == 1)
        release.signal()
        #expect(try await slow.value == 1)
    }
}
