/// A review in progress holds an open issue in review. GitHub says "in review" only in pull-request events
/// (`open:in_review`, ended by `open:review_closed` or the merge's close); the issue's own events and reads say
/// `open` or `open:assigned`. So the adapter notes on the mapping that a review is open (`review_open`), and while it
/// is, any open state of the issue stays in review; a change of state (closed) ends it.
extension GitHubAdapter {
    static let inReview = "in_review"
    static let reviewClosed = "review_closed"
    /// The mapping's note while a review is open.
    static let reviewOpenNote = "review_open"

    public func holding(_ status: DevIssueStatus, note: String?) -> (status: DevIssueStatus, note: String?) {
        let reviewOpen = note == Self.reviewOpenNote
        switch status.detail {
        case Self.inReview: return (status, Self.reviewOpenNote)
        case Self.reviewClosed: return (status, nil)
        default:
            guard reviewOpen, status.name == "open" else { return (status, nil) }
            return (DevIssueStatus(name: "open", detail: Self.inReview, labels: status.labels), Self.reviewOpenNote)
        }
    }
}
