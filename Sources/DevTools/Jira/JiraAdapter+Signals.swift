import Foundation

/// What a Jira issue says besides its status (`progress.fields`): the assignee, the fix versions as the release, the
/// due date, and two custom fields whose ids each site chooses — the sprint (Jira Software's `Sprint`, on Jira Cloud
/// `customfield_10020`) and the estimate (`Story point estimate`, `customfield_10016`) — read from the issue's
/// `fields`, the same in deliveries (`issue.fields`) and reads.
extension JiraAdapter {
    /// The `fields` a read asks for, beyond status, labels and update time.
    var signalFieldNames: [String] { ["assignee", "fixVersions", "duedate", sprintField, pointsField] }

    /// The signals in an issue's `fields`, parsed apart from the adapter's own fields: the custom fields' ids are
    /// configuration. Unknown when `fields` is absent.
    func signals(in body: [UInt8]) -> DevSignals {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let issue = object["issue"] as? [String: Any] ?? (object["fields"] != nil ? object : nil),
            let fields = issue["fields"] as? [String: Any]
        else { return [:] }
        return signals(inFields: fields)
    }

    func signals(inFields fields: [String: Any]) -> DevSignals {
        var signals: DevSignals = [:]
        if fields.keys.contains("assignee") {
            let assignee = fields["assignee"] as? [String: Any]
            signals[.assignee] = (assignee?["displayName"] as? String) ?? (assignee?["name"] as? String) ?? ""
        }
        if let versions = fields["fixVersions"] as? [[String: Any]] {
            signals[.release] = versions.compactMap { $0["name"] as? String }.joined(separator: ", ")
        }
        if fields.keys.contains("duedate") { signals[.dueDate] = DevSignals.day(fields["duedate"] as? String) ?? "" }
        if fields.keys.contains(sprintField) { signals[.sprint] = Self.currentSprint(fields[sprintField]) ?? "" }
        if fields.keys.contains(pointsField) {
            signals[.points] = DevSignals.number((fields[pointsField] as? NSNumber)?.doubleValue ?? (fields[pointsField] as? String).flatMap(Double.init)) ?? ""
        }
        return signals
    }

    /// Jira Software's sprint field lists every sprint the issue was in (`[{"name", "state": "closed|active|future"}]`):
    /// the active one, else the next future one, else the last.
    static func currentSprint(_ value: Any?) -> String? {
        guard let sprints = value as? [[String: Any]], !sprints.isEmpty else { return nil }
        func named(_ state: String) -> String? { sprints.last { ($0["state"] as? String)?.lowercased() == state }?["name"] as? String }
        return named("active") ?? sprints.first { ($0["state"] as? String)?.lowercased() == "future" }?["name"] as? String
            ?? sprints.last?["name"] as? String
    }
}
