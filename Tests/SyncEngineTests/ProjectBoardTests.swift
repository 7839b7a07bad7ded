import DevTools
import Foundation
import OutboundHTTP
import Simulators
import Testing
import TestSupport

/// GitHub project boards as a source of status: what doctor checks before relying on them.
@Suite("GitHub project boards")
struct ProjectBoardTests {
    @Test("doctor's board check: passes for an organization whose boards the token reads; a user-owned repository fails with the fix; boards off, no check")
    func setupCheck() async throws {
        let fixture = try IntakeFixture()
        defer { Task { await fixture.simulators.shutdown() } }
        let passing = await fixture.githubWithBoards.setupChecks()
        #expect(passing.map(\.passed) == [true] && passing.first?.detail.contains("'Status' option is its status") == true, "\(passing)")
        #expect(await fixture.github.setupChecks().isEmpty)
        let userOwned = GitHubAdapter(
            baseURL: fixture.simulators.baseURL, owner: "octocat", repository: "hello", token: GitHubSimulator.Account.token,
            projectStatusField: "Status", http: URLSessionHTTPClient())
        let failing = await userOwned.setupChecks()
        #expect(failing.map(\.passed) == [false] && failing.first?.detail.contains("octocat is not an organization") == true, "\(failing)")
        #expect(failing.first?.fix?.contains("project_status_field") == true)
    }
}
