import Foundation
import TestSupport
import Testing

@Suite("The OpenAPI document", .timeLimit(.minutes(2)))
struct OpenAPITests {
    @Test("openapi/openapi.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator, installed by .ci/run)")
    func valid() async throws {
        let validator = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-m", "openapi_spec_validator", packageRoot().appendingPathComponent("openapi/openapi.yaml").path])
        defer { validator.kill() }
        let ended = await validator.waitForEnd(within: .seconds(60))
        try #require(ended, "openapi-spec-validator did not finish within 60 s:\n\(validator.outputTail())")
        #expect(validator.terminationStatus == 0, "\(validator.outputTail()) (pip install openapi-spec-validator)")
    }

    @Test("every route the service serves is in the document")
    func routesDocumented() throws {
        let document = try String(contentsOf: packageRoot().appendingPathComponent("openapi/openapi.yaml"), encoding: .utf8)
        for path in ["/healthz", "/readyz", "/metrics", "/webhooks/{instance}", "/api/v1/sync", "/api/v1/events/{id}/replay", "/api/v1/events/replay-dead",
                     "/api/v1/mappings", "/api/v1/mappings/{craftItemId}", "/api/v1/mappings/{craftItemId}/retry", "/api/v1/events", "/api/v1/events/{id}", "/api/v1/runs",
                     "/api/v1/runs/{id}", "/api/v1/status"] {
            #expect(document.contains("\n  \(path):"), "\(path) is not documented")
        }
    }
}
