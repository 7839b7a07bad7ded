@testable import CraftAPI
import Foundation
import OutboundHTTP
import Simulators
import Testing
import TestSupport

@Suite("The Craft.io client against the simulator", .awaitsTeardown)
struct CraftClientTests {
    @Test("both forms list the items in a status and read one", arguments: CraftDialect.allCases)
    func listAndGet(_ dialect: CraftDialect) async throws {
        let fixture = try CraftFixture(dialect: dialect)
        Teardown.later { await fixture.simulators.shutdown() }
        let ready = fixture.seed("Onboarding checklist")
        fixture.seed("Still refining", status: "In Refinement")
        fixture.seed("Dark mode")

        let items = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(items.map(\.title) == ["Onboarding checklist", "Dark mode"])
        let one = try await fixture.client.item(workspaceID: CraftFixture.workspace, itemID: ready.id)
        // Field by field: the client's `CraftItem` and the simulator's item spell the wire names independently.
        #expect(one.id == ready.id && one.title == ready.title && one.workspaceId == ready.workspaceId && one.shortId == ready.shortId)
        #expect(one.type == ready.type && one.description == ready.description && one.labels == ready.labels)
        #expect(one.status?.id == ready.status.id && one.status?.name == "Ready for Development")
        #expect(one.webUrl == ready.webUrl && one.creationTime == ready.creationTime && one.updateTime == ready.updateTime)
    }

    @Test("both forms set the progress field; the openapi form resolves the name to its id once", arguments: CraftDialect.allCases)
    func setField(_ dialect: CraftDialect) async throws {
        let fixture = try CraftFixture(dialect: dialect)
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.seed("Onboarding checklist")
        try await fixture.client.setField(workspaceID: CraftFixture.workspace, itemID: item.id, field: "dev_status", value: "In Progress")
        try await fixture.client.setField(workspaceID: CraftFixture.workspace, itemID: item.id, field: "dev_status", value: "Done")

        #expect(fixture.simulators.craft.updates.map(\.value) == ["In Progress", "Done"])
        #expect(fixture.simulators.craft.updates.allSatisfy { $0.fieldId == "2305843010172190992" && $0.dialect == dialect.rawValue })
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "Done")
        let lookups = fixture.simulators.calls.count("craft GET /workspace/:id/custom_fields")
        #expect(lookups == (dialect == .openapi ? 1 : 0))
    }

    @Test("the openapi form reads every page")
    func paging() async throws {
        let fixture = try CraftFixture(dialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        for index in 0..<120 { fixture.seed("Item \(index)") }
        let items = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(items.count == 120)
        #expect(Set(items.map(\.id)).count == 120)
        #expect(fixture.simulators.calls.count("craft GET /workspace/:id/items") == 3)
    }

    @Test("an unknown field name says which fields exist")
    func unknownField() async throws {
        let fixture = try CraftFixture(dialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.seed("x")
        let error = await #expect(throws: CraftError.self) {
            try await fixture.client.setField(workspaceID: CraftFixture.workspace, itemID: item.id, field: "progress", value: "Done")
        }
        #expect(error?.description.contains("no custom field named 'progress'") == true)
        #expect(error?.description.contains("dev_status") == true)
    }
}

@Suite("Craft.io faults: retries, waits and errors", .awaitsTeardown)
struct CraftFaultTests {
    @Test("5xx is retried with full-jitter backoff until it succeeds")
    func serverErrorsRetried() async throws {
        let fixture = try CraftFixture(dialect: .guide)
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed("x")
        fixture.simulators.faults.set(.init(target: "craft", failNext: 3, status: 502))
        let items = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(items.count == 1)
        #expect(fixture.simulators.calls.count("craft GET /workspace/:id/items") == 4)
        // base 1 s doubling, times the injected 0.5
        #expect(fixture.clock.sleeps == [.milliseconds(500), .seconds(1), .seconds(2)])
    }

    @Test("429 and 503 wait as long as Retry-After says, in seconds or as an HTTP date")
    func retryAfter() async throws {
        let fixture = try CraftFixture(dialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed("x")
        fixture.simulators.faults.set(.init(target: "craft", failNext: 1, status: 429, retryAfter: "7"))
        _ = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(fixture.clock.sleeps == [.seconds(7)])

        let date = fixture.clock.now().addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        fixture.simulators.faults.set(.init(target: "craft", failNext: 1, status: 503, retryAfter: formatter.string(from: date)))
        _ = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(fixture.clock.sleeps == [.seconds(7), .seconds(30)])
    }

    @Test("retries stop after the configured attempts and the error says so")
    func exhausted() async throws {
        let fixture = try CraftFixture(dialect: .guide, maxAttempts: 3)
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.faults.set(.init(target: "craft", failNext: 10, status: 500))
        let error = await #expect(throws: CraftError.self) {
            _ = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        }
        #expect(error == .unreachable(.exhausted(operation: "Craft.io: list items in 'Ready for Development'", attempts: 3, last: "HTTP 500")))
        #expect(error?.isTransient == true)
        #expect(fixture.clock.sleeps.count == 2)
    }

