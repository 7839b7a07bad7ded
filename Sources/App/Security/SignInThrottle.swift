import Foundation
import Synchronization
import Support

/// Slows down guessing of the admin token (the status page's sign-in form and the API's bearer tokens alike).
///
/// Each client address gets a few free failures; after that each further failure locks the address out for twice
/// as long as the last (1 s, 2 s, 4 s, … at most `longestLock`), and while locked its attempts are answered 429
/// with `Retry-After` without being checked. Failures from every address together are counted too: past
/// `globalFailuresPerMinute` (someone guessing from many addresses), an address is locked at its first failure.
/// An address that has not failed is never held back, so the operator's correct token still works while
/// somebody else is being throttled. Forgotten after `memory` without failures; bounded in size.
final class SignInThrottle: Sendable {
    struct Policy: Sendable {
        var freeFailures = 5
        var firstLock: Duration = .seconds(1)
        var longestLock: Duration = .seconds(300)
        var globalFailuresPerMinute = 60
        var memory: Duration = .seconds(3600)
        var trackedAddresses = 10_000
    }

    /// What to do with an attempt.
    enum Verdict: Equatable {
        case check
        case locked(retryAfter: Int)
    }

    /// What a failure changed, so the caller logs the transitions rather than every failure.
    enum FailureEffect: Equatable {
        /// Still within the free failures: counted, nothing more.
        case counted(failures: Int)
        /// The address is now locked out for `seconds`.
        case locked(failures: Int, seconds: Int)
    }

    private struct Client {
        var failures = 0
        var lockedUntil: Date = .distantPast
        var lastFailure: Date = .distantPast
    }

    private struct State {
        var clients: [String: Client] = [:]
        /// Failures from every address in the current minute (a fixed window: O(1) whatever the flood).
        var windowStart: Date = .distantPast
        var windowFailures = 0
    }

    let policy: Policy
    private let clock: any SyncClock
    private let state = Mutex(State())

    init(policy: Policy = Policy(), clock: any SyncClock = SystemClock()) {
        self.policy = policy
        self.clock = clock
    }

    func verdict(for address: String) -> Verdict {
        let now = clock.now()
        return state.withLock { state in
            guard let client = state.clients[address], client.lockedUntil > now else { return .check }
            return .locked(retryAfter: max(1, Int(client.lockedUntil.timeIntervalSince(now).rounded(.up))))
        }
    }

    /// A wrong token from `address`.
    func failed(_ address: String) -> FailureEffect {
        let now = clock.now()
        return state.withLock { state in
            if now.timeIntervalSince(state.windowStart) >= 60 { (state.windowStart, state.windowFailures) = (now, 0) }
            state.windowFailures += 1
            if state.clients[address] == nil && state.clients.count >= policy.trackedAddresses { forgetOldest(&state, now: now) }
            var client = state.clients[address] ?? Client()
            if now.timeIntervalSince(client.lastFailure) >= policy.memory.timeInterval { client = Client() }
            client.failures += 1
            client.lastFailure = now
            let underAttack = state.windowFailures > policy.globalFailuresPerMinute
            let beyondFree = client.failures - (underAttack ? 0 : policy.freeFailures)
            defer { state.clients[address] = client }
            guard beyondFree > 0 else { return .counted(failures: client.failures) }
            let lock = min(policy.firstLock.timeInterval * pow(2, Double(min(beyondFree - 1, 30))), policy.longestLock.timeInterval)
            client.lockedUntil = now.addingTimeInterval(lock)
            return .locked(failures: client.failures, seconds: Int(lock.rounded(.up)))
        }
    }

    /// The right token from `address`: its count starts again.
    func succeeded(_ address: String) {
        state.withLock { _ = $0.clients.removeValue(forKey: address) }
    }

    private func forgetOldest(_ state: inout State, now: Date) {
        state.clients = state.clients.filter { now.timeIntervalSince($0.value.lastFailure) < policy.memory.timeInterval }
        if state.clients.count >= policy.trackedAddresses, let oldest = state.clients.min(by: { $0.value.lastFailure < $1.value.lastFailure }) {
            state.clients[oldest.key] = nil
        }
    }
}
