import Foundation

extension JSONTransport {
    /// One GraphQL call to `url`. Errors come inside a 200 as often as with a 4xx: the first error not `tolerated`
    /// (GitHub's `NOT_FOUND` beside the others' data) is thrown as the tool's `classify` reads it.
    func graphQL<Variables: Encodable & Sendable, Result: Decodable>(
        _ url: URL, _ query: String, _ variables: Variables, as type: Result.Type, operation: String, idempotent: Bool,
        tolerated: (GraphQLError) -> Bool = { _ in false }, classify: (GraphQLError) -> DevToolError
    ) async throws(DevToolError) -> Result {
        let response = try await request(
            "POST", url, body: GraphQLRequest(query: query, variables: variables), as: GraphQLResponse<Result>.self, operation: operation,
            idempotent: idempotent)
        if let error = response.errors?.first(where: { !tolerated($0) }) { throw classify(error) }
        guard let data = response.data else {
            throw .malformedResponse(tool: tool, operation: operation, detail: "neither data nor errors in the answer")
        }
        return data
    }
}

/// The envelope of a GraphQL call (https://spec.graphql.org/October2021/#sec-Response-Format), as Linear and GitHub
/// speak it: a query with its variables out; `data`, `errors` or both back, often inside a 200.
struct GraphQLError: Decodable {
    struct Extensions: Decodable { var code: String?; var type: String? }
    var message: String
    var extensions: Extensions?
    /// GitHub's error class (`NOT_FOUND`, `RATE_LIMITED`), at the top level of the error.
    var type: String?
}

struct GraphQLRequest<Variables: Encodable & Sendable>: Encodable, Sendable {
    var query: String
    var variables: Variables
}

struct GraphQLErrors: Decodable { var errors: [GraphQLError] }

struct GraphQLResponse<Result: Decodable>: Decodable {
    var data: Result?
    var errors: [GraphQLError]?
}
