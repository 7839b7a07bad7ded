import DevTools
import Foundation
import Simulators
import Testing
import TestSupport

@Suite("Webhook registration through each tool's API", .awaitsTeardown)
struct WebhookRegistrationTests {
    @Test("registering twice creates one webhook and then updates it; it reports active with the needed events", arguments: SimulatorServer.simulatedKinds)
    func idempotent(_ kind: String) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let registrar = try #require(fixture.adapter(kind).webhookRegistration)
        let simulated = try #require(fixture.simulators.devTools.first { $0.kind == kind })
        let url = "https://sync.example.com/webhooks/\(kind)"
        #expect(try await registrar.registeredWebhook(url: url) == nil)

        guard case .created(let id) = try await registrar.registerWebhook(WebhookTarget(url: url, secret: "first-secret")) else {
            Issue.record("the first registration did not create a webhook")
            return
        }
        let webhooksAfterCreate = simulated.registeredWebhookURLs
        #expect(try await registrar.registerWebhook(WebhookTarget(url: url, secret: "rotated-secret")) == .updated(id: id))
        #expect(simulated.registeredWebhookURLs == webhooksAfterCreate, "a second run must not add a webhook")
        // One webhook per tool (Azure DevOps: one subscription per event type), all to the URL.
        let expectedCount = kind == "azure-devops" ? registrar.neededWebhookEvents.count : 1
        #expect(Set(webhooksAfterCreate) == [url] && webhooksAfterCreate.count == expectedCount)

        let hook = try #require(try await registrar.registeredWebhook(url: url))
        #expect(hook.id == id && hook.active && hook.sendsNeededEvents)
        #expect(try await registrar.registeredWebhook(url: "https://elsewhere.example.com/webhooks/\(kind)") == nil)
    }

    /// Earlier: GitLab hooks asked for `issues_events` only, so confidential issues (`Confidential Issue Hook`, sent
    /// only with `confidential_issues_events`) never reported progress; GitHub's update sent `name`, which its update
    /// operation does not take (the simulated GitHub now refuses it, as the idempotent test above shows).
    @Test("GitLab's hook asks for confidential issues' events too")
    func gitlabConfidentialIssues() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let registrar = try #require(fixture.adapter("gitlab").webhookRegistration)
        let url = "https://sync.example.com/webhooks/gitlab"
        _ = try await registrar.registerWebhook(WebhookTarget(url: url, secret: "s"))
        #expect(registrar.neededWebhookEvents.contains("confidential_issues_events"))
        // The simulated GitLab shows `confidential_issues_events: true` only for a hook registered with it.
        #expect(try await registrar.registeredWebhook(url: url)?.sendsNeededEvents == true)
    }

    @Test("with boards read, GitHub's registration adds an organization hook for projects_v2_item; without it the webhook does not send all that is needed")
    func organizationHookForBoards() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let url = "https://sync.example.com/webhooks/github"
        // A repository hook alone (as registered before boards were read) lacks the board events.
        _ = try await fixture.github.registerWebhook(WebhookTarget(url: url, secret: "s"))
        let partial = try #require(try await fixture.githubWithBoards.registeredWebhook(url: url))
        #expect(!partial.sendsNeededEvents && fixture.githubWithBoards.neededWebhookEvents.contains("projects_v2_item"))
        guard case .created(let id) = try await fixture.githubWithBoards.registerWebhook(WebhookTarget(url: url, secret: "s")) else {
            Issue.record("the organization hook was not created")
            return
        }
        #expect(try await fixture.githubWithBoards.registerWebhook(WebhookTarget(url: url, secret: "s2")) == .updated(id: id))
        #expect(fixture.simulators.github.registeredWebhookURLs == [url, url], "one repository hook, one organization hook")
        let hook = try #require(try await fixture.githubWithBoards.registeredWebhook(url: url))
        #expect(hook.sendsNeededEvents && hook.active && hook.id == id && id.split(separator: ",").count == 2)
    }

    @Test("a registered simulated tool delivers to the registered URL, and GitHub's hook reports how the last delivery went")
    func deliversWhereRegistered() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        // The simulators' own server has no /hook route: the delivery is answered 404, and GitHub reports that.
        let url = fixture.simulators.baseURL.absoluteString + "/hook"
        _ = try await fixture.github.registerWebhook(WebhookTarget(url: url, secret: "s"))
        let delivery = try #require(await fixture.simulators.github.setState(number: 1, state: "closed", reason: "completed"))
        #expect(delivery.status == 404)
        let hook = try #require(try await fixture.github.registeredWebhook(url: url))
        #expect(hook.lastDelivery == .init(succeeded: false, detail: "404 HTTP 404"))
    }
}
