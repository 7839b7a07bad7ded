import Foundation
import HTTPServer
import Store
import SyncEngine

/// `POST /api/v1/links` (link an existing issue), `POST /api/v1/mappings/{item}/unlink` and `/relink`, in the admin
/// group; the status page's forms post to the same `Links` (StatusPageRoutes).
struct LinkRoutes {
    let links: Links?

    struct LinkRequest: Decodable {
        var item: String
        var issue: String
        var workspace: String?
    }

    struct UnlinkRequest: Decodable {
        var workspace: String?
        var removeMarker: Bool?
        var clearLinkField: Bool?
    }

    struct Linked: Encodable {
        var mapping: Mapping
        var issueStatus: String
        var markerAdded: Bool

        init(_ outcome: LinkOutcome) {
            mapping = outcome.mapping
            issueStatus = outcome.issue.status.described
            markerAdded = outcome.markerAdded
        }
    }

    func register(in router: inout SecuredRouter) {
        router.admin(.post, "/api/v1/links") { request in
            let body = try Self.decode(LinkRequest.self, request, example: #"{"item": "ITEM-ID", "issue": "owner/repo#12"}"#)
            return try .json(Linked(try await Self.answering { try await linker().link(item: body.item, issue: body.issue, workspace: body.workspace, by: "the admin API") }), status: .created)
        }
        router.admin(.post, "/api/v1/mappings/:craftItemId/unlink") { request in
            let item = request.parameters["craftItemId"] ?? ""
            let body = request.body.isEmpty ? UnlinkRequest() : try Self.decode(UnlinkRequest.self, request, example: #"{"removeMarker": true, "clearLinkField": false}"#)
            let mapping = try await Self.answering {
                try await linker().unlink(
                    item: item, workspace: body.workspace, removeMarker: body.removeMarker ?? false, clearLinkField: body.clearLinkField ?? false,
                    by: "the admin API")
            }
            return try .json(mapping)
        }
        router.admin(.post, "/api/v1/mappings/:craftItemId/relink") { request in
            let item = request.parameters["craftItemId"] ?? ""
            let workspace = request.body.isEmpty ? nil : try Self.decode(UnlinkRequest.self, request, example: #"{"workspace": "W1"}"#).workspace
            return try .json(Linked(try await Self.answering { try await linker().relink(item: item, workspace: workspace, by: "the admin API") }))
        }
    }

    func linker() throws -> Links {
        guard let links else { throw HTTPError(.serviceUnavailable, "intake is not configured; see /readyz for the missing settings") }
        return links
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: HTTPRequest, example: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(request.body))
        } catch {
            throw HTTPError(.badRequest, "the body must be JSON like \(example)")
        }
    }

    /// Runs `work`, answering a refused link with the status that says why: 404 for an item or issue that does not
    /// exist, 409 for one linked already (or not linked), 400 for a workspace that is not configured, 502 when Craft.io
    /// or the tool failed.
    static func answering<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as LinkError {
            switch error {
            case .noSuchItem, .noSuchIssue: throw HTTPError(.notFound, error.description)
            case .conflict, .notLinked, .nothingToRelink: throw HTTPError(.conflict, error.description)
            case .failed: throw HTTPError(HTTPStatus(502, "Bad Gateway"), error.description)
            }
        } catch let error as LinkRequestError {
            throw HTTPError(.badRequest, error.description)
        }
    }
}
