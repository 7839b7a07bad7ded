import Foundation
import HTTPServer

extension HTTPResponse {
    /// A JSON answer built from untyped values, keys sorted: how simulators answer in shapes that vary per request
    /// (GraphQL's `data`, a work item's fields) or need `null` spelled out.
    static func jsonObject(_ object: [String: Any], status: HTTPStatus = .ok) throws -> HTTPResponse {
        HTTPResponse(
            status: status, headers: [.contentType: "application/json"],
            body: Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
    }
}
