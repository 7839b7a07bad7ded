import Foundation
import SyncEngine
import Yams

/// Builds a `Configuration` from defaults, a YAML file, environment variables and command-line flags,
/// in that order of precedence (the later wins). Unknown keys and bad values are refused with where they
/// came from, so a typo cannot silently leave a default in place.
public enum ConfigurationLoader {
    public struct Result: Sendable {
        public var configuration: Configuration
        /// Things worth a log line that do not stop the start (unknown `CRAFT_SYNC_*` variables).
        public var warnings: [String]
    }

    /// The environment variable that names the configuration file when `--config` is not given.
    public static let configFileVariable = "CRAFT_SYNC_CONFIG"

    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [(key: String, flag: String, value: String)] = []
    ) throws(ConfigurationError) -> Result {
        var configuration = Configuration()
        var warnings: [String] = []
        if let path = file ?? environment[configFileVariable] {
            try applyFile(path, to: &configuration)
        }
        let known = Set(Setting.all.map(\.environmentVariable) + [configFileVariable])
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("CRAFT_SYNC_") {
            // `CRAFT_SYNC_ADMIN_TOKEN_FILE=/run/secrets/admin`: a secret read from a file (a mounted secret), so it
            // need not sit in the environment or on a command line.
            if name.hasSuffix("_FILE"), let setting = Setting.all.first(where: { $0.isSecret && $0.environmentVariable + "_FILE" == name }) {
                let source = "environment variable \(name)"
                guard let contents = try? String(contentsOfFile: value, encoding: .utf8) else {
                    throw ConfigurationError(source: source, line: nil, message: "cannot read the secret file \(value)")
                }
                // A file written by `echo` or an editor ends with a newline that is not part of the secret.
                var secret = Substring(contents)
                while let last = secret.last, last.isNewline { secret = secret.dropLast() }
                try apply(setting, String(secret), to: &configuration, source: source + " (\(value))", line: nil)
                continue
            }
            guard let setting = Setting.all.first(where: { $0.environmentVariable == name }) else {
                if !known.contains(name) { warnings.append("unknown environment variable \(name) is ignored") }
                continue
            }
            try apply(setting, value, to: &configuration, source: "environment variable \(name)", line: nil)
        }
        for override in overrides {
            guard let setting = Setting.byKey[override.key] else { continue }
            try apply(setting, override.value, to: &configuration, source: override.flag, line: nil)
        }
        if let conflict = configuration.conflictingInstances {
            throw ConfigurationError(source: file ?? environment[configFileVariable] ?? "configuration", line: nil, message: conflict)
        }
        let instances = Set(configuration.syncTargets.map(\.devTool.instanceName))
        if let stray = configuration.routing.first(where: { !instances.contains($0.instance) }) {
            throw ConfigurationError(
                source: file ?? environment[configFileVariable] ?? "configuration", line: nil,
                message: "routing sends items to '\(stray.instance)', which no workspace configures (dev-tool instances: \(instances.sorted().joined(separator: ", ")))")
        }
        if let refusal = configuration.unreadSignals {
            throw ConfigurationError(source: file ?? environment[configFileVariable] ?? "configuration", line: nil, message: refusal)
        }
        if configuration.notify.webhookURL != nil && configuration.notify.webhookSecret == nil {
            throw ConfigurationError(
                source: file ?? environment[configFileVariable] ?? "configuration", line: nil,
                message: "notify.webhook_url needs notify.webhook_secret: its deliveries are signed so the receiver can tell they are craft-sync's")
        }
        if configuration.registerWebhooksAtStart && configuration.publicURL == nil {
            throw ConfigurationError(
                source: file ?? environment[configFileVariable] ?? "configuration", line: nil,
                message: "webhooks.register_at_start needs public_url: the address the dev tools reach craft-sync at")
        }
        return Result(configuration: configuration, warnings: warnings)
    }

    static func applyFile(_ path: String, to configuration: inout Configuration) throws(ConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(source: path, line: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        try applyYAML(text, source: path, to: &configuration)
    }

    /// Applies a YAML document (the configuration file's form) over `configuration`; `source` names it in errors.
    public static func applyYAML(_ text: String, source: String, to configuration: inout Configuration) throws(ConfigurationError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(source: source, line: error.line, message: "not valid YAML: \(error.problem)")
        } catch {
            throw ConfigurationError(source: source, line: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { return }  // an empty file sets nothing
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError(source: source, line: root.mark?.line, message: "expected a mapping of settings at the top level")
        }
        try walk(mapping, prefix: "", source: source, into: &configuration)
    }

    private static func walk(
        _ mapping: Node.Mapping, prefix: String, source: String, into configuration: inout Configuration
    ) throws(ConfigurationError) {
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigurationError(source: source, line: keyNode.mark?.line, message: "keys must be plain names")
            }
            let key = prefix + keyScalar.string
            switch valueNode {
            case .mapping(let nested) where Setting.byKey[key]?.isTable == true:
                var pairs: [String] = []
                for (nestedKey, nestedValue) in nested {
                    guard case .scalar(let name) = nestedKey, case .scalar(let value) = nestedValue else {
                        throw ConfigurationError(source: source, line: nestedKey.mark?.line, message: "\(key): expected NAME: VALUE lines")
                    }
                    pairs.append("\(name.string)=\(value.string)")
                }
                try apply(Setting.byKey[key]!, pairs.joined(separator: ","), to: &configuration, source: source, line: valueNode.mark?.line)
            case .mapping(let nested):
                guard Setting.all.contains(where: { $0.key.hasPrefix(key + ".") }) else {
                    throw unknownKey(key, source: source, line: keyNode.mark?.line)
                }
                try walk(nested, prefix: key + ".", source: source, into: &configuration)
            case .scalar(let scalar):
                guard let setting = Setting.byKey[key] else { throw unknownKey(key, source: source, line: keyNode.mark?.line) }
                // `key:` with nothing, or `~`, leaves the default in place.
                if scalar.tag.description == Tag.Name.null.rawValue || (scalar.string.isEmpty && scalar.style == .plain) { continue }
                if scalar.string == "~" || scalar.string == "null" { continue }
                try apply(setting, scalar.string, to: &configuration, source: source, line: valueNode.mark?.line)
            case .sequence(let entries) where key == "workspaces":
                configuration.workspaces = try entries.enumerated().map { index, entry throws(ConfigurationError) in
                    try workspace(entry, index: index, source: source)
                }
            case .sequence(let entries) where key == "routing":
                configuration.routing = try entries.enumerated().map { index, entry throws(ConfigurationError) in
                    try routingRule(entry, index: index, source: source)
                }
            case .sequence, .alias:
                throw ConfigurationError(source: source, line: valueNode.mark?.line, message: "\(key): expected a single value")
            }
        }
    }

    /// One `workspaces:` entry: `id`, optional `ready_status`, and a `dev_tool:` mapping with the same keys as
    /// the top-level `dev_tool` (parsed by the same settings).
    private static func workspace(_ node: Node, index: Int, source: String) throws(ConfigurationError) -> Configuration.WorkspaceSettings {
        let path = "workspaces[\(index)]"
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(source: source, line: node.mark?.line, message: "\(path): expected id, ready_status and dev_tool")
        }
        var id: String?
        var readyStatus: String?
        var scratch = Configuration()
        for (keyNode, valueNode) in mapping {
            let key = keyNode.scalar?.string ?? ""
            switch (key, valueNode) {
            case ("id", .scalar(let value)): id = value.string
            case ("ready_status", .scalar(let value)): readyStatus = value.string
            case ("dev_tool", .mapping(let toolSettings)):
                for (toolKey, toolValue) in toolSettings {
                    let name = "dev_tool." + (toolKey.scalar?.string ?? "")
                    guard let setting = Setting.byKey[name], case .scalar(let value) = toolValue else {
                        throw unknownKey("\(path).\(name)", source: source, line: toolKey.mark?.line)
                    }
                    try apply(setting, value.string, to: &scratch, source: source, line: toolValue.mark?.line)
                }
            default:
                throw ConfigurationError(source: source, line: keyNode.mark?.line, message: "\(path): unknown key '\(key)' (expected id, ready_status, dev_tool)")
            }
        }
        guard let id, !id.isEmpty else { throw ConfigurationError(source: source, line: node.mark?.line, message: "\(path): id is required") }
        return Configuration.WorkspaceSettings(id: id, readyStatus: readyStatus, devTool: scratch.devTool)
    }

    /// One `routing:` entry: `when` (any of `type`, `label`, `importance`, and `fields`: custom field name to value), `to`
    /// (a dev-tool instance) and an optional `issue_type`.
    private static func routingRule(_ node: Node, index: Int, source: String) throws(ConfigurationError) -> RoutingRule {
        let path = "routing[\(index)]"
        guard case .mapping(let mapping) = node else {
            throw ConfigurationError(source: source, line: node.mark?.line, message: "\(path): expected when, to and issue_type")
        }
        var rule = RoutingRule(instance: "")
        for (keyNode, valueNode) in mapping {
            switch (keyNode.scalar?.string ?? "", valueNode) {
            case ("to", .scalar(let value)): rule.instance = value.string
            case ("issue_type", .scalar(let value)): rule.issueType = value.string
            case ("when", .mapping(let conditions)):
                for (conditionKey, conditionValue) in conditions {
                    if conditionKey.scalar?.string == "fields" {
                        guard case .mapping(let fields) = conditionValue else {
                            throw ConfigurationError(source: source, line: conditionKey.mark?.line, message: "\(path).when.fields: expected FIELD: VALUE lines")
                        }
                        for (field, value) in fields {
                            guard let name = field.scalar?.string, !name.isEmpty, case .scalar(let wanted) = value else {
                                throw ConfigurationError(source: source, line: field.mark?.line, message: "\(path).when.fields: expected FIELD: VALUE lines")
                            }
                            rule.fields.append(.init(field: name, value: wanted.string))
                        }
                        continue
                    }
                    guard case .scalar(let value) = conditionValue else {
                        throw ConfigurationError(source: source, line: conditionKey.mark?.line, message: "\(path).when: expected NAME: VALUE lines")
                    }
                    switch conditionKey.scalar?.string ?? "" {
                    case "type": rule.type = value.string
                    case "label": rule.label = value.string
                    case "importance": rule.importance = value.string
                    case let other:
                        throw ConfigurationError(
                            source: source, line: conditionKey.mark?.line, message: "\(path).when: unknown condition '\(other)' (expected type, label, importance, fields)")
                    }
                }
            case (let other, _):
                throw ConfigurationError(source: source, line: keyNode.mark?.line, message: "\(path): unknown key '\(other)' (expected when, to, issue_type)")
            }
        }
        guard !rule.instance.isEmpty else { throw ConfigurationError(source: source, line: node.mark?.line, message: "\(path): to is required") }
        return rule
    }

    private static func unknownKey(_ key: String, source: String, line: Int?) -> ConfigurationError {
        let close = Setting.all.map(\.key).filter { $0.hasPrefix(key.split(separator: ".").first.map(String.init) ?? key) }
        let hint = close.isEmpty ? "" : " (settings under it: \(close.joined(separator: ", ")))"
        return ConfigurationError(source: source, line: line, message: "unknown setting '\(key)'\(hint)")
    }

    private static func apply(
        _ setting: Setting, _ value: String, to configuration: inout Configuration, source: String, line: Int?
    ) throws(ConfigurationError) {
        do {
            try setting.apply(&configuration, value)
        } catch {
            throw ConfigurationError(source: source, line: line, message: "\(setting.key): \(error.message)")
        }
    }
}

/// A setting that could not be used: where it came from (file and line, variable or flag) and what is wrong.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let source: String
    public let line: Int?
    public let message: String

    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}

extension YamlError {
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    var problem: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        case .duplicatedKeysInMapping(let duplicates, _): "duplicated keys \(duplicates.joined(separator: ", "))"
        default: description
        }
    }
}
