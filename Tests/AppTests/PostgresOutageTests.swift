import Foundation
import Store
import Testing
import TestSupport
@testable import App

/// The service on PostgreSQL when the server goes away: the load balancer must learn it (/readyz) and a sender must
/// be told to retry (503), never be given a 202 for a delivery that is not durably stored.
@Suite("PostgreSQL going away", .timeLimit(.minutes(2)), .awaitsTeardown)
struct PostgresOutageTests {
    @Test("while PostgreSQL is down /readyz and webhooks answer 503; once it is back both recover and nothing acknowledged is lost")
    func outage() async throws {
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        // The test run's server goes on serving other tests; only this test's database goes away and comes back.
        let database = try await SharedPostgres.shared.freshSeparateDatabase()
        let fixture = try await ServiceFixture.start(database: database)
        Teardown.later { await fixture.stop() }
        let secret = fixture.simulators.credentials.webhookSecret
        let body = try fixtureBytes("github/issues_closed_completed.json")
        // GitHub signs the body only: the same body under a new delivery id is a replay, so the second delivery differs.
        let other = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "1299020697", with: "1299020698").utf8)

        #expect(try await fixture.get("/readyz").status == 200)
        #expect(try await fixture.postWebhook(body: body, secret: secret, delivery: "before").0 == 202)

        try await SharedPostgres.shared.refuseConnections(true, to: database)
        let down = try await fixture.get("/readyz")
        #expect(down.status == 503 && down.body.contains("not writable"), "\(down)")
        let refused = try await fixture.postWebhook(body: other, secret: secret, delivery: "during")
        #expect(refused.0 == 503, "\(refused)")

        try await SharedPostgres.shared.refuseConnections(false, to: database)
        // Each pooled session reconnects on its next use once its backoff (at most 5 s) has passed.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await fixture.get("/readyz").status != 200 {
            guard ContinuousClock.now < deadline else { Issue.record("not ready 30 s after PostgreSQL came back"); return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let retried = try await fixture.postWebhook(body: other, secret: secret, delivery: "during")
        #expect(retried.0 == 202, "the sender's retry is taken: \(retried)")
        let stored = try await fixture.app.store.events.list(EventFilter()).map(\.deliveryID).sorted()
        #expect(stored == ["before", "during"])
    }
}