    @Test("401, 403 and 404 are not retried and say what to fix", arguments: [(401, "craft.api_key"), (403, "write:items:craft"), (404, "craft.workspace_id")])
    func clientErrors(_ status: Int, _ hint: String) async throws {
        let fixture = try CraftFixture(dialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.faults.set(.init(target: "craft", failNext: 1, status: status))
        let error = await #expect(throws: CraftError.self) {
            _ = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        }
        #expect(error?.description.contains(hint) == true)
        #expect(error?.isTransient == false)
        #expect(fixture.clock.sleeps.isEmpty)
        #expect(fixture.simulators.calls.count("craft GET /workspace/:id/items") == 1)
    }

    @Test("a wrong key is refused by the simulator, and the key never appears in the error")
    func wrongKey() async throws {
        let fixture = try CraftFixture(dialect: .guide, apiKey: "ck_live_very_secret_value")
        Teardown.later { await fixture.simulators.shutdown() }
        let error = await #expect(throws: CraftError.self) {
            _ = try await fixture.client.items(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        }
        guard case .unauthorized = error else { Issue.record("expected unauthorized, got \(String(describing: error))"); return }
        #expect(error?.description.contains("ck_live_very_secret_value") == false)
        #expect(String(reflecting: error).contains("ck_live_very_secret_value") == false)
    }

    @Test("injected latency beyond the request timeout counts as a failed attempt and is retried")
    func latency() async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        // libcurl counts timeouts in whole seconds, so the smallest honest timeout here is one second.
        simulators.faults.set(.init(target: "craft", latencyMs: 1500))
        let clock = TestClock()
        let http = RetryingHTTPClient(
            inner: URLSessionHTTPClient(requestTimeout: 1), policy: RetryPolicy(maxAttempts: 2, baseDelay: .seconds(1), random: { 0.5 }), clock: clock)
        let client = CraftClients.make(dialect: .guide, baseURL: simulators.baseURL, apiKey: "sim-craft-key", http: http)
        let error = await #expect(throws: CraftError.self) {
            _ = try await client.items(workspaceID: "w", status: "Ready", updatedFrom: nil)
        }
        guard case .unreachable(.exhausted(_, let attempts, let last)) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(attempts == 2)
        #expect(last.contains("-1001"))  // NSURLErrorTimedOut
        #expect(clock.sleeps == [.milliseconds(500)])
    }

    @Test("an unreachable Craft.io is retried, then reported without the key")
    func unreachable() async throws {
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(1), random: { 0.5 })
        let clock = TestClock()
        let http = RetryingHTTPClient(inner: URLSessionHTTPClient(requestTimeout: 2), policy: policy, clock: clock)
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let client = CraftClients.make(dialect: .guide, baseURL: URL(string: "http://127.0.0.1:1")!, apiKey: "ck_secret_123", http: http)
        let error = await #expect(throws: CraftError.self) {
            _ = try await client.items(workspaceID: "w", status: "Ready", updatedFrom: nil)
        }
        guard case .unreachable(.exhausted(_, let attempts, _)) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(attempts == 2)
        #expect(clock.sleeps == [.milliseconds(500)])
        #expect(error?.description.contains("ck_secret_123") == false)
    }
}

