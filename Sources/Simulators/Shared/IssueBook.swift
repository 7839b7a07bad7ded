import Foundation
import Synchronization

/// The issues of one simulated tracker: numbered in order of creation, changed in place, deleted for good. What
/// GitHub, Jira, GitLab and Linear simulators share; each keeps its own wire format.
final class IssueBook: Sendable {
    private let state = Mutex<(issues: [SimulatedIssue], next: Int, deleted: Set<Int>)>(([], 1, []))

    var issues: [SimulatedIssue] { state.withLock { $0.issues } }

    /// Adds the issue `make` builds from the next number.
    func create(_ make: (Int) -> SimulatedIssue) -> SimulatedIssue {
        state.withLock { state in
            let issue = make(state.next)
            state.next += 1
            state.issues.append(issue)
            return issue
        }
    }

    /// Adds the issue `make` builds unless one with its id exists (a client-chosen id, as Linear's create takes);
    /// nil then, and nothing changes.
    func createUnlessExists(_ make: (Int) -> SimulatedIssue) -> SimulatedIssue? {
        state.withLock { state in
            let issue = make(state.next)
            guard !state.issues.contains(where: { $0.id == issue.id }) else { return nil }
            state.next += 1
            state.issues.append(issue)
            return issue
        }
    }

    func first(where matches: (SimulatedIssue) -> Bool) -> SimulatedIssue? {
        state.withLock { $0.issues.first(where: matches) }
    }

    /// Changes the first matching issue, stamps it `at`, and returns it (with what `change` returned).
    func update<Result>(
        where matches: (SimulatedIssue) -> Bool, at time: Date, _ change: (inout SimulatedIssue) -> Result
    ) -> (issue: SimulatedIssue, result: Result)? {
        state.withLock { state in
            guard let index = state.issues.firstIndex(where: matches) else { return nil }
            let result = change(&state.issues[index])
            state.issues[index].updatedAt = time
            return (state.issues[index], result)
        }
    }

    /// Deletes an issue; `wasDeleted` tells a deleted number from one that never existed.
    func delete(number: Int) {
        state.withLock { state in
            guard let index = state.issues.firstIndex(where: { $0.number == number }) else { return }
            state.issues.remove(at: index)
            state.deleted.insert(number)
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
