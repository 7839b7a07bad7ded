import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Heals missed webhooks: GitHub never redelivers what we missed while down, and any tool can drop a delivery.
/// Each cycle asks the dev tool for the current status of every linked issue (in batches, one call at a time,
/// within the adapters' rate-limit handling) and pushes what differs from what Craft.io last got.
public struct Reconciler: Sendable {
    let store: Store
    let craft: any CraftClient
    /// Adapters by instance name.
    let tools: [String: any DevTool]
    let statusMapping: StatusMapping
    let progressField: String
    let clock: any SyncClock
    let logger: Logger
    let batchSize: Int

    public init(
        store: Store, craft: any CraftClient, tools: [any DevTool], statusMapping: StatusMapping, progressField: String,
        clock: any SyncClock, logger: Logger, batchSize: Int = 50
    ) {
        self.store = store
        self.craft = craft
        self.tools = Dictionary(tools.map { ($0.instance, $0) }, uniquingKeysWith: { first, _ in first })
        self.statusMapping = statusMapping
        self.progressField = progressField
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
    }

    public struct Result: Sendable, Equatable {
        public var checked = 0
        public var pushed = 0
        public var failed = 0
    }

    public func run() async -> Result {
        var result = Result()
        var afterID: Int64 = 0
        while !Task.isCancelled {
            let batch: [Mapping]
            do {
                batch = try await store.mappings.linked(afterID: afterID, limit: batchSize)
            } catch {
                logger.error("reconciliation cannot read mappings", metadata: ["error": "\(error)"])
                break
            }
            guard let last = batch.last else { break }
            afterID = last.id
            for mapping in batch {
                guard let tool = tools[mapping.devToolInstance], let issueID = mapping.devIssueID else { continue }
                result.checked += 1
                do {
                    if try await reconcile(mapping, tool: tool, issueID: issueID) { result.pushed += 1 }
                } catch {
                    result.failed += 1
                    logger.warning("reconciliation of one item failed; next cycle retries", metadata: ["craft.item": "\(mapping.craftItemID)", "error": "\(error)"])
                }
            }
        }
        if result.pushed > 0 || result.failed > 0 {
            logger.info("reconciliation finished", metadata: ["checked": "\(result.checked)", "pushed": "\(result.pushed)", "failed": "\(result.failed)"])
        }
        return result
    }

    private var history: ItemHistory { ItemHistory(store: store, logger: logger) }

    /// True when Craft.io was behind and got the current value.
    private func reconcile(_ mapping: Mapping, tool: any DevTool, issueID: String) async throws -> Bool {
        let issue: DevIssue
        do {
            issue = try await tool.issue(DevIssueReference(id: issueID, key: mapping.devIssueKey ?? ""))
        } catch {
            guard error.isGone else { throw error }
            // Deleted in the tool (GitHub answers 410 Gone): recorded once, instead of failing every cycle.
            try await store.mappings.markDeleted(id: mapping.id, now: clock.now())
            logger.info("issue deleted in the dev tool", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(mapping.devIssueKey ?? issueID)"])
            await history.record(.init(
                mapping, at: clock.now(), kind: .deleted, outcome: "deleted",
                detail: "reconciliation found \(mapping.devIssueKey ?? issueID) gone from the dev tool; nothing more is synced for it"))
            return false
        }
        let now = clock.now()
        var mapping = mapping
        if issue.key != mapping.devIssueKey {
            try await store.mappings.updateKey(id: mapping.id, key: issue.key, url: issue.url, now: now)
            await history.record(.init(mapping, at: now, kind: .keyChanged, outcome: "changed", detail: "\(mapping.devIssueKey ?? "the issue") is now \(issue.key)"))
            mapping.devIssueKey = issue.key
        }
        guard let value = statusMapping.craftValue(for: issue.status, of: tool), value != mapping.lastPushedStatus else { return false }
        await history.record(.init(
            mapping, at: now, kind: .reconciled, outcome: "behind",
            detail: "Craft.io had '\(mapping.lastPushedStatus ?? "nothing")' while \(issue.key) is '\(issue.status.name)'; pushing '\(value)'"))
        // Ordered by the tool's own time of the state read, the clock webhooks carry too: never our clock, which a
        // jump ahead would turn into "every later webhook is stale". An equal time (GitHub has 1 s resolution) does
        // not make a webhook stale, so a same-second change still applies.
        try await ProgressWrite(store: store, craft: craft, field: progressField, clock: clock, logger: logger)
            .push(mapping, value: value, order: issue.order)
        logger.info("reconciliation pushed a missed change", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(issue.key)", "value": "\(value)"])
        return true
    }
}