@Suite("The Craft.io key is probed before real work", .awaitsTeardown)
struct CraftKeyProbeTests {
    @Test("the published form reads the key's scopes and names the ones missing")
    func openapiScopes() async throws {
        let fixture = try CraftFixture(dialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        #expect(try await fixture.client.probeKey(workspaceID: CraftFixture.workspace).missingScopes.isEmpty)
        fixture.simulators.craft.setScopes(["read:items:craft"])
        let probe = try await fixture.client.probeKey(workspaceID: CraftFixture.workspace)
        #expect(probe.scopes == ["read:items:craft"])
        #expect(probe.missingScopes == ["write:items:craft"])

        fixture.simulators.craft.setKeyWorkspaces(["ws-other"])
        let narrowed = try await fixture.client.probeKey(workspaceID: CraftFixture.workspace)
        #expect(!narrowed.allows(workspaceID: CraftFixture.workspace) && narrowed.allows(workspaceID: "ws-other"))
    }

    @Test("the guide's form proves the key with a cheap list call; a wrong key is refused", arguments: [CraftDialect.guide, .openapi])
    func wrongKey(_ dialect: CraftDialect) async throws {
        let good = try CraftFixture(dialect: dialect)
        Teardown.later { await good.simulators.shutdown() }
        #expect(try await good.client.probeKey(workspaceID: CraftFixture.workspace).missingScopes.isEmpty)
        let bad = try CraftFixture(dialect: dialect, apiKey: "wrong-key")
        Teardown.later { await bad.simulators.shutdown() }
        let error = await #expect(throws: CraftError.self) { _ = try await bad.client.probeKey(workspaceID: CraftFixture.workspace) }
        guard case .unauthorized = error else { Issue.record("got \(String(describing: error))"); return }
    }
}

@Suite("Writes are typed by the field", .awaitsTeardown)
struct TypedFieldWriteTests {
    /// Today: a progress value was written as raw text into a select field, which Craft.io refuses.
    @Test("progress into a select field lands as its option, in both forms", arguments: [CraftDialect.guide, .openapi])
    func selectField(_ dialect: CraftDialect) async throws {
        let fixture = try CraftFixture(dialect: dialect)
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.seed("Checkout")
        fixture.simulators.craft.makeSelect(field: "dev_status", options: ["To Do", "In Progress", "Done"])
        try await fixture.client.setField(workspaceID: CraftFixture.workspace, itemID: item.id, field: "dev_status", value: "done")
        let stored = try #require(fixture.simulators.craft.items.first { $0.id == item.id }?.customFields.first { $0.name == "dev_status" })
        #expect(stored.value == "opt-3" && stored.label == "Done")
    }

    @Test("a value that is none of a select field's options is refused before it is sent, naming the options")
    func notAnOption() async throws {
        let fixture = try CraftFixture(dialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.seed("Checkout")
        fixture.simulators.craft.makeSelect(field: "dev_status", options: ["To Do", "Done"])
        let error = await #expect(throws: CraftError.self) {
            try await fixture.client.setField(workspaceID: CraftFixture.workspace, itemID: item.id, field: "dev_status", value: "Won't Do")
        }
        #expect(error?.description.contains("To Do, Done") == true)
        #expect(error?.isTransient == false)
        #expect(fixture.simulators.craft.updates.isEmpty)
    }
}

@Suite("The guide's list is followed wherever it pages", .awaitsTeardown)
struct GuidePagingTests {
    /// Today: the guide's list was read once; items past a first page were never seen, and nothing said so.
    @Test("Link next-page hints and published-style metadata are followed to the last page", arguments: [
        CraftSimulator.GuidePaging.link(pageSize: 4), .metadata(pageSize: 4),
    ])
    func followsPages(_ paging: CraftSimulator.GuidePaging) async throws {
        let fixture = try CraftFixture(dialect: .guide)
        Teardown.later { await fixture.simulators.shutdown() }
        for index in 0..<10 { fixture.seed("Item \(index)") }
        fixture.simulators.craft.setGuidePaging(paging)
        let listing = try await fixture.client.listing(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(listing.items.count == 10)
        #expect(Set(listing.items.map(\.id)).count == 10)
        #expect(listing.possiblyTruncated == nil)
    }

    @Test("a page exactly a common page size long, with no hint of more, is flagged as possibly cut short")
    func silentPaging() async throws {
        let fixture = try CraftFixture(dialect: .guide)
        Teardown.later { await fixture.simulators.shutdown() }
        for index in 0..<60 { fixture.seed("Item \(index)") }
        fixture.simulators.craft.setGuidePaging(.silent(pageSize: 50))
        let listing = try await fixture.client.listing(workspaceID: CraftFixture.workspace, status: "Ready for Development", updatedFrom: nil)
        #expect(listing.items.count == 50)
        #expect(listing.possiblyTruncated?.contains("craft.dialect: openapi") == true)
    }

    @Test("a next-page link to another host is not followed: the key would go with it")
    func foreignNextLink() throws {
        let transport = CraftTransport(baseURL: URL(string: "https://api.craft.io")!, apiKey: "k", dialect: .guide, http: URLSessionHTTPClient())
        #expect(transport.nextLink(#"<https://api.craft.io/workspace/w/items?page=2>; rel="next""#)?.absoluteString == "https://api.craft.io/workspace/w/items?page=2")
        #expect(transport.nextLink(#"</workspace/w/items?page=2>; rel="next""#)?.host == "api.craft.io")
        #expect(transport.nextLink(#"<https://evil.example/steal>; rel="next""#) == nil)
        #expect(transport.nextLink(#"<https://api.craft.io/x>; rel="prev""#) == nil)
    }
}
