import Foundation

/// Linking an issue that exists already to a Craft item (`craft-sync link`, or adopting one Craft.io's own integration
/// linked): finding it by what people write, and marking it as created issues are marked.
extension DevTool {
    /// The issue `text` names, as it is now; nil when the text names no issue of this instance, or the tool has no
    /// such issue.
    public func lookUp(_ text: String) async throws(DevToolError) -> DevIssue? {
        guard let reference = reference(naming: text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        do {
            return try await issue(reference)
        } catch {
            if case .notFound = error { return nil }
            if error.isGone { return nil }
            throw error
        }
    }
}

/// How people name an issue in text: its address, `scope#12`, `#12`, `12`, or a project key (`ACME-4`).
enum IssueNaming {
    /// The non-empty path components of `text` when it is an http(s) address, else nil.
    static func pathComponents(_ text: String) -> [String]? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            return nil
        }
        return url.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
    }

    /// A key written as itself (`ACME-4`) or inside an address, as the path segment after `marker`
    /// (`…/browse/ACME-4`, `…/issue/ENG-7/title`); nil for an address without one.
    static func key(in text: String, after marker: String) -> String? {
        guard let path = pathComponents(text) else { return text }
        guard let at = path.lastIndex(of: marker), at + 1 < path.count else { return nil }
        return path[at + 1]
    }

    /// `scope#12`, `#12` or `12`: the scope (nil when none is written) and the number.
    static func numbered(_ text: String) -> (scope: String?, number: Int)? {
        let parts = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 { return positive(parts[0]).map { (nil, $0) } }
        guard let number = positive(parts[1]) else { return nil }
        let scope = parts[0].trimmingCharacters(in: .whitespaces)
        return (scope.isEmpty ? nil : scope, number)
    }

    /// `ACME-4` (Jira, Linear): the key with its prefix uppercased, and the prefix.
    static func projectKey(_ text: String) -> (key: String, prefix: String)? {
        guard let dash = text.lastIndex(of: "-"), positive(text[text.index(after: dash)...]) != nil else { return nil }
        let prefix = text[..<dash].uppercased()
        guard let first = prefix.first, first.isLetter, prefix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return ("\(prefix)-\(text[text.index(after: dash)...])", prefix)
    }

    private static func positive(_ text: Substring) -> Int? {
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), number > 0 else { return nil }
        return number
    }
}
