import DevTools
import CraftAPI
import Foundation
import Logging
import Synchronization

/// The Craft.io key and fields, checked at start and every few minutes: a key refused or missing a scope, or a configured
/// field that does not exist, makes `/readyz` 503 with what to fix (instead of a dead letter per event), and the status
/// endpoint shows what was found. A status value that is none of a select field's options degrades that value only:
/// `/readyz` stays ready and names it (`warnings`), the other values keep being written, and an event that would
/// write it is a dead letter on its item's timeline, to replay once the option exists. A Craft.io that
/// cannot be reached is reported but does not make the service unready (outages heal; a wrong setting does not).
public final class CraftKeyCheck: Sendable {
    public struct Result: Sendable, Encodable, Equatable {
        public var checkedAt: Date
        /// Nil where the API form cannot tell (the guide's form only proves the key reads).
        public var scopes: [String]?
        public var missingScopes: [String]
        /// Set when the key is narrowed to other workspaces than the configured one.
        public var workspaceNotAllowed: String?
        /// Configured fields missing from the workspace.
        public var fieldProblems: [String]
        /// Progress values no option of the select progress field matches, with what to do (empty when all match).
        public var unwritableValues: [String] = []
        public var error: String?
        /// Whether the key itself is the problem (refused, or missing a scope), rather than Craft.io being away.
        public var keyProblem: Bool
    }

    private let craft: any CraftClient
    private let workspaceID: String
    private let progressField: String?
    private let progressValues: Set<String>
    private let linkField: String?
    /// The `progress.fields` fields, by signal.
    private let signalFields: [DevSignal: String]
    private let logger: Logger
    private let latest = Mutex<Result?>(nil)

    public init(
        craft: any CraftClient, workspaceID: String, progressField: String? = nil, progressValues: Set<String> = [], linkField: String? = nil,
        signalFields: [DevSignal: String] = [:], logger: Logger
    ) {
        self.signalFields = signalFields
        self.craft = craft
        self.workspaceID = workspaceID
        self.progressField = progressField
        self.progressValues = progressValues
        self.linkField = linkField
        self.logger = logger
    }

    public var result: Result? { latest.withLock { $0 } }

    /// Nil while nothing is wrong with the key (or it has not been checked yet); otherwise what to fix.
    public var readinessProblem: String? { result.flatMap(Self.problem(of:)) }

    /// What works only in part: progress values the select field has no option for.
    public var readinessWarning: String? {
        guard let result, !result.unwritableValues.isEmpty else { return nil }
        return "unwritable value: " + result.unwritableValues.joined(separator: "; ")
    }

    static func problem(of result: Result) -> String? {
        guard result.keyProblem else { return nil }
        if !result.missingScopes.isEmpty {
            return "the Craft.io API key lacks \(result.missingScopes.joined(separator: ", ")); create a key with these scopes and set craft.api_key"
        }
        if let workspace = result.workspaceNotAllowed {
            return "the Craft.io API key is narrowed to other workspaces than \(workspace); widen its resource scope or use another key"
        }
        if !result.fieldProblems.isEmpty { return result.fieldProblems.joined(separator: "; ") }
        return result.error ?? "the Craft.io API key was refused"
    }

    @discardableResult
    public func check(now: Date = .now) async -> Result {
        var result = Result(checkedAt: now, scopes: nil, missingScopes: [], workspaceNotAllowed: nil, fieldProblems: [], error: nil, keyProblem: false)
        do {
            let probe = try await craft.probeKey(workspaceID: workspaceID)
            result.scopes = probe.scopes
            result.missingScopes = probe.missingScopes
            result.workspaceNotAllowed = probe.allows(workspaceID: workspaceID) ? nil : workspaceID
            if let fields = try await craft.fieldDefinitions(workspaceID: workspaceID) {
                result.fieldProblems = problems(in: fields)
                result.unwritableValues = unwritableValues(in: fields)
            }
            result.keyProblem = !probe.missingScopes.isEmpty || result.workspaceNotAllowed != nil || !result.fieldProblems.isEmpty
        } catch {
            result.error = "\(error)"
            switch error {
            case .unauthorized, .forbidden: result.keyProblem = true
            default: result.keyProblem = false
            }
        }
        if let problem = Self.problem(of: result) { logger.error("Craft.io is not usable as configured", metadata: ["problem": "\(problem)"]) }
        for value in result.unwritableValues { logger.warning("a progress value cannot be written; the others are", metadata: ["problem": "\(value)"]) }
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

    /// What is wrong with the configured fields, in words that name the setting.
    func problems(in fields: [CraftCustomField]) -> [String] {
        var problems: [String] = []
        let known = fields.map(\.name).sorted().joined(separator: ", ")
        func find(_ name: String) -> CraftCustomField? { fields.first { $0.name == name || $0.id == name } }
        if let linkField, find(linkField) == nil {
            problems.append("craft.link_field '\(linkField)' is not a custom field of workspace \(workspaceID) (it has: \(known))")
        }
        if let progressField, find(progressField) == nil {
            problems.append("craft.progress_field '\(progressField)' is not a custom field of workspace \(workspaceID) (it has: \(known))")
        }
        for (signal, field) in signalFields.sorted(by: { $0.key < $1.key }) where find(field) == nil {
            problems.append("progress.fields \(signal.rawValue) '\(field)' is not a custom field of workspace \(workspaceID) (it has: \(known))")
        }
        return problems
    }

    /// The progress values a select progress field has no option for, each with what to do.
    func unwritableValues(in fields: [CraftCustomField]) -> [String] {
        guard let progressField, let field = fields.first(where: { $0.name == progressField || $0.id == progressField }), field.isSelect else { return [] }
        let options = (field.options ?? []).map(\.label).joined(separator: ", ")
        return progressValues.filter { field.option(for: $0) == nil }.sorted().map {
            "'\($0)' (progress.status_map) is no option of the select field '\(field.name)' (it has: \(options)); add the option or map the status elsewhere"
        }
    }
}
