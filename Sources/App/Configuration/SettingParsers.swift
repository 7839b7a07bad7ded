import SyncEngine
import Foundation
import OutboundHTTP

/// Parsers for setting values. Each error message says what was expected, never echoing a secret.
extension Setting {
    static func parseDuration(_ text: String) throws(SettingError) -> Duration {
        let units: [(suffix: String, nanoseconds: Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            if let number = Double(trimmed.dropLast(unit.suffix.count)), number >= 0, number.isFinite {
                return .nanoseconds(Int64(number * unit.nanoseconds))
            }
        }
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite { return .nanoseconds(Int64(seconds * 1e9)) }
        throw SettingError("expected a duration such as 500ms, 10s, 5m, 1h or 30d")
    }

    static func parseInteger(_ text: String, in range: ClosedRange<Int>) throws(SettingError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw SettingError("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A byte count: a whole number, optionally with KiB, MiB or GiB (or KB, MB, GB as powers of 1000).
    static func parseByteCount(_ text: String) throws(SettingError) -> Int {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, multiplier) in units where trimmed.hasSuffix(suffix) {
            if let number = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number > 0 {
                return number * multiplier
            }
        }
        if let number = Int(trimmed), number > 0 { return number }
        throw SettingError("expected a positive size such as 65536, 64KiB or 26MiB")
    }

    static func parseChoice<T: RawRepresentable & CaseIterable>(_ text: String) throws(SettingError) -> T where T.RawValue == String {
        guard let value = T(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw SettingError("expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    static func parseLogLevel(_ text: String) throws(SettingError) -> String {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        let level = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard levels.contains(level) else { throw SettingError("expected one of: \(levels.joined(separator: ", "))") }
        return level
    }

    static func parseURL(_ text: String) throws(SettingError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw SettingError("expected an http(s) URL such as https://api.craft.io")
        }
        if let refusal = OutboundURLPolicy.refusal(for: url) { throw SettingError(refusal) }
        return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    }

    /// craft-sync's own address as others reach it: http(s) with a host, without a trailing slash. Unlike outbound
    /// URLs it may be plain http (a tool inside the same network), and it carries no query or fragment.
    static func parsePublicURL(_ text: String) throws(SettingError) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
            url.query == nil, url.fragment == nil, url.user == nil
        else { throw SettingError("expected craft-sync's address as the dev tools reach it, e.g. https://sync.example.com") }
        return trimmed
    }

    static func parseNonEmpty(_ text: String) throws(SettingError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SettingError("expected a non-empty value") }
        return trimmed
    }

    static func parseBool(_ text: String) throws(SettingError) -> Bool {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw SettingError("expected true or false")
        }
    }

    /// `Feature=Story, Bug=Bug`.
    static func parseTable(_ text: String) throws(SettingError) -> [String: String] {
        Dictionary(try parsePairs(text), uniquingKeysWith: { _, last in last })
    }

    /// NAME=VALUE pairs in the order written (for rules where the first match wins).
    static func parsePairs(_ text: String) throws(SettingError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw SettingError("expected NAME=VALUE pairs separated by commas, e.g. Feature=Story,Bug=Bug")
            }
            pairs.append((parts[0], parts[1]))
        }
        return pairs
    }

    /// `report`, `push`, or per field `title=push,labels=report` (fields not named are reported).
    static func parseDriftPolicy(_ text: String) throws(SettingError) -> DriftPolicy {
        let word = text.trimmingCharacters(in: .whitespaces)
        if word == "report" { return .report }
        if word == "push" { return .pushAll }
        var policy = DriftPolicy()
        for (name, choice) in try parsePairs(text) {
            guard let field = DriftPolicy.Field(rawValue: name) else {
                throw SettingError("'\(name)' is no synced field; known: \(DriftPolicy.Field.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            switch choice {
            case "push": policy.pushed.insert(field)
            case "report": policy.pushed.remove(field)
            default: throw SettingError("\(name): expected push or report, not '\(choice)'")
            }
        }
        return policy
    }

    static func parseSecret(_ text: String) throws(SettingError) -> Secret {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw SettingError("expected a non-empty value") }
        return Secret(trimmed)
    }

    /// The admin token guards every write the service can be made to do: it must not be guessable.
    static func parseAdminToken(_ text: String) throws(SettingError) -> Secret {
        let token = try parseSecret(text)
        let characters = Set(token.revealed)
        guard token.revealed.count >= 32, characters.count > 1 else {
            throw SettingError(
                "the admin token must be at least 32 characters and not one character repeated; make one with "
                    + "`openssl rand -hex 32` (or `python3 -c 'import secrets; print(secrets.token_hex(32))'`)")
        }
        return token
    }
}

