import Foundation
import HTTPServer

/// Labels, which Linear's `issueCreate` takes by id only (`labelIds`): `issueLabels(filter: {or: [{name:
/// {eqIgnoreCase}}]})` finds them by name, `issueLabelCreate` adds one to the team, refusing a name the team has (as Linear does).
extension LinearSimulator {
    /// How many labels the team has.
    public var labelCount: Int { labels.withLock { $0.count } }

    /// Deletes the team's label `name`, as an admin can in Linear.
    public func deleteLabel(named name: String) { labels.withLock { $0.removeAll { $0.name == name } } }

    /// The names of the labels with these ids, nil when one is unknown.
    func labelNames(ids: [String]) -> [String]? {
        let known = labels.withLock { $0 }
        let names = ids.compactMap { id in known.first { $0.id == id }?.name }
        return names.count == ids.count ? names : nil
    }

    func labelsNamed(_ variables: [String: Any]) throws -> HTTPResponse {
        // `filter: {or: [{name: {eqIgnoreCase: "..."}}, ...]}`, the filter craft-sync sends.
        let clauses = (variables["filter"] as? [String: Any])?["or"] as? [[String: Any]] ?? []
        let wanted = Set(clauses.compactMap { (($0["name"] as? [String: Any])?["eqIgnoreCase"] as? String)?.lowercased() })
        let team: [String: Any] = ["id": Account.teamID]
        let nodes = labels.withLock { $0 }.filter { wanted.contains($0.name.lowercased()) }.map { ["id": $0.id, "name": $0.name, "team": team] as [String: Any] }
        return try Self.data(["issueLabels": ["nodes": nodes]])
    }

    func createLabel(_ variables: [String: Any]) throws -> HTTPResponse {
        let input = variables["input"] as? [String: Any] ?? [:]
        guard input["teamId"] as? String == Account.teamID else { return Self.errors(.ok, "Entity not found: Team", code: "INPUT_ERROR") }
        guard let name = input["name"] as? String, !name.isEmpty else { return Self.errors(.ok, "Argument Validation Error", code: "INVALID_INPUT") }
        let created = labels.withLock { labels -> (id: String, name: String)? in
            guard !labels.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
            let label = (id: UUID().uuidString.lowercased(), name: name)
            labels.append(label)
            return label
        }
        guard let created else { return Self.errors(.ok, "duplicate label name", code: "INVALID_INPUT") }
        return try Self.data(["issueLabelCreate": ["success": true, "issueLabel": ["id": created.id, "name": created.name]]])
    }
}
