import DevTools
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OutboundHTTP
import Simulators
import Testing
import TestSupport

@Suite("GitHub and Jira adapters against the simulators", .awaitsTeardown)
struct DevToolAdapterTests {
    @Test("GitHub: an issue is created with the marker label and found again by it")
    func githubCreateAndFind() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let created = try await fixture.github.create(fixture.newIssue(fixture.github))
        #expect(created.key == "acme/product#1")
        #expect(created.url == "https://github.com/acme/product/issues/1")
        #expect(created.status == DevIssueStatus(name: "open", detail: nil))
        #expect(fixture.simulators.github.issues.first?.labels == ["from-craft", "Story", "craft:42"])

        #expect(try await fixture.github.find(marker: "craft:42") == created)
        #expect(try await fixture.github.find(marker: "craft:43") == nil)

        await fixture.simulators.github.setState(number: 1, state: "closed", reason: "not_planned")
        let current = try await fixture.github.issue(DevIssueReference(id: created.id, key: created.key))
        #expect(current.status == DevIssueStatus(name: "closed", detail: "not_planned"))
    }

    @Test("Jira: the description is an ADF document, the issue is found by label and read by its stable id")
    func jiraCreateAndFind() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let created = try await fixture.jira.create(fixture.newIssue(fixture.jira))
        #expect(created.key == "ACME-1")
        #expect(created.url.hasSuffix("/browse/ACME-1"))
        let stored = try #require(fixture.simulators.jira.issues.first)
        #expect(stored.labels == ["from-craft", "craft-42"])
        #expect(stored.issueType == "Story")
        let document = try JSONDecoder().decode(ADFNode.self, from: Data(stored.description.utf8))
        #expect(document.content?.map(\.type) == ["paragraph", "bulletList", "paragraph"])
        #expect(document.content?[1].content?.count == 2)
        let link = document.content?[2].content?.first { $0.marks != nil }
        #expect(link?.marks?.first?.attrs?["href"] == "https://app.craft.io/item/42")

        #expect(try await fixture.jira.find(marker: "craft-42")?.id == created.id)
        await fixture.simulators.jira.setStatus(id: created.id, name: "In Review", category: "indeterminate")
        let current = try await fixture.jira.issue(DevIssueReference(id: created.id, key: "OLD-7"))
        #expect(current.status == DevIssueStatus(name: "In Review", detail: "indeterminate"))
        #expect(current.key == "ACME-1")
    }

    @Test("a create whose answer is lost to a reset is not retried blindly, and the marker finds it", arguments: ["github", "jira"])
    func resetAfterCreate(_ tool: String) async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let adapter: any DevTool = tool == "github" ? fixture.github : fixture.jira
        fixture.simulators.faults.set(.init(target: tool, resetAfterCreate: 1))
        let error = await #expect(throws: DevToolError.self) { _ = try await adapter.create(fixture.newIssue(adapter)) }
        guard case .unreachable(_, .transport) = error else { Issue.record("got \(String(describing: error))"); return }
        let issues = tool == "github" ? fixture.simulators.github.issues : fixture.simulators.jira.issues
        #expect(issues.count == 1)  // created once, not again by a retry
        #expect(try await adapter.find(marker: adapter.marker(for: "42")) != nil)
    }

    @Test("GitHub's primary rate limit waits until x-ratelimit-reset")
    func githubPrimaryLimit() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let reset = Int(fixture.clock.now().timeIntervalSince1970) + 42
        fixture.simulators.faults.set(.init(
            target: "github", failNext: 1, status: 403, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset)]))
        _ = try await fixture.github.find(marker: "craft:1")
        #expect(fixture.clock.sleeps == [.seconds(42)])
    }

    @Test("GitHub's secondary limits on reads honour retry-after, else wait 60 s; a plain 403 is not retried")
    func githubSecondaryLimit() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.faults.set(.init(target: "github", failNext: 1, status: 429, retryAfter: "9"))
        _ = try await fixture.github.find(marker: "craft:1")
        fixture.simulators.faults.set(.init(target: "github", failNext: 1, status: 429))
        _ = try await fixture.github.find(marker: "craft:2")
        #expect(fixture.clock.sleeps == [.seconds(9), .seconds(60)])

        fixture.simulators.faults.set(.init(target: "github", failNext: 1, status: 403))
        let error = await #expect(throws: DevToolError.self) { _ = try await fixture.github.find(marker: "craft:1") }
        guard case .forbidden = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(fixture.clock.sleeps.count == 2)
    }

    /// The HTTP layer never waits out a create's rate limit: the intake engine must renew its claim before the next
    /// attempt, so the wait comes back to it as an error that carries the tool's requested delay.
    @Test("a rate-limited create is not retried in the HTTP layer; the error carries the wait", arguments: ["github", "jira"])
    func throttledCreateReturned(_ tool: String) async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.faults.set(.init(target: tool, failNext: 1, status: 429, retryAfter: "7"))
        let adapter: any DevTool = tool == "github" ? fixture.github : fixture.jira
        let error = await #expect(throws: DevToolError.self) { _ = try await adapter.create(fixture.newIssue(adapter, item: "1")) }
        #expect(error?.retryAfter == .seconds(7))
        #expect(error?.isTransient == true && error?.outcomeUnknown == false)
        #expect(fixture.clock.sleeps.isEmpty)
        let path = tool == "github" ? "github POST /repos/:owner/:repo/issues" : "jira POST /rest/api/3/issue"
        #expect(fixture.simulators.calls.count(path) == 1)
    }

    @Test("Jira's 429 on a read waits for Retry-After; its 5xx on a read backs off")
    func jiraLimits() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.faults.set(.init(target: "jira", failNext: 1, status: 429, retryAfter: "5"))
        _ = try await fixture.jira.find(marker: "craft-41")
        fixture.simulators.faults.set(.init(target: "jira", failNext: 2, status: 500))
        _ = try await fixture.jira.find(marker: "craft-42")
        #expect(fixture.clock.sleeps == [.seconds(5), .milliseconds(500), .seconds(1)])
    }

    @Test("a 5xx answer to a create is returned, not retried: its outcome is unknown")
    func createNotRetriedOn5xx() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.faults.set(.init(target: "jira", failNext: 1, status: 502))
        let error = await #expect(throws: DevToolError.self) { _ = try await fixture.jira.create(fixture.newIssue(fixture.jira)) }
        #expect(error?.isTransient == true)
        #expect(fixture.simulators.calls.count("jira POST /rest/api/3/issue") == 1)
    }

    /// The simulator reads the description as generic JSON, not through the adapter's ADF types, so this holds the
    /// adapter's document to Jira's rule (`type: doc`, `version: 1`) independently.
    @Test("the Jira adapter's description is an Atlassian Document to the simulator; a plain string is refused")
    func jiraDescriptionIsADocument() async throws {
        let fixture = try DevToolFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let created = try await fixture.jira.create(fixture.newIssue(fixture.jira))
        let stored = try #require(fixture.simulators.jira.issues.first { $0.id == created.id })
        let document = try #require(try JSONSerialization.jsonObject(with: Data(stored.description.utf8)) as? [String: Any])
        #expect(document["type"] as? String == "doc" && document["version"] as? Int == 1)
        #expect(stored.description.contains("second step"))

        var request = URLRequest(url: fixture.simulators.baseURL.appendingPathComponent("rest/api/3/issue"))
        request.httpMethod = "POST"
        request.setValue("Basic " + Data("\(JiraSimulator.Account.email):\(JiraSimulator.Account.apiToken)".utf8).base64EncodedString(),
            forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"fields":{"project":{"key":"ACME"},"issuetype":{"name":"Story"},"summary":"x","description":"plain"}}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 400)
    }

    @Test("wrong tokens are refused and never appear in the errors")
    func wrongTokens() async throws {
        let fixture = try DevToolFixture(githubToken: "ghp_secret_token_1", jiraToken: "jira_secret_token_2")
        Teardown.later { await fixture.simulators.shutdown() }
        let githubError = await #expect(throws: DevToolError.self) { _ = try await fixture.github.find(marker: "craft:1") }
        let jiraError = await #expect(throws: DevToolError.self) { _ = try await fixture.jira.find(marker: "craft-1") }
        for error in [githubError, jiraError] {
            guard case .unauthorized = error else { Issue.record("got \(String(describing: error))"); continue }
            let text = "\(String(describing: error)) \(String(reflecting: error))"
            #expect(!text.contains("ghp_secret_token_1") && !text.contains("jira_secret_token_2"))
            #expect(!text.contains(Data("sync@acme.example:jira_secret_token_2".utf8).base64EncodedString()))
        }
        // The tool's own words, read out of its error body (not the raw JSON).
        let githubText = String(describing: githubError)
        #expect(githubText.contains("Bad credentials") && !githubText.contains("documentation_url"), "\(githubText)")
    }
}

