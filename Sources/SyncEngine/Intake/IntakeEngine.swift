import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Intake: ready Craft.io items become dev-tool issues exactly once.
///
/// The rule that makes "exactly once" hold through crashes, resets, overlapping polls and replicas: a pending
/// mapping is committed right before the dev tool is called (the store's uniqueness lets only one caller claim
/// an item) and touched before every attempt, the issue carries a marker, and any create whose outcome is
/// unknown (a reset, a 5xx, a pending claim left by a run that died) asks the dev tool for the marker before
/// creating again. A pending claim counts as abandoned only once it is older than `claimLease`, and only one
/// caller can take it over.
public actor IntakeEngine {
    let craft: any CraftClient
    let store: Store
    let mapper: IssueMapper
    let clock: any SyncClock
    let settings: IntakeSettings
    let logger: Logger
    let observer: any SyncObserver
    /// Each dev-tool token's rate budget, by instance: a create waits for the window to reset rather than be refused.
    let budgets: [String: RateBudget]
    /// Writes the roll-up of parents that got new children; nil for none.
    let rollUp: RollUp?
    /// Ordered rules that send an item to another dev-tool instance than its workspace's, and those instances.
    let routing: [RoutingRule]
    let tools: [String: any DevTool]
    let rateLimiter: CreateRateLimiter
    var history: ItemHistory { ItemHistory(store: store, logger: logger) }
    /// Workspaces with a run in progress: one poll at a time per workspace.
    private var running: Set<String> = []
    /// Dev-tool instances whose creates come back without the marker, by instance, with what to do. Intake for them
    /// stops: without the marker a lost answer can never be found again, so exactly-once cannot be guaranteed.
    var halts: [String: String] = [:]
    /// Per workspace, Craft parents `intake.sync_ancestors` cannot bring across (linked by Craft.io's own integration,
    /// or unreadable for good), so they are not read again each poll.
    var unsyncableParents: [String: Set<String>] = [:]
    /// Mappings whose parent link is being made now (`linkUnder`).
    var linkingChildren: Set<Int64> = []
    /// Workspaces already warned that their listing may be cut short (once each, not every poll).
    private var truncationWarned: Set<String> = []

    /// How far each running poll has got, by workspace (for the status page).
    var live: [String: IntakeProgress] = [:]
    /// When the scheduler polls next (nil without a scheduler).
    private var nextPoll: Date?

    /// Why intake is stopped, by dev-tool instance (empty when it is not), for `/readyz` and the status endpoint.
    public func haltedTools() -> [String: String] { halts }

    /// The polls running now, by workspace, with how far each has got.
    public func runningPolls() -> [String: IntakeProgress] { live }

    /// When the next scheduled poll starts, if a scheduler runs.
    public func nextScheduledPoll() -> Date? { nextPoll }

    func scheduleNext(at date: Date) { nextPoll = date }

    public init(
        craft: any CraftClient, store: Store, mapping: FieldMapping, clock: any SyncClock, settings: IntakeSettings = IntakeSettings(),
        logger: Logger, observer: any SyncObserver = NoSyncObserver(), budgets: [String: RateBudget] = [:], rollUp: RollUp? = nil,
        routing: [RoutingRule] = [], tools: [String: any DevTool] = [:]
    ) {
        self.routing = routing
        self.tools = tools
        self.rollUp = rollUp
        self.observer = observer
        self.budgets = budgets
        self.craft = craft
        self.store = store
        self.mapper = IssueMapper(mapping: mapping)
        self.clock = clock
        self.settings = settings
        self.logger = logger
        rateLimiter = CreateRateLimiter(perMinute: settings.perMinuteCap, perHour: settings.perHourCap, clock: clock)
    }

    /// Runs one intake poll of `target`. Never throws: a failed run is recorded and reported. `progress` hears
    /// after each item it creates (or fails, or skips) how far the run has got.
    public func run(_ target: IntakeTarget, trigger: String, progress: (@Sendable (IntakeProgress) -> Void)? = nil) async -> IntakeReport {
        var report = IntakeReport(workspaceID: target.workspaceID)
        guard running.insert(target.workspaceID).inserted else {
            report.error = "a run for workspace \(target.workspaceID) is already in progress"
            logger.info("intake skipped: already running", metadata: ["workspace": "\(target.workspaceID)", "trigger": "\(trigger)"])
            return report
        }
        defer {
            running.remove(target.workspaceID)
            live[target.workspaceID] = nil
        }
        let started = ContinuousClock.now
        do {
            // One poll of a workspace at a time across replicas sharing the database (PostgreSQL's advisory lock).
            let initial = report
            let polled = try await store.database.whileHolding(.intake(workspace: target.workspaceID)) { [self] in
                var report = initial
                report.runID = try await store.runs.start(workspaceID: target.workspaceID, trigger: trigger, now: clock.now())
                do {
                    try await poll(target, into: &report, progress: progress)
                } catch {
                    report.error = "\(error)"
                }
                return report
            }
            if let polled {
                report = polled
            } else {
                report.error = "another replica is polling workspace \(target.workspaceID)"
                logger.info("intake skipped: another replica is polling", metadata: ["workspace": "\(target.workspaceID)", "trigger": "\(trigger)"])
            }
        } catch {
            report.error = "\(error)"
        }
        report.duration = ContinuousClock.now - started
        if let runID = report.runID {
            try? await store.runs.finish(id: runID, counts: report.counts, error: report.error, now: clock.now())
        }
        log(report, trigger: trigger)
        observer.intakeFinished(report, devTool: target.devTool.instance)
        return report
    }

    private func poll(_ target: IntakeTarget, into report: inout IntakeReport, progress: (@Sendable (IntakeProgress) -> Void)?) async throws {
        let poller = IntakePoller(craft: craft, store: store, clock: clock, settings: settings, logger: logger)
        let polled = try await poller.list(target, warnTruncation: !truncationWarned.contains(target.workspaceID))
        if polled.listing.possiblyTruncated != nil { truncationWarned.insert(target.workspaceID) }
        let (listing, since) = (polled.listing, polled.since)
        let items = listing.items
        report.updatedSince = since
        report.unreadable = listing.unreadable
        for each in targets(target) {
            await writePendingLinks(each)
            await linkWaitingChildren(each)
        }
        report.counts.seen = items.count
        var itemsByID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        // Claims abandoned by a run that died come first, whether or not the item is still ready.
        var work: [Work] = []
        for mapping in try await store.mappings.abandonedClaims(workspaceID: target.workspaceID, now: clock.now()) {
            // A claim is resumed with the tool it was made for, whatever the rules say now.
            guard let claimed = targets(target).first(where: { $0.devTool.instance == mapping.devToolInstance }) else { continue }
            if let listed = itemsByID[mapping.craftItemID] {
                work.append(Work(item: listed, existing: mapping, target: claimed))
                continue
            }
            // One item that cannot be read (deleted in Craft.io, say) must not hold up the workspace.
            do {
                work.append(Work(
                    item: try await craft.item(workspaceID: target.workspaceID, itemID: mapping.craftItemID), existing: mapping, target: claimed))
            } catch {
                report.skipped.append((mapping.craftItemID, "an interrupted create could not be resumed: \(error)"))
            }
        }
        let recovering = Set(work.map(\.item.id))

        // Known items are sorted out from one read (of only the listed items' mappings after an incremental listing);
        // new ones are claimed just before their create.
        // An item may be mapped to any of the workspace's tools (routing): it is known by any but a sibling target's.
        let known = since == nil
            ? try await store.mappings.all(workspaceID: target.workspaceID, devToolInstance: nil, excluding: target.siblingInstances)
            : try await store.mappings.mappings(
                workspaceID: target.workspaceID, devToolInstance: nil, craftItemIDs: items.map(\.id), excluding: target.siblingInstances)
        var adopting: [CraftItem] = []
        for item in items where !recovering.contains(item.id) {
            if item.isLinkedByCraft, known[item.id] == nil {
                if settings.nativeLinks == .adopt {
                    adopting.append(item)
                } else {
                    report.skipped.append((item.id, "already linked by Craft.io's own integration (\(item.devToolKey ?? [:])); intake.native_links: adopt links it instead"))
                }
                continue
            }
            guard let mapping = known[item.id] else {
                let (routed, rule) = route(item, target)
                work.append(Work(item: item, existing: nil, target: routed, rule: rule))
                continue
            }
            switch mapping.state {
            case .linked:
                if !routing.isEmpty {
                    // Not moved: said once, on the item's timeline, while the rules say otherwise.
                    let (routed, rule) = route(item, target)
                    if routed.devTool.instance != mapping.devToolInstance {
                        await history.recordOnce(.init(
                            mapping, at: clock.now(), kind: .drift, outcome: "rerouted",
                            detail: "the routing rules now send it to \(routed.devTool.instance) (\(rule.map { "rule: \($0.reason)" } ?? "no rule matches")); "
                                + "it stays in \(mapping.devToolInstance) as \(mapping.devIssueKey ?? "its issue")"))
                    }
                }
                let hash = ContentHash.of(item)
                if let created = mapping.contentHash, created != hash {
                    report.drifted.append(item.id)
                    // The fields edited since craft-sync last wrote the issue; those the policy pushes go across (or conflict),
                    // the rest are reported.
                    let changed = SyncedContent(json: mapping.contentSnapshot).map { Set(SyncedContent(item).changes(since: $0).compactMap { DriftPolicy.Field(rawValue: $0.field) }) }
                    var reported = changed ?? []
                    if let changed, !changed.isDisjoint(with: settings.drift.pushed), let pushed = await pushDrift(item, mapping: mapping, target: target) {
                        if !pushed.pushed.isEmpty { report.driftPushed.append(item.id) }
                        if !pushed.conflicts.isEmpty { report.conflicted.append(item.id) }
                        reported = changed.subtracting(settings.drift.pushed)
                        if reported.isEmpty { continue }
                    }
                    let fields = reported.isEmpty ? "" : " (\(reported.sorted().map(\.rawValue).joined(separator: ", ")))"
                    await history.recordOnce(.init(
                        mapping, at: clock.now(), kind: .drift, outcome: "found",
                        detail: "edited in Craft.io after \(mapping.devIssueKey ?? "its issue") was created\(fields); the issue was not changed (content \(hash.prefix(12)))"))
                }
            case .failed:
                report.skipped.append((item.id, "failed earlier: \(mapping.failureReason ?? "unknown"); retry it with POST /api/v1/mappings/\(item.id)/retry"))
            case .pending:
                report.skipped.append((item.id, Self.heldElsewhere(mapping)))
            case .deleted:
                // Deleting the issue was someone's decision in the dev tool; it is not undone by creating it again.
                report.skipped.append((item.id, "its issue \(mapping.devIssueKey ?? "") was deleted in the dev tool"))
            case .unlinked:
                // So was ending the link: the row is its tombstone.
                report.skipped.append((item.id, "unlinked from \(mapping.devIssueKey ?? "its issue"); link or relink it to sync it again"))
            }
        }

        for ancestor in await ancestorWork(of: work.filter { $0.existing == nil }.map(\.item), listed: Set(itemsByID.keys), target: target, skipped: &report.skipped) {
            work.append(ancestor)
            itemsByID[ancestor.item.id] = ancestor.item
        }

        for item in adopting {
            switch await adopt(item, target: target) {
            case .success(let outcome): report.adopted.append((item.id, outcome.issue))
            case .failure(let refusal): report.skipped.append((item.id, refusal.description))
            }
        }
        let outcomes = await createAll(work, target: target, progress: progress)
        if let rollUp {
            // A new child changes its parent's count (and its first status may be done already).
            let parents = Set(outcomes.compactMap { outcome -> RollUp.Parent? in
                guard case .created(let created) = outcome, let parent = itemsByID[created.craftItemID]?.parent?.id else { return nil }
                return RollUp.Parent(workspaceID: target.workspaceID, craftItemID: parent)
            })
            if !parents.isEmpty { await rollUp.update(parents) }
        }
        for outcome in outcomes {
            switch outcome {
            case .created(let created): report.created.append(created)
            case .failed(let itemID, let reason): report.failed.append((itemID, reason))
            case .skipped(let itemID, let reason): report.skipped.append((itemID, reason))
            }
        }
        report.counts.created = report.created.count
        report.counts.skipped = report.skipped.count
        report.counts.failed = report.failed.count
        report.counts.drifted = report.drifted.count
        report.counts.unreadable = report.unreadable.count
        await poller.advanceCursors(target, after: polled, halted: halts[target.devTool.instance] != nil)
    }

    private func log(_ report: IntakeReport, trigger: String) {
        let seconds = report.duration.timeInterval
        var metadata: Logger.Metadata = [
            "workspace": "\(report.workspaceID)", "trigger": "\(trigger)", "seen": "\(report.counts.seen)",
            "created": "\(report.counts.created)", "skipped": "\(report.counts.skipped)", "failed": "\(report.counts.failed)",
            "drifted": "\(report.counts.drifted)", "took": "\(String(format: "%.3f", seconds))s",
        ]
        if let error = report.error {
            metadata["error"] = "\(error)"
            logger.error("intake run failed", metadata: metadata)
        } else {
            let reportedOnly = report.drifted.filter { !report.driftPushed.contains($0) && !report.conflicted.contains($0) }
            if !reportedOnly.isEmpty {
                logger.warning(
                    "items edited in Craft.io after their issue was created; the issues were not changed",
                    metadata: ["craft.items": "\(reportedOnly.joined(separator: ", "))"])
            }
            if !report.conflicted.isEmpty {
                logger.warning(
                    "items edited in Craft.io and in their issue; nothing was overwritten: resolve them on the Conflicts page",
                    metadata: ["craft.items": "\(report.conflicted.joined(separator: ", "))"])
            }
            logger.info("intake run finished", metadata: metadata)
        }
    }
}
