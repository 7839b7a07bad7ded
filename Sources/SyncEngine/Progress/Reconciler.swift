import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Heals missed webhooks: GitHub never redelivers what we missed while down, and any tool can drop a delivery.
///
/// Cost grows with change, not with size. Where the adapter can list changes (`ChangeListing`), a cycle asks the
/// tool once (a page per 100 changes) for the issues changed since the newest change it has seen, by the tool's own
/// clock less `overlap`, and pushes what differs from what Craft.io last got; issues that did not change are not
/// read. A full pass (every linked issue read, one call each) runs when there is no cursor yet, every
/// `fullPassInterval` (to catch what no listing shows, such as deletions), and for tools that cannot list changes.
/// The cursor only moves after a pass in which nothing failed, so a failure is retried, never skipped.
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
    let fullPassInterval: Duration
    let overlap: Duration
    /// Each instance's rate budget: a pass is put off while less than `budgetReserve` of it is left, so creates
    /// and webhook follow-ups keep what remains.
    let budgets: [String: RateBudget]
    let budgetReserve: Double
    /// Writes the roll-up of parents whose children it pushed; nil for none.
    let rollUp: RollUp?

    /// Bounds the tool's times by our clock (see `EventTime`).
    let eventTime: EventTime
    /// What developers did besides the status, and the Craft.io field each goes to (`progress.fields`).
    let signalFields: [DevSignal: String]
    public init(
        store: Store, craft: any CraftClient, tools: [any DevTool], statusMapping: StatusMapping, progressField: String,
        clock: any SyncClock, logger: Logger, batchSize: Int = 50, fullPassInterval: Duration = .seconds(24 * 3600),
        overlap: Duration = .seconds(300), budgets: [String: RateBudget] = [:], budgetReserve: Double = 0.2, rollUp: RollUp? = nil,
        eventTime: EventTime = EventTime(), signalFields: [DevSignal: String] = [:]
    ) {
        self.signalFields = signalFields
        self.eventTime = eventTime
        self.rollUp = rollUp
        self.budgets = budgets
        self.budgetReserve = budgetReserve
        self.store = store
        self.craft = craft
        self.tools = Dictionary(tools.map { ($0.instance, $0) }, uniquingKeysWith: { first, _ in first })
        self.statusMapping = statusMapping
        self.progressField = progressField
        self.clock = clock
        self.logger = logger
        self.batchSize = batchSize
        self.fullPassInterval = fullPassInterval
        self.overlap = overlap
    }

    public struct Result: Sendable, Equatable {
        /// Linked issues compared with what Craft.io last got.
        public var checked = 0
        public var pushed = 0
        public var failed = 0
        /// Tools reconciled from their list of changes rather than by reading every issue.
        public var incremental = 0
        /// Tools whose pass waits for the next cycle: their token's budget ran low.
        public var deferred = 0
        /// Parents of the items pushed, for their roll-up.
        var touchedParents: Set<RollUp.Parent> = []

        public init(checked: Int = 0, pushed: Int = 0, failed: Int = 0, incremental: Int = 0, deferred: Int = 0) {
            self.deferred = deferred
            self.checked = checked
            self.pushed = pushed
            self.failed = failed
            self.incremental = incremental
        }

        mutating func add(_ other: Result) {
            checked += other.checked
            pushed += other.pushed
            failed += other.failed
            incremental += other.incremental
            deferred += other.deferred
            touchedParents.formUnion(other.touchedParents)
        }

        mutating func recordPush(_ mapping: Mapping) {
            pushed += 1
            if let parent = RollUp.parent(of: mapping) { touchedParents.insert(parent) }
        }

        public static func == (lhs: Result, rhs: Result) -> Bool {
            (lhs.checked, lhs.pushed, lhs.failed, lhs.incremental, lhs.deferred) == (rhs.checked, rhs.pushed, rhs.failed, rhs.incremental, rhs.deferred)
        }
    }


    public func run() async -> Result {
        var result = Result()
        for tool in tools.values.sorted(by: { $0.instance < $1.instance }) where !Task.isCancelled {
            result.add(await reconcile(tool))
        }
        if let rollUp, !result.touchedParents.isEmpty { await rollUp.update(result.touchedParents) }
        if result.pushed > 0 || result.failed > 0 {
            logger.info("reconciliation finished", metadata: ["checked": "\(result.checked)", "pushed": "\(result.pushed)", "failed": "\(result.failed)"])
        }
        return result
    }

    /// Cursor names in the store, per dev-tool instance.
    static func sinceCursor(_ instance: String) -> String { "reconcile.changed_since.\(instance)" }
    static func fullPassCursor(_ instance: String) -> String { "reconcile.full_pass.\(instance)" }

    private func reconcile(_ tool: any DevTool) async -> Result {
        if let budget = budgets[tool.instance], !budget.hasRoom(share: budgetReserve, now: clock.now()) {
            // Nothing is lost by waiting: the cursor stays, and the next cycle lists everything since.
            let left = budget.snapshot.map { "\($0.remaining) requests left\($0.resetAt.map { " until \($0.formatted(.iso8601))" } ?? "")" } ?? ""
            logger.info("reconciliation put off: the token's rate budget is low", metadata: ["dev.instance": "\(tool.instance)", "budget": "\(left)"])
            return Result(deferred: 1)
        }
        let since = await date(Self.sinceCursor(tool.instance))
        let lastFull = await date(Self.fullPassCursor(tool.instance))
        if let listing = tool.changeListing, let since, let lastFull, clock.now().timeIntervalSince(lastFull) < fullPassInterval.timeInterval {
            return await incremental(tool, listing: listing, since: since)
        }
        return await fullPass(tool)
    }

    /// Checks every linked issue of `tool`; remembers the newest change seen as the next pass's starting point.
    ///
    /// A tool that can list its issues is listed whole (100 a page, a GitHub board's cards 100 at a time), and only the
    /// linked issues the listing did not return (deleted, transferred) are read one by one: the pass costs
    /// O(issues / 100 + missing) calls, not one or two per linked issue.
    private func fullPass(_ tool: any DevTool) async -> Result {
        let started = clock.now()
        var result = Result()
        var newest: Date?
        var listed: Set<String> = []
        if let listing = tool.changeListing {
            do {
                // Every issue of the project: "changed since" the beginning of the tool's time.
                for issue in try await listing.issuesChanged(since: Date(timeIntervalSince1970: 0)) {
                    listed.insert(issue.id)
                    newest = Timestamp.later(newest, issue.updatedAt)
                    result.add(await reconcileListed(issue, tool: tool))
                }
            } catch {
                // A listing the tool refuses (a result cap, a query it will not run) must not stop healing: the pass
                // reads what it did not list, one by one, as it did before listings.
                logger.warning(
                    "reconciliation could not list the issues; reading the rest one by one", metadata: ["dev.instance": "\(tool.instance)", "error": "\(error)"])
            }
        }
        var afterID: Int64 = 0
        while !Task.isCancelled {
            let batch: [Mapping]
            do {
                batch = try await store.mappings.linked(devToolInstance: tool.instance, afterID: afterID, limit: batchSize)
            } catch {
                logger.error("reconciliation cannot read mappings", metadata: ["error": "\(error)"])
                result.failed += 1
                break
            }
            guard let last = batch.last else { break }
            afterID = last.id
            for mapping in batch {
                guard let issueID = mapping.devIssueID, !listed.contains(issueID) else { continue }
                result.checked += 1
                do {
                    guard let issue = try await read(mapping, tool: tool, issueID: issueID) else { continue }
                    newest = Timestamp.later(newest, issue.updatedAt)
                    if try await reconcile(mapping, issue: issue, tool: tool) { result.recordPush(mapping) }
                } catch {
                    result.failed += 1
                    logger.warning("reconciliation of one item failed; next cycle retries", metadata: ["craft.item": "\(mapping.craftItemID)", "error": "\(error)"])
                }
            }
        }
        if result.failed == 0, !Task.isCancelled {
            await save(Self.fullPassCursor(tool.instance), started)
            // An issue read early in a long pass may have changed since, with its webhook lost: the next listing starts
            // as far before the newest change seen as the pass took (the tool's clock moved about as far as ours).
            if let newest { await save(Self.sinceCursor(tool.instance), newest.addingTimeInterval(-clock.now().timeIntervalSince(started))) }
        }
        return result
    }

    /// Asks the tool for the issues changed since `since` (less `overlap`) and reconciles those of them craft-sync linked.
    private func incremental(_ tool: any DevTool, listing: any ChangeListing, since: Date) async -> Result {
        var result = Result(incremental: 1)
        let changed: [DevIssue]
        do {
            changed = try await listing.issuesChanged(since: since.addingTimeInterval(-overlap.timeInterval))
        } catch {
            logger.warning("reconciliation could not list changed issues; next cycle retries", metadata: ["dev.instance": "\(tool.instance)", "error": "\(error)"])
            result.failed += 1
            return result
        }
        var newest = since
        for issue in changed {
            newest = Timestamp.later(newest, issue.updatedAt) ?? newest
            result.add(await reconcileListed(issue, tool: tool))
        }
        if result.failed == 0 { await save(Self.sinceCursor(tool.instance), newest) }
        return result
    }

    /// Reconciles a listed issue if craft-sync linked it (a listing holds everyone's issues); a failure is counted.
    private func reconcileListed(_ issue: DevIssue, tool: any DevTool) async -> Result {
        var result = Result()
        do {
            guard let mapping = try await store.mappings.mapping(devToolInstance: tool.instance, devIssueID: issue.id), mapping.state == .linked
            else { return result }
            result.checked += 1
            if try await reconcile(mapping, issue: issue, tool: tool) { result.recordPush(mapping) }
        } catch {
            result.failed += 1
            logger.warning("reconciliation of one item failed; next cycle retries", metadata: ["dev.issue": "\(issue.key)", "error": "\(error)"])
        }
        return result
    }

    /// The issue as the tool has it now; nil when it was deleted there (recorded once, instead of failing every cycle).
    private func read(_ mapping: Mapping, tool: any DevTool, issueID: String) async throws -> DevIssue? {
        do {
            return try await tool.issue(DevIssueReference(id: issueID, key: mapping.devIssueKey ?? ""))
        } catch {
            guard error.isGone else { throw error }
            // Deleted in the tool (GitHub answers 410 Gone): the mapping's state and its timeline entry in one unit of work.
            let entry = NewTimelineEntry(
                mapping, at: clock.now(), kind: .deleted, outcome: "deleted",
                detail: "reconciliation found \(mapping.devIssueKey ?? issueID) gone from the dev tool; nothing more is synced for it")
            try await writer.commit([], facts: [mapping.id: MappingFacts(deleted: true)], timeline: [entry])
            logger.info("issue deleted in the dev tool", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(mapping.devIssueKey ?? issueID)"])
            return nil
        }
    }

    /// True when Craft.io was behind and got the issue's current value: the read decided by `ProgressApplier` (the
    /// rules webhooks go by), carried out in one unit of work.
    private func reconcile(_ mapping: Mapping, issue: DevIssue, tool: any DevTool) async throws -> Bool {
        let now = clock.now()
        let plan = applier.decide(.read(issue), mapping: mapping, tool: tool, now: now)
        var mapping = mapping
        var facts = MappingFacts(toolNote: plan.toolNote)
        var timeline: [NewTimelineEntry] = []
        if let key = plan.newKey {
            facts.key = key
            facts.url = issue.url
            timeline.append(.init(mapping, at: now, kind: .keyChanged, outcome: "changed", detail: "\(mapping.devIssueKey ?? "the issue") is now \(key)"))
            mapping.devIssueKey = key
        }
        // Issues linked before their tool's other id was kept (or moved since) learn it from any read.
        if let altID = issue.alternateID, altID != mapping.devIssueAltID { facts.alternateID = altID }
        // What a missed delivery would have said besides the status (an assignee), by the same rules.
        if plan.outcome != .stale, !signalFields.isEmpty {
            let signals = try await SignalWriter(craft: craft, fields: signalFields, clock: clock, logger: logger).write(issue.signals, to: mapping, eventID: nil)
            facts.signalChanges = signals.changes
            timeline += signals.timeline
        }
        guard let value = plan.value, let status = plan.devStatus else {
            if !facts.isEmpty || !timeline.isEmpty { try await writer.commit([], facts: [mapping.id: facts], timeline: timeline) }
            return false
        }
        guard plan.writes else {
            // Craft.io has the value; the status behind it changed, which is recorded.
            let push = PendingPush(mapping: mapping, value: value, devStatus: status.described, order: plan.order, seen: mapping.pushRecord, written: false)
            try await writer.commit([push], facts: [mapping.id: facts], timeline: timeline)
            return false
        }
        timeline.insert(.init(
            mapping, at: now, kind: .reconciled, outcome: "behind",
            detail: "Craft.io had '\(mapping.lastPushedStatus ?? "nothing")' while \(issue.key) is '\(issue.status.name)'; pushing '\(value)'"), at: 0)
        // Ordered by the tool's own time of the state read, the clock webhooks carry too: never our clock, which a
        // jump ahead would turn into "every later webhook is stale". An equal time (GitHub has 1 s resolution) does
        // not make a webhook stale, so a same-second change still applies.
        let (push, written) = try await writer.write(mapping, value: value, devStatus: status, order: plan.order, seen: mapping.pushRecord, eventID: nil)
        try await writer.commit([push], facts: [mapping.id: facts], timeline: timeline + [written])
        logger.info("reconciliation pushed a missed change", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(issue.key)", "value": "\(value)"])
        return true
    }

    private var applier: ProgressApplier { ProgressApplier(statusMapping: statusMapping, eventTime: eventTime) }
    private var writer: ProgressWrite {
        ProgressWrite(store: store, craft: craft, field: progressField, clock: clock, logger: logger, eventTime: eventTime)
    }

    private func date(_ name: String) async -> Date? { (try? await store.cursors.date(name)) ?? nil }

    private func save(_ name: String, _ date: Date) async {
        do {
            try await store.cursors.set(name, to: date, now: clock.now())
        } catch {
            logger.warning("could not store the reconciliation cursor; the next cycle reads more than it needs", metadata: ["error": "\(error)"])
        }
    }
}
