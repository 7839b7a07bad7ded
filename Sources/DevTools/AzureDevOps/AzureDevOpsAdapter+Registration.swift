import Foundation

/// Service hook subscriptions (https://learn.microsoft.com/azure/devops/service-hooks/create-subscription): one
/// Web Hooks subscription per event type (`workitem.updated`, `workitem.deleted`) for the project, posting to
/// craft-sync with Basic authentication whose password is the shared secret (service hooks have no signature) and
/// "all" resource details. The PAT needs the "Service Hooks (read, query and manage)" scope.
extension AzureDevOpsAdapter: WebhookRegistering {
    public var webhookRegistration: (any WebhookRegistering)? { self }
    public var neededWebhookEvents: [String] { ["workitem.updated", "workitem.deleted"] }
    public var permissionHint: String { "the PAT needs the Service Hooks (read, query and manage) scope" }

    struct Subscription: Codable {
        var id: String?
        var publisherId: String
        var eventType: String
        var resourceVersion: String?
        var consumerId: String
        var consumerActionId: String
        var publisherInputs: [String: String]
        var consumerInputs: [String: String]
        /// `enabled`, `onProbation`, `disabledByUser`, `disabledBySystem`, ...
        var status: String?
    }

    struct SubscriptionList: Decodable { var value: [Subscription] }

    public func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook? {
        let subscriptions = try await subscriptions(url: url)
        guard let first = subscriptions.first else { return nil }
        let statuses = subscriptions.compactMap(\.status)
        let troubled = statuses.first { $0 != "enabled" }
        return RegisteredWebhook(
            id: subscriptions.compactMap(\.id).joined(separator: ","), url: url, active: !statuses.contains { $0.hasPrefix("disabled") },
            sendsNeededEvents: Set(neededWebhookEvents).isSubset(of: Set(subscriptions.map(\.eventType))),
            lastDelivery: troubled.map { .init(succeeded: false, detail: "a subscription is \($0) after failed deliveries") }
                ?? (first.status == nil ? nil : .init(succeeded: true, detail: "enabled")))
    }

    public func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome {
        let existing = try await subscriptions(url: target.url)
        let projectID = try await projectID()
        var createdAny = false
        var ids: [String] = []
        for eventType in neededWebhookEvents {
            var subscription = Subscription(
                id: nil, publisherId: "tfs", eventType: eventType, resourceVersion: "1.0", consumerId: "webHooks", consumerActionId: "httpRequest",
                publisherInputs: ["projectId": projectID],
                consumerInputs: ["url": target.url, "basicAuthUsername": "craft-sync", "basicAuthPassword": target.secret ?? "", "resourceDetailsToSend": "all"],
                status: nil)
            if let current = existing.first(where: { $0.eventType == eventType }), let id = current.id {
                subscription.id = id
                _ = try await transport.request(
                    "PUT", transport.url("_apis/hooks/subscriptions/\(id)", query: [("api-version", "7.1")]), body: subscription, as: Subscription.self,
                    operation: "Azure DevOps: update the \(eventType) service hook", idempotent: true)
                ids.append(id)
            } else {
                let created = try await transport.request(
                    "POST", transport.url("_apis/hooks/subscriptions", query: [("api-version", "7.1")]), body: subscription, as: Subscription.self,
                    operation: "Azure DevOps: create the \(eventType) service hook")
                createdAny = true
                ids.append(created.id ?? "")
            }
        }
        let id = ids.joined(separator: ",")
        return createdAny ? .created(id: id) : .updated(id: id)
    }

    /// The Web Hooks subscriptions of this project posting to `url`.
    private func subscriptions(url: String) async throws(DevToolError) -> [Subscription] {
        let list = try await transport.request(
            "GET", transport.url("_apis/hooks/subscriptions", query: [("api-version", "7.1")]), as: SubscriptionList.self,
            operation: "Azure DevOps: list the service hook subscriptions", idempotent: true)
        return list.value.filter { $0.consumerId == "webHooks" && $0.consumerInputs["url"] == url && neededWebhookEvents.contains($0.eventType) }
    }

    /// Subscriptions name the project by id (a GUID), not by name.
    private func projectID() async throws(DevToolError) -> String {
        struct Project: Decodable { var id: String }
        // `url` percent-encodes the path itself (a project name may hold spaces, never a slash).
        return try await transport.request(
            "GET", transport.url("_apis/projects/\(project)", query: [("api-version", "7.1")]), as: Project.self,
            operation: "Azure DevOps: read project \(project)", idempotent: true).id
    }
}
