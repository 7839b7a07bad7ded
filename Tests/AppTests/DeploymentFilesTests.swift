import Foundation
import Testing
import TestSupport
@testable import App

/// The compose file and the Kubernetes manifests are configuration too: a misspelt variable there is a setting
/// silently not set, and a manifest the API server refuses is a deployment that never happens.
@Suite("Deployment files", .timeLimit(.minutes(2)))
struct DeploymentFilesTests {
    static let files = ["Docker/compose.yaml"] + ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot().appendingPathComponent("Docker/kubernetes").path)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted().map { "Docker/kubernetes/\($0)" }

    @Test("every CRAFT_SYNC_ variable they set is a setting (or its _FILE), so none is ignored")
    func variablesAreSettings() throws {
        let known = Set(Setting.all.flatMap { [$0.environmentVariable, $0.environmentVariable + "_FILE"] } + ["CRAFT_SYNC_CONFIG"])
        #expect(Self.files.count >= 5, "\(Self.files)")
        for file in Self.files {
            let text = try String(contentsOf: packageRoot().appendingPathComponent(file), encoding: .utf8)
            let names = text.matches(of: /CRAFT_SYNC_[A-Z0-9_]+/).map { String($0.output) }
            for name in Set(names) { #expect(known.contains(name), "\(file) sets \(name), which no setting reads") }
        }
    }

    @Test("the Kubernetes manifests validate against the Kubernetes schemas (kubernetes-validate --strict, offline)")
    func kubernetesSchemas() async throws {
        let manifests = Self.files.filter { $0.hasPrefix("Docker/kubernetes/") }.map { packageRoot().appendingPathComponent($0).path }
        let validator = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-m", "kubernetes_validate", "--strict"] + manifests)
        guard await validator.waitForEnd(within: .seconds(60)) else { Issue.record("kubernetes-validate did not finish"); return }
        if validator.outputTail().contains("No module named kubernetes_validate") {
            try Test.cancel("kubernetes-validate is not installed (pip install kubernetes-validate; .ci/run does)")
        }
        #expect(validator.terminationStatus == 0, "\(validator.outputTail())")
        #expect(validator.outputLines.filter { $0.contains("passed") }.count == manifests.count, "\(validator.outputTail())")
    }
}
