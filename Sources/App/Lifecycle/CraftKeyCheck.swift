import CraftAPI
import Foundation
import Logging
import Synchronization

/// The Craft.io key, checked at start and every few minutes: a key refused or missing a scope makes `/readyz` 503
/// with what to fix, and the status endpoint shows what was found. A Craft.io that cannot be reached is reported but
/// does not make the service unready (outages heal; a wrong key does not).
public final class CraftKeyCheck: Sendable {
    public struct Result: Sendable, Encodable, Equatable {
        public var checkedAt: Date
        /// Nil where the API form cannot tell (the guide's form only proves the key reads).
        public var scopes: [String]?
        public var missingScopes: [String]
        /// Set when the key is narrowed to other workspaces than the configured one.
        public var workspaceNotAllowed: String?
        public var error: String?
        /// Whether the key itself is the problem (refused, or missing a scope), rather than Craft.io being away.
        public var keyProblem: Bool
    }

    private let craft: any CraftClient
    private let workspaceID: String
    private let logger: Logger
    private let latest = Mutex<Result?>(nil)

    public init(craft: any CraftClient, workspaceID: String, logger: Logger) {
        self.craft = craft
        self.workspaceID = workspaceID
        self.logger = logger
    }

    public var result: Result? { latest.withLock { $0 } }

    /// Nil while nothing is wrong with the key (or it has not been checked yet); otherwise what to fix.
    public var readinessProblem: String? {
        guard let result, result.keyProblem else { return nil }
        if !result.missingScopes.isEmpty {
            return "the Craft.io API key lacks \(result.missingScopes.joined(separator: ", ")); create a key with these scopes and set craft.api_key"
        }
        if let workspace = result.workspaceNotAllowed {
            return "the Craft.io API key is narrowed to other workspaces than \(workspace); widen its resource scope or use another key"
        }
        return result.error ?? "the Craft.io API key was refused"
    }

    @discardableResult
    public func check(now: Date = .now) async -> Result {
        var result = Result(checkedAt: now, scopes: nil, missingScopes: [], workspaceNotAllowed: nil, error: nil, keyProblem: false)
        do {
            let probe = try await craft.probeKey(workspaceID: workspaceID)
            result.scopes = probe.scopes
            result.missingScopes = probe.missingScopes
            result.workspaceNotAllowed = probe.allows(workspaceID: workspaceID) ? nil : workspaceID
            result.keyProblem = !probe.missingScopes.isEmpty || result.workspaceNotAllowed != nil
        } catch {
            result.error = "\(error)"
            switch error {
            case .unauthorized, .forbidden: result.keyProblem = true
            default: result.keyProblem = false
            }
        }
        if result.keyProblem { logger.error("Craft.io API key problem", metadata: ["problem": "\(readinessProblem(of: result))"]) }
        latest.withLock { $0 = result }
        return result
    }

    /// Checks now, then every `interval` until cancelled.
    public func run(interval: Duration = .seconds(300)) async {
        while !Task.isCancelled {
            await check()
            try? await Task.sleep(for: interval)
        }
    }

    private func readinessProblem(of result: Result) -> String {
        result.missingScopes.isEmpty ? (result.error ?? "refused") : "missing scopes \(result.missingScopes.joined(separator: ", "))"
    }
}
