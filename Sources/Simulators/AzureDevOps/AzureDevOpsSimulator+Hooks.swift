import Foundation
import HTTPServer

/// Service hook subscriptions (`/{organization}/_apis/hooks/subscriptions`, organization-wide) and the project
/// lookup they need (`/_apis/projects/{name}`: subscriptions name the project by id). A Web Hooks subscription's
/// `basicAuthPassword` is what deliveries carry as the Basic password; Azure DevOps never shows it back.
extension AzureDevOpsSimulator {
    static let projectID = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"

    static func subscriptionID(_ number: Int) -> String { String(format: "1b0ab6a2-0000-4000-8000-%012d", number) }

    func registerHooks(in router: inout Router) {
        let organization = "/\(Account.organization)/_apis"
        router.get(organization + "/projects/:name") { [self] request in
            try await serveOrganization(request, "GET _apis/projects/:name") {
                guard request.parameters["name"] == Account.project else {
                    return Self.error(.notFound, "TF200016: The following project does not exist: \(request.parameters["name"] ?? "").")
                }
                return try Self.json(["id": Self.projectID, "name": Account.project, "state": "wellFormed"])
            }
        }
        router.get(organization + "/hooks/subscriptions") { [self] request in
            try await serveOrganization(request, "GET _apis/hooks/subscriptions") {
                try Self.json(["count": hooks.all.count, "value": hooks.all.map(render)])
            }
        }
        router.post(organization + "/hooks/subscriptions") { [self] request in
            try await serveOrganization(request, "POST _apis/hooks/subscriptions") {
                guard let body = Subscription(request), body.projectID == Self.projectID else {
                    return Self.error(HTTPStatus(400, "Bad Request"), "The subscription is missing its url, event type or project.")
                }
                return try Self.json(render(hooks.create(url: body.url, events: [body.eventType], secret: body.password)))
            }
        }
        router.add(.put, organization + "/hooks/subscriptions/:id") { [self] request in
            try await serveOrganization(request, "PUT _apis/hooks/subscriptions/:id") {
                guard let current = hooks.all.first(where: { Self.subscriptionID($0.id) == request.parameters["id"] }) else {
                    return Self.error(.notFound, "The subscription does not exist.")
                }
                guard let body = Subscription(request) else { return Self.error(HTTPStatus(400, "Bad Request"), "The subscription is malformed.") }
                return try Self.json(hooks.update(id: current.id, url: body.url, events: [body.eventType], secret: body.password).map(render) ?? [:])
            }
        }
    }

    /// What the simulator reads of a subscription body.
    private struct Subscription {
        var url: String
        var eventType: String
        var password: String?
        var projectID: String?

        init?(_ request: HTTPRequest) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                object["consumerId"] as? String == "webHooks", let eventType = object["eventType"] as? String,
                let consumer = object["consumerInputs"] as? [String: String], let url = consumer["url"], !url.isEmpty
            else { return nil }
            self.url = url
            self.eventType = eventType
            password = consumer["basicAuthPassword"]
            projectID = (object["publisherInputs"] as? [String: String])?["projectId"]
        }
    }

    private func render(_ hook: HookBook.Hook) -> [String: Any] {
        let failed = hooks.lastDeliveryStatus.map { !(200..<300).contains($0) } ?? false
        return [
            "id": Self.subscriptionID(hook.id), "publisherId": "tfs", "eventType": hook.events.first ?? "", "resourceVersion": "1.0",
            "consumerId": "webHooks", "consumerActionId": "httpRequest", "publisherInputs": ["projectId": Self.projectID],
            "consumerInputs": ["url": hook.url, "basicAuthUsername": "craft-sync", "basicAuthPassword": "********", "resourceDetailsToSend": "all"],
            "status": failed ? "onProbation" : "enabled",
        ]
    }

    private func serveOrganization(_ request: HTTPRequest, _ endpoint: String, _ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let expected = "Basic " + Data(":\(Account.token)".utf8).base64EncodedString()
        let refusal: HTTPResponse? =
            if request.headers[.authorization] != expected { Self.error(.unauthorized, "TF400813: The user is not authorized.") }
            else if request.head.queryValue("api-version") == nil { Self.error(HTTPStatus(400, "Bad Request"), "No api-version was supplied.") }
            else { nil }
        return try await context.serve(tool: "azure-devops", endpoint, refusal: refusal, body)
    }
}
