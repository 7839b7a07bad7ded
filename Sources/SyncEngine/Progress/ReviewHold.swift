import DevTools

/// A review in progress holds an open issue in review. GitHub says "in review" only in pull-request events
/// (`open:in_review`, ended by `open:review_closed` or the merge's close); the issue's own events and reads say
/// `open` or `open:assigned`. So a mapping remembers that a review is open, and while it is, any open state of the
/// issue stays in review; a change of state (closed) ends it.
enum ReviewHold {
    static let inReview = "in_review"
    static let reviewClosed = "review_closed"
    /// The state a review holds (GitHub's open issue).
    static let heldState = "open"

    /// The status to apply given whether a review is open, and whether one is open after it.
    static func resolve(_ status: DevIssueStatus, reviewOpen: Bool) -> (status: DevIssueStatus, reviewOpen: Bool) {
        switch status.detail {
        case inReview: return (status, true)
        case reviewClosed: return (status, false)
        default:
            guard reviewOpen else { return (status, false) }
            return status.name == heldState ? (DevIssueStatus(name: heldState, detail: inReview, labels: status.labels), true) : (status, false)
        }
    }
}
