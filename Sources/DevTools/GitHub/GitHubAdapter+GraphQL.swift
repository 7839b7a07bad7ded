import Foundation

/// GitHub's GraphQL API (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql), for what REST does not
/// say: an issue's project board value, the issues a pull request is linked to close.
extension GitHubAdapter {
    /// `https://api.github.com/graphql`; GitHub Enterprise Server's REST `https://HOST/api/v3` has it at
    /// `https://HOST/api/graphql`.
    var graphQLURL: URL {
        let base = transport.baseURL
        return base.path.hasSuffix("/api/v3") ? base.deletingLastPathComponent().appendingPathComponent("graphql") : base.appendingPathComponent("graphql")
    }

    /// One read. GitHub answers errors inside a 200: `RATE_LIMITED` is a throttle; an id that resolves to nothing
    /// (`NOT_FOUND`) is an error beside the others' data, not a failure; anything else is a refusal in GitHub's words.
    func graphQL<Variables: Encodable & Sendable, Result: Decodable>(
        _ query: String, _ variables: Variables, as type: Result.Type, operation: String
    ) async throws(DevToolError) -> Result {
        try await transport.graphQL(
            graphQLURL, query, variables, as: type, operation: operation, idempotent: true, tolerated: { $0.type == "NOT_FOUND" },
            classify: { error in
                error.type == "RATE_LIMITED"
                    ? .throttled(tool: "GitHub", operation: operation, status: 200, retryAfter: nil)
                    : .rejected(tool: "GitHub", operation: operation, status: 200, message: error.message)
            })
    }

    /// The issues pull request `reference` (its node id) will close: by keyword in its description, or linked in its
    /// Development panel, which no webhook payload shows
    /// (https://docs.github.com/en/graphql/reference/objects#pullrequest, `closingIssuesReferences`).
    public func issueKeys(linkedTo reference: String) async throws(DevToolError) -> [String] {
        struct Variables: Encodable, Sendable { var ids: [String] }
        struct Reference: Decodable {
            struct Repository: Decodable { var nameWithOwner: String }
            var number: Int
            var repository: Repository
        }
        struct Pull: Decodable {
            struct Closing: Decodable { var nodes: [Reference?] }
            var closingIssuesReferences: Closing?
        }
        struct Nodes: Decodable { var nodes: [Pull?] }
        let query = """
            query ClosingIssues($ids: [ID!]!) { nodes(ids: $ids) { ... on PullRequest { closingIssuesReferences(first: \(Self.closedIssuesLimit)) { \
            nodes { number repository { nameWithOwner } } } } } }
            """
        let pull = try await graphQL(query, Variables(ids: [reference]), as: Nodes.self, operation: "GitHub: read the issues pull request \(reference) closes")
        return (pull.nodes.first??.closingIssuesReferences?.nodes ?? []).compactMap { $0.map { "\($0.repository.nameWithOwner)#\($0.number)" } }
    }
}
