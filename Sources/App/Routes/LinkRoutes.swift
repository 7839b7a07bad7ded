import Foundation
import HTTPServer
import Store
import SyncEngine

/// `POST /api/v1/links` (link an existing issue), `POST /api/v1/mappings/{item}/unlink` and `/relink`, in the admin
/// group; the status page's forms post to the same `Links` (StatusPageRoutes).
struct LinkRoutes {
    let links: Links?
    let conflicts: ConflictResolver?

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

    /// `GET /api/v1/conflicts` (the open ones), `POST /api/v1/conflicts/{id}/resolve` (`{"keep": "dev_tool" | "craft"}`).
    func registerConflicts(in router: inout SecuredRouter, store: Store) {
        router.admin(.get, "/api/v1/conflicts") { _ in try .json(try await store.conflicts.open()) }
        router.admin(.post, "/api/v1/conflicts/:id/resolve") { request in
            struct Body: Decodable { var keep: String }
            guard let id = request.parameters["id"].flatMap({ Int64($0) }) else { throw HTTPError(.badRequest, "the conflict id must be a number") }
            let body = try Self.decode(Body.self, request, example: #"{"keep": "dev_tool"}"#)
            let resolution: Conflict.Resolution
            switch body.keep {
            case "dev_tool": resolution = .keepDevTool
            case "craft": resolution = .takeCraft
            default: throw HTTPError(.badRequest, "keep must be dev_tool or craft")
            }
            try await resolve(id, as: resolution, by: "the admin API")
            return try .json(try await store.conflicts.conflict(id: id))
        }
    }

    /// Resolves, answering a refusal with the status that says why.
    func resolve(_ id: Int64, as resolution: Conflict.Resolution, by who: String) async throws {
        guard let conflicts else { throw HTTPError(.serviceUnavailable, "intake is not configured; see /readyz for the missing settings") }
        do {
            try await conflicts.resolve(id, as: resolution, by: who)
        } catch let error as ConflictResolutionError {
            switch error {
            case .noSuchConflict: throw HTTPError(.notFound, error.description)
            case .alreadyResolved: throw HTTPError(.conflict, error.description)
            case .failed: throw HTTPError(HTTPStatus(502, "Bad Gateway"), error.description)
            }
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