@Suite("Webhook signatures", .awaitsTeardown)
struct WebhookSignatureTests {
    @Test("HMAC-SHA256 matches RFC 4231 test case 2 and GitHub's documented example")
    func knownVectors() {
        #expect(WebhookSignature.hmacSHA256Hex(secret: "Jefe", body: Array("what do ya want for nothing?".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(WebhookSignature.hmacSHA256Hex(secret: "It's a Secret to Everybody", body: Array("Hello, World!".utf8))
            == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test("a fixture payload verifies byte for byte with either of two secrets, and fails when a byte changes")
    func verifyFixture() throws {
        let body = try fixtureBytes("github/issues_closed_completed.json")
        let signature = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: "new-secret", body: body)
        let adapter = GitHubAdapter(baseURL: URL(string: "https://api.github.com")!, owner: "o", repository: "r", token: "t", http: URLSessionHTTPClient())
        #expect(adapter.verifyWebhook(headers: ["x-hub-signature-256": signature], body: body, secrets: ["old-secret", "new-secret"]))
        #expect(!adapter.verifyWebhook(headers: ["x-hub-signature-256": signature], body: body, secrets: ["old-secret"]))
        var tampered = body
        tampered[tampered.count / 2] ^= 0x01
        #expect(!adapter.verifyWebhook(headers: ["x-hub-signature-256": signature], body: tampered, secrets: ["new-secret"]))
        #expect(!adapter.verifyWebhook(headers: [:], body: body, secrets: ["new-secret"]))
    }
}
