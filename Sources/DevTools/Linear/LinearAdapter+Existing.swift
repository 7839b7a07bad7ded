/// Naming an issue that craft-sync did not create. Its marker is the issue's id, which an existing issue cannot take:
/// nothing is added (the mapping alone knows the issue), as `addMarker`'s default says.
extension LinearAdapter {
    /// `ENG-12` or its address (`https://linear.app/WORKSPACE/issue/ENG-12/title`): Linear's `issue(id:)` takes the
    /// identifier as well as the id. The team is checked by the read, not here (the key's prefix is the team's key,
    /// which the configuration names by id).
    public func reference(naming text: String) -> DevIssueReference? {
        guard let named = IssueNaming.key(in: text, after: "issue"), let (key, _) = IssueNaming.projectKey(named) else { return nil }
        return DevIssueReference(id: key, key: key)
    }
}
