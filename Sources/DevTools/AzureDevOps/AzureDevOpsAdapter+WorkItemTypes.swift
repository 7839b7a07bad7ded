import Foundation
import Synchronization

/// Work item types that exist. A project's process decides its types (Agile: User Story, Bug; Scrum: Product Backlog
/// Item; Basic: Issue, no Bug; CMMI: Requirement; or a custom process), so a Craft type is mapped to one the project
/// has, read once from the project (https://learn.microsoft.com/rest/api/azure/devops/wit/work-item-types/list), never
/// sent as a name the project may not know.
extension AzureDevOpsAdapter {
    /// Each Craft type's equivalents in the four process templates, in the order tried.
    static let processEquivalents: [String: [String]] = [
        "story": ["User Story", "Product Backlog Item", "Requirement", "Issue"],
        "feature": ["Feature"],
        "epic": ["Epic"],
        "bug": ["Bug", "Issue"],
        "task": ["Task"],
    ]

    /// The project's type for `craftType`: one of that name in any case, else its process equivalent; nil when the
    /// project has neither.
    static func workItemType(for craftType: String, among types: [String]) -> String? {
        func named(_ name: String) -> String? { types.first { $0.caseInsensitiveCompare(name) == .orderedSame } }
        if let same = named(craftType) { return same }
        return (processEquivalents[craftType.lowercased()] ?? []).lazy.compactMap(named).first
    }

    /// The project's enabled work item types, read once and kept.
    func projectWorkItemTypes() async throws(DevToolError) -> [String] {
        if let known = knownWorkItemTypes.names.withLock({ $0 }) { return known }
        struct TypeList: Decodable {
            struct WorkItemType: Decodable {
                var name: String
                var isDisabled: Bool?
            }
            var value: [WorkItemType]
        }
        let list = try await transport.request(
            "GET", url("workitemtypes"), as: TypeList.self, operation: "Azure DevOps: list the work item types of \(project)", idempotent: true)
        let names = list.value.filter { $0.isDisabled != true }.map(\.name)
        knownWorkItemTypes.names.withLock { $0 = names }
        return names
    }

    /// The type to create for `craftType`, refused for good (a clear error naming the types there are) when the project
    /// has none for it.
    func workItemTypeToCreate(for craftType: String) async throws(DevToolError) -> String {
        let types = try await projectWorkItemTypes()
        guard let type = Self.workItemType(for: craftType, among: types) else {
            throw .rejected(
                tool: "Azure DevOps", operation: "create a work item in \(project)", status: 400,
                message: "the project has no work item type for '\(craftType)'; it has \(types.joined(separator: ", ")). "
                    + "Set dev_tool.issue_type (or the routing rule's type) to one of them")
        }
        return type
    }

    /// `doctor`: how Craft's types map to the project's, and whether the default (`dev_tool.issue_type`) exists there.
    public func setupChecks() async -> [DevToolCheck] {
        let types: [String]
        do {
            types = try await projectWorkItemTypes()
        } catch {
            return [DevToolCheck(subject: "work item types", passed: false, detail: "could not read them: \(error)", fix: "check the token's Work Items (Read) scope")]
        }
        let mapped = (["Story", "Feature", "Epic", "Bug", "Task"].map { craft in
            "\(craft) → \(Self.workItemType(for: craft, among: types) ?? "none")"
        }).joined(separator: ", ")
        let defaultType = Self.workItemType(for: defaultWorkItemType, among: types)
        return [DevToolCheck(
            subject: "work item types", passed: defaultType != nil,
            detail: "the project has \(types.joined(separator: ", ")); Craft types map as \(mapped); the default '\(defaultWorkItemType)' → \(defaultType ?? "none")",
            fix: defaultType == nil ? "set dev_tool.issue_type to one of \(types.joined(separator: ", "))" : nil)]
    }
}

/// The project's work item types once read; shared by the copies of an adapter (a value type).
final class KnownWorkItemTypes: Sendable {
    let names = Mutex<[String]?>(nil)
}
