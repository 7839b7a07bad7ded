import Foundation

/// Sub-issues: `issueUpdate(id:, input: {parentId})` puts an issue under another
/// (https://studio.apollographql.com/public/Linear-API/variant/current/schema/reference/inputs/IssueUpdateInput).
/// Setting the parent it already has changes nothing, so a repeat is harmless.
extension LinearAdapter: ParentLinking {
    public var parentLinking: (any ParentLinking)? { self }

    public func link(_ child: DevIssueReference, under parent: DevIssueReference) async throws(DevToolError) {
        struct Input: Encodable, Sendable { var parentId: String }
        struct Variables: Encodable, Sendable {
            var id: String
            var input: Input
        }
        struct Updated: Decodable {
            struct Payload: Decodable { var success: Bool }
            var issueUpdate: Payload
        }
        let operation = "Linear: put \(child.key) under \(parent.key)"
        let query = "mutation SetParent($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success } }"
        let updated = try await graphQL(
            query, Variables(id: child.id, input: Input(parentId: parent.id)), as: Updated.self, operation: operation, idempotent: true)
        guard updated.issueUpdate.success else { throw .rejected(tool: "Linear", operation: operation, status: 200, message: "issueUpdate was not successful") }
    }
}
