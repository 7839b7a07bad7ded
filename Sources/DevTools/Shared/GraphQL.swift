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
