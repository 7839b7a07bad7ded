import Foundation

/// Naming and marking an issue of the configured repository that craft-sync did not create.
extension GitHubAdapter {
    /// `https://github.com/OWNER/REPO/issues/12` (or GitHub Enterprise's host), `OWNER/REPO#12`, `#12` or `12`, in the
    /// configured repository only: its webhook is the one that reports the issue's progress.
    public func reference(naming text: String) -> DevIssueReference? {
        let fullName = "\(owner)/\(repository)"
        if let path = IssueNaming.pathComponents(text) {
            guard let at = path.lastIndex(of: "issues"), at >= 2, at + 1 < path.count, let number = Int(path[at + 1]),
                "\(path[at - 2])/\(path[at - 1])".lowercased() == fullName.lowercased()
            else { return nil }
            return DevIssueReference(id: "", key: "\(fullName)#\(number)")
        }
        guard let (scope, number) = IssueNaming.numbered(text), scope.map({ $0.lowercased() == fullName.lowercased() }) ?? true else { return nil }
        return DevIssueReference(id: "", key: "\(fullName)#\(number)")
    }

    /// The issue `text` names; nil for a pull request, which the issues endpoint also answers for its number (it would
    /// never send the `issues` deliveries that move an item).
    public func lookUp(_ text: String) async throws(DevToolError) -> DevIssue? {
        guard let reference = reference(naming: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let number = reference.key.split(separator: "#").last.flatMap({ Int($0) })
        else { return nil }
        let read: IssueBody
        do {
            read = try await transport.request(
                "GET", transport.url("repos/\(owner)/\(repository)/issues/\(number)"), as: IssueBody.self,
                operation: "GitHub: read issue \(owner)/\(repository)#\(number)")
        } catch {
            if case .notFound = error { return nil }
            if error.isGone { return nil }
            throw error
        }
        guard read.pull_request == nil else { return nil }
        return try await withBoardStatus([read], repository: "\(owner)/\(repository)")[0]
    }

    /// "Add labels to an issue" (https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue): adds, keeping
    /// the labels it has.
    public func addMarker(_ marker: String, to issue: DevIssue) async throws(DevToolError) -> Bool {
        struct Body: Encodable { var labels: [String] }
        struct Label: Decodable { var name: String }
        guard let number = issue.key.split(separator: "#").last.flatMap({ Int($0) }) else { return false }
        let labels = try await transport.request(
            "POST", transport.url("repos/\(owner)/\(repository)/issues/\(number)/labels"), body: Body(labels: [marker]), as: [Label].self,
            operation: "GitHub: label issue \(owner)/\(repository)#\(number)")
        return labels.contains { $0.name == marker }
    }

    /// "Remove a label from an issue" (https://docs.github.com/en/rest/issues/labels#remove-a-label-from-an-issue).
    public func removeMarker(_ marker: String, from issue: DevIssue) async throws(DevToolError) -> Bool {
        struct Label: Decodable { var name: String }
        guard let number = issue.key.split(separator: "#").last.flatMap({ Int($0) }),
            let name = marker.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/:")))
        else { return false }
        let labels = try await transport.request(
            "DELETE", transport.url("repos/\(owner)/\(repository)/issues/\(number)/labels").appendingPathComponent(name, isDirectory: false),
            as: [Label].self, operation: "GitHub: unlabel issue \(owner)/\(repository)#\(number)")
        return !labels.contains { $0.name == marker }
    }
}
