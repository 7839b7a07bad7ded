import Foundation
import Support

/// Azure DevOps service hook deliveries (https://learn.microsoft.com/azure/devops/service-hooks/events): no
/// signature exists, so the hook is set up with Basic authentication whose password is the shared secret (or a
/// custom `X-Craft-Sync-Secret` header), compared in constant time. A 410 answer disables the subscription, so no
/// delivery is ever refused with one; deliveries of no interest get 2xx and are ignored later.
extension AzureDevOpsAdapter {
    /// The event's GUID, in the body (`id`), the same on every retry of the event.
    public func deliveryID(headers: [String: String], body: [UInt8]) -> String? {
        Self.object(body)?["id"] as? String
    }

    public func eventType(headers: [String: String], body: [UInt8]) -> String {
        Self.object(body)?["eventType"] as? String ?? "unknown"
    }

    /// Service hooks sign nothing: the subscription sends the secret back as the Basic password (or in a custom
    /// header craft-sync asks for), so the headers alone decide.
    public var webhookAuthentication: WebhookAuthentication { .secretInHeader }

    public func verifyWebhook(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool {
        var presented: [String] = []
        if let custom = headers["x-craft-sync-secret"] { presented.append(custom) }
        if let authorization = headers["authorization"], authorization.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        {
            presented.append(String(credentials[credentials.index(after: colon)...]))
        }
        return WebhookSignature.anyMatches(presented: presented, expected: secrets)
    }

    public func parseWebhook(headers: [String: String], body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        guard let object = Self.object(body), let eventType = object["eventType"] as? String,
            let resource = object["resource"] as? [String: Any]
        else { throw .malformedResponse(tool: "Azure DevOps", operation: "Azure DevOps webhook", detail: "not a service hook event") }
        let fields = resource["fields"] as? [String: Any] ?? [:]
        let revisionFields = (resource["revision"] as? [String: Any])?["fields"] as? [String: Any] ?? [:]
        switch eventType {
        case "workitem.created", "workitem.restored", "workitem.updated":
            // `workitem.updated` names the changed fields as `{oldValue, newValue}` and the item in `workItemId` (0 in
            // Microsoft's own sample, whose `revision.id` holds it); the others carry the fields' values and `id`.
            let id = eventType == "workitem.updated"
                ? (resource["workItemId"] as? Int).flatMap { $0 > 0 ? $0 : nil } ?? ((resource["revision"] as? [String: Any])?["id"] as? Int)
                : resource["id"] as? Int
            guard let id else { return .ignored(reason: "the event names no work item") }
            func current(_ name: String) -> String? {
                if let change = fields[name] as? [String: Any] { return change["newValue"] as? String }
                return fields[name] as? String ?? revisionFields[name] as? String
            }
            guard let state = current("System.State") else { return .ignored(reason: "the event names no state") }
            let order = current("System.ChangedDate").flatMap(Timestamp.parse)?.eventOrder
            let actor = ((resource["revisedBy"] as? [String: Any])?["uniqueName"] as? String) ?? current("System.ChangedBy")
            // The whole field set is known where the event carries it (a revision, a created item): a field absent there is
            // unset. An update without its revision names the changed fields only.
            let whole = !revisionFields.isEmpty || eventType != "workitem.updated"
            func value(_ name: String) -> Any?? {
                // A change record (`{oldValue, newValue}`); an identity is a dictionary too, without those keys.
                if let change = fields[name] as? [String: Any], change.keys.contains("newValue") || change.keys.contains("oldValue") {
                    return .some(change["newValue"])
                }
                if let value = fields[name] ?? revisionFields[name] { return .some(value) }
                return whole ? .some(nil) : nil
            }
            return .issue(IssueChange(
                issueID: String(id), key: "\(project)#\(id)", status: DevIssueStatus(name: state), order: order, actor: actor,
                signals: Self.signals(value)))
        case "workitem.deleted":
            guard let id = resource["id"] as? Int else { return .ignored(reason: "the event names no work item") }
            return .deleted(issueID: String(id), key: "\(project)#\(id)")
        default:
            return .ignored(reason: "'\(eventType)' events do not change a work item's state")
        }
    }

    /// What a work item's fields say besides its state (`value` gives a field's value, `.some(nil)` for unset, nil for
    /// unknown): who it is assigned to (an identity's display name, or the `Name <email>` text older events carry), the
    /// iteration (the last part of its path) as the sprint, the story points, and the due date.
    static func signals(_ value: (String) -> Any??) -> DevSignals {
        var signals: DevSignals = [:]
        if let assigned = value("System.AssignedTo") {
            let name = (assigned as? [String: Any])?["displayName"] as? String
                ?? (assigned as? String).map { text in text.split(separator: "<").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? text }
            signals[.assignee] = name ?? ""
        }
        if let path = value("System.IterationPath") {
            signals[.sprint] = (path as? String)?.split(separator: "\\").last.map(String.init) ?? ""
        }
        if let points = value("Microsoft.VSTS.Scheduling.StoryPoints") {
            signals[.points] = DevSignals.number((points as? NSNumber)?.doubleValue) ?? ""
        }
        if let due = value("Microsoft.VSTS.Scheduling.DueDate") { signals[.dueDate] = DevSignals.day(due as? String) ?? "" }
        return signals
    }

    /// The body as a JSON object; a leading UTF-8 byte order mark (as in Microsoft's published samples) is skipped.
    static func object(_ body: [UInt8]) -> [String: Any]? {
        let bytes = body.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(body.dropFirst(3)) : body
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}
