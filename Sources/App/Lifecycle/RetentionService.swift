import Foundation
import Logging
import Store

/// Prunes what the store no longer needs, once at start and then every `interval`: processed and ignored
/// events and item timeline entries older than the retention. Dead events (and their entries) are kept for an
/// operator.
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
            let entries = try await store.timeline.prune(before: cutoff)
            if events + entries > 0 { logger.info("pruned old records", metadata: ["events": "\(events)", "timeline": "\(entries)"]) }
        } catch {
            logger.error("pruning failed; will try again", metadata: ["error": "\(error)"])
        }
    }
}
