import DevTools
import Foundation
import Store

/// What came of a change for one linked item, as its timeline records it (`rawValue`).
public enum ProgressOutcome: String, Sendable, CaseIterable {
    /// Craft.io was written.
    case applied
    /// Craft.io had the value already; only the record moved.
    case noOp = "no-op"
    /// Older than the last change applied, or without a time to order it by.
    case stale
    /// Caused by craft-sync's own account.
    case echo
    /// The status has no Craft value.
    case unmapped
    case ignored
    /// Left to reconciliation: the delivery's reads were spent.
    case throttled
    case moved
    case deleted

    /// Whether the event that brought it is finished as processed (else ignored, with the reason).
    var processesEvent: Bool { [.applied, .noOp, .moved, .deleted].contains(self) }
}

/// The one place a change of an issue's status becomes a Craft.io value: webhooks and reconciliation's reads are both
/// decided here, by the same staleness, echo, review and mapping rules, as a `Plan` their callers carry out in one
/// unit of work. Pure: no store, no network, no clock of its own.
struct ProgressApplier: Sendable {
    var statusMapping: StatusMapping
    /// Accounts whose events are craft-sync's own echoes.
    var ownAccounts: Set<String> = []
    var eventTime = EventTime()

    /// An issue's state as the tool told it: by a delivery (`event`) or by reading the issue now (`read`).
    struct Observation: Sendable {
        enum Source: Sendable { case event, read }
        var source: Source
        var key: String
        var url: String?
        var status: DevIssueStatus
        /// The tool's own time of the state (milliseconds since 1970).
        var order: Int64?
        var actor: String?

        static func event(_ change: IssueChange) -> Observation {
            Observation(source: .event, key: change.key, status: change.status, order: change.order, actor: change.actor)
        }

        static func read(_ issue: DevIssue) -> Observation {
            Observation(source: .read, key: issue.key, url: issue.url, status: issue.status, order: issue.order)
        }
    }

    /// What to do: the outcome and its account, what the mapping learns, and the push to make or record.
    struct Plan: Sendable, Equatable {
        var outcome: ProgressOutcome
        var detail: String
        /// The issue's key changed (a Jira issue moved projects); recorded with the plan, and on the timeline.
        var newKey: String?
        /// The adapter's note on the mapping changes to this (`.some(nil)` clears it).
        var toolNote: String??
        /// The Craft.io value to write, or to record as there already.
        var value: String?
        /// Craft.io lacks `value`: it is written, then recorded.
        var writes = false
        /// The status behind the value, as recorded.
        var devStatus: DevIssueStatus?
        /// The order the push records.
        var order: Int64?
        /// The observation claimed this time (milliseconds since 1970), beyond our clock plus the allowed skew: it was
        /// ordered as now.
        var suspiciousTime: Int64?
    }

    func decide(_ observation: Observation, mapping: Mapping, tool: any DevTool, now: Date) -> Plan {
        if observation.source == .event, let actor = observation.actor, ownAccounts.contains(actor) {
            return Plan(outcome: .echo, detail: "caused by craft-sync's own account \(actor)")
        }
        var plan = Plan(outcome: .ignored, detail: "")
        var order: Int64?
        let applied = eventTime.stored(mapping.lastEventOrder, now: now)
        switch observation.source {
        case .event:
            let (bounded, clamped) = eventTime.bounded(observation.order, now: now)
            if clamped { plan.suspiciousTime = observation.order }
            order = bounded
            if let applied {
                guard let order else {
                    // Applying it unconditionally could put an old state over a newer one; reconciliation reads the
                    // issue's current state each cycle and applies that instead.
                    return Plan(
                        outcome: .stale,
                        detail: "no usable timestamp to order it against the last change applied to \(observation.key); reconciliation applies the current state")
                }
                if order < applied { return Plan(outcome: .stale, detail: "older than the last event applied to \(observation.key)") }
            }
        case .read:
            // A read from a tool whose clock runs far ahead is taken as unordered; an item whose stored order is from
            // the future can always be repaired.
            order = eventTime.stored(observation.order, now: now)
            // A read older than the last change applied says less than that change did (a pull request in review leaves
            // its issue untouched, so the issue's own time is older): only a newer or same-second read may correct it.
            // Except where the tool says the read ends a state whose end carries no time of its own (a GitHub card
            // taken off its board): then it is as new as what it ends.
            if let read = order, let applied, read < applied {
                guard let last = mapping.lastDevStatus, tool.readEndsUntimedState(last, read: observation.status) else {
                    return Plan(outcome: .stale, detail: "the read of \(observation.key) is older than the last change applied")
                }
                order = applied
            }
        }
        if observation.key != mapping.devIssueKey { plan.newKey = observation.key }
        let held = tool.holding(observation.status, note: mapping.toolNote)
        if held.note != mapping.toolNote { plan.toolNote = .some(held.note) }
        let status = held.status
        guard let value = statusMapping.craftValue(for: status, of: tool) else {
            plan.outcome = .unmapped
            plan.detail = "status '\(status.described)' has no Craft value: add it to progress.status_map"
            return plan
        }
        plan.order = order
        plan.devStatus = status
        if value != mapping.lastPushedStatus {
            plan.value = value
            plan.writes = true
            plan.outcome = .applied
            plan.detail = "status '\(status.described)' → Craft.io '\(value)'"
            return plan
        }
        plan.outcome = .noOp
        plan.detail = "status '\(status.described)' → Craft.io '\(value)', which it has already"
        // An event's order still advances. A read records only a changed status behind the value (a card taken off,
        // leaving an assignee's In Progress), so the next pass does not take the card for current; an unchanged read
        // writes nothing (a full pass reads thousands).
        if observation.source == .event || status.described != mapping.lastDevStatus { plan.value = value }
        return plan
    }
}
