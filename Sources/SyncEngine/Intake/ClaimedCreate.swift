import DevTools
import Foundation
import Support

/// The life of one claimed create, as a value: what to do next given what just happened. The intake engine carries
/// out each step (the store, the tool, the clock) and feeds back the result; this decides, so the rules that make
/// "exactly once" hold are tested without a server:
/// - an abandoned claim, or any attempt whose outcome is unknown (a reset, a 5xx, a 429 from a tool that may lie),
///   looks for the issue's marker before creating again;
/// - the lease is renewed right before every create call, after any wait, and a lost lease stops the create;
/// - a transient failure is retried in line while the wait is short, else the claim is released for the next run
///   (postponed, never failed); a permanent one fails the item;
/// - where the tool may not find an issue it just created, an unknown outcome leaves the claim to its lease.
struct ClaimedCreate: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        /// Ask the tool for an issue carrying the marker.
        case findByMarker
        /// Wait for the create rate limits and the token's budget, then report `readyToCreate` (or postpone).
        case waitForCapacity
        /// Renew the lease; report `renewed`.
        case renewLease
        case create
        /// Link the claim to this issue (found by its marker when `recovered`).
        case link(DevIssue, recovered: Bool)
        /// Sleep, then report `waited`.
        case retry(after: Duration)
        /// Release the claim for the next run or cycle; the item is skipped for now.
        case postpone(reason: String)
        /// Leave the claim as it is: the next run looks for the marker once its lease has run out.
        case leaveToLease(reason: String)
        case fail(reason: String)
        /// Another run took the claim over after its lease ran out.
        case lost
    }

    struct Policy: Sendable, Equatable {
        var attempts: Int
        var baseDelay: Duration
        var longestInlineWait: Duration
        /// Whether a lookup right after a create sees the new issue (`DevTool.findsNewIssuesImmediately`).
        var findsNewIssuesImmediately: Bool
    }

    let policy: Policy
    private(set) var attempt = 1
    /// An issue may exist already: an abandoned claim's, or one whose create's answer was lost.
    private(set) var outcomeUnknown: Bool
    /// Jitter for the backoff, injected so decisions are reproducible.
    var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    init(policy: Policy, resumingAbandonedClaim: Bool) {
        self.policy = policy
        self.outcomeUnknown = resumingAbandonedClaim
    }

    static func == (lhs: ClaimedCreate, rhs: ClaimedCreate) -> Bool {
        (lhs.policy, lhs.attempt, lhs.outcomeUnknown) == (rhs.policy, rhs.attempt, rhs.outcomeUnknown)
    }

    func start() -> Step { outcomeUnknown ? .findByMarker : .waitForCapacity }

    func found(_ issue: DevIssue?) -> Step { issue.map { .link($0, recovered: true) } ?? .waitForCapacity }

    func readyToCreate() -> Step { .renewLease }

    func renewed(_ held: Bool) -> Step { held ? .create : .lost }

    func created(_ issue: DevIssue) -> Step { .link(issue, recovered: false) }

    /// A call to the tool failed.
    mutating func failed(_ error: DevToolError) -> Step {
        // After a reset or a 5xx the create may have happened: look for the marker before trying again. (A 429 means
        // the tool did not act, but looking costs one read and guards against tools that lie.)
        outcomeUnknown = true
        guard error.isTransient else { return .fail(reason: "\(error)") }
        if error.outcomeUnknown && !policy.findsNewIssuesImmediately {
            // A lookup now could miss an issue the tool has not indexed yet.
            return .leaveToLease(reason: "the create's outcome is unknown (\(error)); the marker is looked for again after the claim lease")
        }
        let wait = error.retryAfter ?? Backoff(base: policy.baseDelay, cap: policy.longestInlineWait, random: random).delay(attempt: attempt)
        guard attempt < policy.attempts, wait <= policy.longestInlineWait else {
            // Not failed: an outage or a rate limit heals.
            return .postpone(reason: "postponed after \(attempt) attempts (\(error)); the next run or cycle tries again")
        }
        return .retry(after: wait)
    }

    mutating func waited() -> Step {
        attempt += 1
        return start()
    }
}
