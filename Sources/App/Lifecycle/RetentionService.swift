import Foundation
import Logging
import Store

/// Prunes what the store no longer needs, once at start and then every `interval`: processed and ignored
/// events older than the retention. Dead events are kept for an operator.
struct RetentionService: Sendable {
    let store: Store
    let retention: Duration
    let interval: Duration
    let logger: Logger

    func run() async {
        while !Task.isCancelled {
            await pruneOnce(now: .now)
            try? await Task.sleep(for: interval)
        }
    }

    func pruneOnce(now: Date) async {
        let cutoff = now.addingTimeInterval(-retention.timeInterval)
        do {
            let events = try await store.events.prune(finishedBefore: cutoff)
            if events > 0 { logger.info("pruned old records", metadata: ["events": "\(events)"]) }
        } catch {
            logger.error("pruning failed; will try again", metadata: ["error": "\(error)"])
        }
    }
}
