import Foundation
import Simulators
import Testing
import TestSupport

@Suite("The simulators' page numbers", .awaitsTeardown)
struct SimulatorPagingTests {
    @Test("a page or size near Int.max is an empty page or the largest one, never a crash")
    func hugeNumbers() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(3)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let base = fixture.simulators.baseURL.absoluteString
        let github = try await httpExchange(
            base + "/repos/acme/product/issues?state=all&page=9223372036854775807&per_page=100", bearer: GitHubSimulator.Account.token)
        #expect(github.status == 200 && github.text == "[]")
        let first = try await httpExchange(base + "/repos/acme/product/issues?state=all&per_page=9223372036854775807", bearer: GitHubSimulator.Account.token)
        #expect(((try JSONSerialization.jsonObject(with: first.body)) as? [Any])?.count == 3)
        let craft = try await httpExchange(
            base + "/workspace/\(fixture.workspace)/items?status=Ready%20for%20Development&limit=9223372036854775807&page=9223372036854775807",
            headers: ["x-api-key": fixture.simulators.credentials.craftAPIKey])
        #expect(craft.status == 200 && (craft.json["items"] as? [Any])?.isEmpty == true, "\(craft.status) \(craft.text.prefix(200))")
    }
}
