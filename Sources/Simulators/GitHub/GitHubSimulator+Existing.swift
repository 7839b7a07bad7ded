import Foundation
import HTTPServer

/// Issues people opened themselves, and labels added to an issue later: what linking an existing issue meets.
extension GitHubSimulator {
    /// An issue opened by a person in the repository (no marker), as `POST /repos/.../issues` would make it.
    @discardableResult
    public func openIssueByHand(title: String, labels: [String] = [], at time: Date = .now) -> SimulatedIssue {
        book.create { number in
            SimulatedIssue(
                id: String(1_000_000 + number), key: "#\(number)", number: number, title: title, description: "", labels: labels, state: "open",
                stateDetail: nil, updatedAt: time)
        }
    }

    /// "Add labels to an issue" (https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue): `{"labels": [...]}`
    /// added to those it has; the answer is the issue's labels. Only with push access, as on GitHub (403 without).
    func registerLabels(in router: inout Router) {
        router.post("/repos/:owner/:repo/issues/:number/labels") { [self] request in
            try await serve(request, "POST /repos/:owner/:repo/issues/:number/labels") {
                struct Body: Decodable { var labels: [String] }
                let body = try request.decodeJSON(Body.self)
                guard hasPushAccess else { return githubError(.forbidden, "Must have admin rights to Repository.") }
                guard let number = request.parameters["number"].flatMap(Int.init), let (issue, _) = book.update(.number(number), at: .now, { issue in
                    for label in body.labels where !issue.labels.contains(label) { issue.labels.append(label) }
                }) else { return githubError(.notFound, "Not Found") }
                return try .json(Self.render(issue, request).labels)
            }
        }
        // "Remove a label from an issue": the issue's labels after; 404 when it has no such label.
        router.add(.delete, "/repos/:owner/:repo/issues/:number/labels/:name") { [self] request in
            try await serve(request, "DELETE /repos/:owner/:repo/issues/:number/labels/:name") {
                guard hasPushAccess else { return githubError(.forbidden, "Must have admin rights to Repository.") }
                let name = request.parameters["name"]?.removingPercentEncoding ?? ""
                guard let number = request.parameters["number"].flatMap(Int.init), let (issue, removed) = book.update(.number(number), at: .now, { issue in
                    defer { issue.labels.removeAll { $0 == name } }
                    return issue.labels.contains(name)
                }), removed else { return githubError(.notFound, "Label does not exist") }
                return try .json(Self.render(issue, request).labels)
            }
        }
    }
}
