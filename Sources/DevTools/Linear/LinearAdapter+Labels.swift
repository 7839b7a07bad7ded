import Foundation
import Synchronization

/// Linear takes an issue's labels by id only (`IssueCreateInput.labelIds`): names are looked up (case-insensitive) among the team's and
/// the workspace's labels (`issueLabels`), a missing one is created in the team (`issueLabelCreate`), and ids are
/// remembered, so a steady intake asks nothing more.
extension LinearAdapter {
    /// Label ids by lowercased name, for the adapter's lifetime. Shared by copies of the adapter.
    final class LabelIDs: Sendable {
        let byName = Mutex<[String: String]>([:])
    }

    /// The ids of labels named `names` (case-insensitive), creating the missing ones.
    func labelIDs(for names: [String]) async throws(DevToolError) -> [String] {
        var wanted: [String] = []
        for name in names where !name.isEmpty && !wanted.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) { wanted.append(name) }
        guard !wanted.isEmpty else { return [] }
        var missing = wanted.filter { cachedID($0) == nil }
        if !missing.isEmpty {
            remember(try await existingLabels(named: missing))
            missing = missing.filter { cachedID($0) == nil }
        }
        for name in missing { remember([try await createLabel(named: name)]) }
        return wanted.compactMap(cachedID)
    }

    private struct Label: Decodable {
        struct Team: Decodable { var id: String }
        var id: String
        var name: String
        /// nil for a workspace label, which every team may use.
        var team: Team?
    }

    /// Forgets the remembered ids of `names` (Linear no longer knows one of them).
    func forgetLabels(_ names: [String]) {
        labelIDCache.byName.withLock { cache in for name in names { cache[name.lowercased()] = nil } }
    }

    private func cachedID(_ name: String) -> String? { labelIDCache.byName.withLock { $0[name.lowercased()] } }

    private func remember(_ labels: [Label]) {
        labelIDCache.byName.withLock { cache in
            for label in labels where label.team == nil || label.team?.id == teamID { cache[label.name.lowercased()] = label.id }
        }
    }

    /// The labels named `names`, whatever their case (`or` of `eqIgnoreCase`: Linear's `in` compares exactly).
    private func existingLabels(named names: [String]) async throws(DevToolError) -> [Label] {
        struct Comparator: Encodable, Sendable { var eqIgnoreCase: String }
        struct NameFilter: Encodable, Sendable { var name: Comparator }
        struct Filter: Encodable, Sendable { var or: [NameFilter] }
        struct Variables: Encodable, Sendable { var filter: Filter }
        struct Found: Decodable {
            struct Nodes: Decodable { var nodes: [Label] }
            var issueLabels: Nodes
        }
        let query = "query Labels($filter: IssueLabelFilter) { issueLabels(first: 250, filter: $filter) { nodes { id name team { id } } } }"
        let filter = Filter(or: names.map { NameFilter(name: Comparator(eqIgnoreCase: $0)) })
        return try await graphQL(query, Variables(filter: filter), as: Found.self, operation: "Linear: find labels", idempotent: true).issueLabels.nodes
    }

    /// A new team label. Linear refuses a name the team has: one made meanwhile (another replica) is then read.
    private func createLabel(named name: String) async throws(DevToolError) -> Label {
        struct Input: Encodable, Sendable { var name: String; var teamId: String }
        struct Variables: Encodable, Sendable { var input: Input }
        struct Created: Decodable {
            struct Payload: Decodable { var success: Bool; var issueLabel: Label? }
            var issueLabelCreate: Payload
        }
        let operation = "Linear: create label \(name) in team \(teamID)"
        let query = "mutation LabelCreate($input: IssueLabelCreateInput!) { issueLabelCreate(input: $input) { success issueLabel { id name team { id } } } }"
        do throws(DevToolError) {
            let created = try await graphQL(query, Variables(input: Input(name: name, teamId: teamID)), as: Created.self, operation: operation, idempotent: false)
            guard created.issueLabelCreate.success, let label = created.issueLabelCreate.issueLabel else {
                throw .malformedResponse(tool: "Linear", operation: operation, detail: "issueLabelCreate did not succeed")
            }
            return label
        } catch .rejected(let tool, _, let status, let message) where message.lowercased().contains("duplicate") {
            guard let label = try await existingLabels(named: [name]).first(where: { $0.team == nil || $0.team?.id == teamID }) else {
                throw .rejected(tool: tool, operation: operation, status: status, message: message)
            }
            return label
        }
    }
}
