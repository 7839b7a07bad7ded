import Foundation
import Synchronization

/// The issues of one simulated tracker: numbered in order of creation, changed in place, deleted for good. What
/// GitHub, Jira, GitLab and Linear simulators share; each keeps its own wire format. Indexed by number, id and key,
/// so a tracker of 100,000 issues answers a read as fast as one of ten (the scale benchmark runs that many).
final class IssueBook: Sendable {
    private struct State {
        var issues: [SimulatedIssue] = []
        var next = 1
        var deleted: Set<Int> = []
        /// Each issue's parent, by key (sub-issue, parent field, parent link: how the tool puts one under another).
        var parents: [String: String] = [:]
        /// Positions in `issues`, by number, id and key.
        var byNumber: [Int: Int] = [:]
        var byID: [String: Int] = [:]
        var byKey: [String: Int] = [:]

        mutating func append(_ issue: SimulatedIssue) {
            index(issue, at: issues.count)
            issues.append(issue)
        }

        mutating func index(_ issue: SimulatedIssue, at position: Int) {
            byNumber[issue.number] = position
            byID[issue.id] = position
            byKey[issue.key] = position
        }

        mutating func reindex() {
            byNumber = [:]
            byID = [:]
            byKey = [:]
            for (position, issue) in issues.enumerated() { index(issue, at: position) }
        }

        func position(of reference: IssueBook.Reference) -> Int? {
            switch reference {
            case .number(let number): byNumber[number]
            case .idOrKey(let text): byID[text] ?? byKey[text]
            }
        }
    }

    /// How a caller names an issue.
    enum Reference {
        case number(Int)
        /// The stable id, or the human key (`ACME-12`).
        case idOrKey(String)
    }

    private let state = Mutex(State())

    var issues: [SimulatedIssue] { state.withLock { $0.issues } }

    /// Adds the issue `make` builds from the next number.
    func create(_ make: (Int) -> SimulatedIssue) -> SimulatedIssue {
        state.withLock { state in
            let issue = make(state.next)
            state.next += 1
            state.append(issue)
            return issue
        }
    }

    /// Adds the issue `make` builds unless one with its id exists (a client-chosen id, as Linear's create takes);
    /// nil then, and nothing changes.
    func createUnlessExists(_ make: (Int) -> SimulatedIssue) -> SimulatedIssue? {
        state.withLock { state in
            let issue = make(state.next)
            guard state.byID[issue.id] == nil else { return nil }
            state.next += 1
            state.append(issue)
            return issue
        }
    }

    func issue(_ reference: Reference) -> SimulatedIssue? {
        state.withLock { state in state.position(of: reference).map { state.issues[$0] } }
    }

    /// Changes the issue, stamps it `at`, and returns it (with what `change` returned).
    func update<Result>(
        _ reference: Reference, at time: Date, _ change: (inout SimulatedIssue) -> Result
    ) -> (issue: SimulatedIssue, result: Result)? {
        state.withLock { state in
            guard let position = state.position(of: reference) else { return nil }
            let before = state.issues[position]
            let result = change(&state.issues[position])
            state.issues[position].updatedAt = time
            if state.issues[position].key != before.key || state.issues[position].id != before.id { state.reindex() }
            return (state.issues[position], result)
        }
    }

    /// Deletes an issue; `wasDeleted` tells a deleted number from one that never existed.
    /// The key of the issue keyed `key` sits under, if any.
    func parent(of key: String) -> String? { state.withLock { $0.parents[key] } }

    /// Puts the issue keyed `child` under `parent`, unless `refusal` (given the parent it has now) gives a
    /// reason, which is returned.
    func setParent(of child: String, to parent: String, unless refusal: (_ current: String?) -> String? = { _ in nil }) -> String? {
        state.withLock { state in
            if let reason = refusal(state.parents[child]) { return reason }
            state.parents[child] = parent
            return nil
        }
    }

    func delete(number: Int) {
        state.withLock { state in
            guard let position = state.byNumber[number] else { return }
            state.issues.remove(at: position)
            state.deleted.insert(number)
            state.reindex()
        }
    }

    func wasDeleted(number: Int) -> Bool { state.withLock { $0.deleted.contains(number) } }
}

extension FaultInjector {
    /// What follows a performed create: a reset, a gateway error, or the answer.
    enum AfterCreate { case reset, gatewayError, answer }

    func afterCreate(target: String) -> AfterCreate {
        if shouldResetAfterCreate(target: target) { return .reset }
        if shouldFailAfterCreate(target: target) { return .gatewayError }
        return .answer
    }
}
