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
    private let rateLimiter: CreateRateLimiter
    private var history: ItemHistory { ItemHistory(store: store, logger: logger) }
    /// Workspaces with a run in progress: one poll at a time per workspace.
    private var running: Set<String> = []
    /// Dev-tool instances whose creates come back without the marker, by instance, with what to do. Intake for them
    /// stops: without the marker a lost answer can never be found again, so exactly-once cannot be guaranteed.
    private var halts: [String: String] = [:]
    /// Per workspace, Craft parents `intake.sync_ancestors` cannot bring across (linked by Craft.io's own integration,
    /// or unreadable for good), so they are not read again each poll.
    var unsyncableParents: [String: Set<String>] = [:]
    /// Mappings whose parent link is being made now (`linkUnder`).
    private var linkingChildren: Set<Int64> = []
    /// Workspaces already warned that their listing may be cut short (once each, not every poll).
    private var truncationWarned: Set<String> = []

    /// How far each running poll has got, by workspace (for the status page).
    private var live: [String: IntakeProgress] = [:]
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
            report.runID = try await store.runs.start(workspaceID: target.workspaceID, trigger: trigger, now: clock.now())
            try await poll(target, into: &report, progress: progress)
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

    /// What a run would create, and which linked items drifted (changed in Craft.io since their issue was created),
    /// field by field; touches nothing: no store writes, no dev-tool calls.
    public func plan(_ target: IntakeTarget) async throws -> IntakePlan {
        let items = try await craft.items(workspaceID: target.workspaceID, status: target.readyStatus, updatedFrom: nil)
        let known = try await store.mappings.all(workspaceID: target.workspaceID, devToolInstance: nil, excluding: target.siblingInstances)
        var plan = IntakePlan()
        let new = items.filter { !$0.isLinkedByCraft && known[$0.id] == nil }
        for work in await ancestorWork(of: new, listed: Set(items.map(\.id)), target: target, skipped: &plan.skipped) {
            plan.creates.append(PlannedIssue(
                item: work.item, issue: newIssue(work.item, for: work.target, rule: work.rule), devToolInstance: work.target.devTool.instance,
                rule: work.rule, ancestorOf: work.ancestorOf))
        }
        for item in items where !item.isLinkedByCraft {
            guard let mapping = known[item.id] else {
                let (routed, rule) = route(item, target)
                plan.creates.append(PlannedIssue(item: item, issue: newIssue(item, for: routed, rule: rule), devToolInstance: routed.devTool.instance, rule: rule))
                continue
            }
            let now = SyncedContent(item)
            guard mapping.state == .linked, let created = mapping.contentHash, created != now.hash else { continue }
            // A mapping from before snapshots were kept knows only that something changed.
            let changes = SyncedContent(json: mapping.contentSnapshot).map { now.changes(since: $0) }
            plan.drifted.append(DriftedItem(item: item, issueKey: mapping.devIssueKey, changes: changes))
        }
        return plan
    }

    /// Cursor names in the store, per workspace and dev-tool instance.
    static func updatedSinceCursor(_ target: IntakeTarget) -> String { "intake.updated_since.\(target.workspaceID).\(target.devTool.instance)" }
    static func fullPollCursor(_ target: IntakeTarget) -> String { "intake.full_poll.\(target.workspaceID).\(target.devTool.instance)" }

    /// Where an incremental poll starts: the newest update time seen (Craft.io's clock) less the overlap; nil for a
    /// full listing (the form cannot filter, there is no cursor yet, or the last full listing is too old).
    private func incrementalStart(_ target: IntakeTarget) async -> Date? {
        guard craft.filtersByUpdateTime,
            let since = await storedDate(Self.updatedSinceCursor(target)), let lastFull = await storedDate(Self.fullPollCursor(target)),
            clock.now().timeIntervalSince(lastFull) < settings.fullPollInterval.timeInterval
        else { return nil }
        return since.addingTimeInterval(-settings.pollOverlap.timeInterval)
    }

    /// After a poll: the cursor moves to the newest update time listed, but only when nothing listed was left behind
    /// (an unreadable item, a listing that may be cut short, a stopped tool): those must be listed again.
    private func advanceCursors(_ target: IntakeTarget, listing: CraftListing, fullListing: Bool, started: Date) async {
        guard craft.filtersByUpdateTime, listing.unreadable.isEmpty, listing.possiblyTruncated == nil, halts[target.devTool.instance] == nil
        else { return }
        let newest = listing.items.compactMap { $0.updateTime.flatMap(Timestamp.parse) }.max()
        let previous = await storedDate(Self.updatedSinceCursor(target))
        if let latest = [newest, previous].compactMap({ $0 }).max() { await store(Self.updatedSinceCursor(target), latest) }
        if fullListing { await store(Self.fullPollCursor(target), started) }
    }

    private func storedDate(_ name: String) async -> Date? { (try? await store.cursors.date(name)) ?? nil }

    private func store(_ name: String, _ date: Date) async {
        do {
            try await store.cursors.set(name, to: date, now: clock.now())
        } catch {
            logger.warning("could not store the poll cursor; the next poll lists more than it needs", metadata: ["error": "\(error)"])
        }
    }

    private func poll(_ target: IntakeTarget, into report: inout IntakeReport, progress: (@Sendable (IntakeProgress) -> Void)?) async throws {
        let started = clock.now()
        let since = await incrementalStart(target)
        report.updatedSince = since
        let listing = try await craft.listing(workspaceID: target.workspaceID, status: target.readyStatus, updatedFrom: since)
        let items = listing.items
        report.unreadable = listing.unreadable
        if let note = listing.possiblyTruncated, truncationWarned.insert(target.workspaceID).inserted {
            logger.warning("\(note)", metadata: ["workspace": "\(target.workspaceID)"])
        }
        for unreadable in listing.unreadable {
            logger.warning(
                "a Craft.io item could not be read; the others go on and the next poll tries again",
                metadata: ["craft.item": "\(unreadable.id ?? "(no id)")", "workspace": "\(target.workspaceID)", "reason": "\(unreadable.reason)"])
        }
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
        for item in items where !recovering.contains(item.id) {
            if item.isLinkedByCraft {
                report.skipped.append((item.id, "already linked by Craft.io's own integration (\(item.devToolKey ?? [:]))"))
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
                    await history.recordOnce(.init(
                        mapping, at: clock.now(), kind: .drift, outcome: "found",
                        detail: "edited in Craft.io after \(mapping.devIssueKey ?? "its issue") was created; the issue was not changed (content \(hash.prefix(12)))"))
                }
            case .failed:
                report.skipped.append((item.id, "failed earlier: \(mapping.failureReason ?? "unknown"); retry it with POST /api/v1/mappings/\(item.id)/retry"))
            case .pending:
                report.skipped.append((item.id, Self.heldElsewhere(mapping)))
            case .deleted:
                // Deleting the issue was someone's decision in the dev tool; it is not undone by creating it again.
                report.skipped.append((item.id, "its issue \(mapping.devIssueKey ?? "") was deleted in the dev tool"))
            }
        }

        for ancestor in await ancestorWork(of: work.filter { $0.existing == nil }.map(\.item), listed: Set(itemsByID.keys), target: target, skipped: &report.skipped) {
            work.append(ancestor)
            itemsByID[ancestor.item.id] = ancestor.item
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
        await advanceCursors(target, listing: listing, fullListing: since == nil, started: started)
    }

    /// An item to create: new (`existing` nil), or an abandoned pending claim to take over.
    struct Work: Sendable {
        var item: CraftItem
        var existing: Mapping?
        /// Where it goes: its workspace's target, or the one a routing rule chose.
        var target: IntakeTarget
        var rule: RoutingRule? = nil
        /// Set for an item created only because this ready item is below it (`intake.sync_ancestors`).
        var ancestorOf: String? = nil
    }

    enum Outcome: Sendable {
        case created(IntakeReport.Created)
        case failed(itemID: String, reason: String)
        case skipped(itemID: String, reason: String)
    }

    /// Creates with at most `settings.concurrency` in flight; one bad item never blocks the others.
    private func createAll(_ work: [Work], target: IntakeTarget, progress: (@Sendable (IntakeProgress) -> Void)?) async -> [Outcome] {
        let started = clock.now()
        // This run's claims are held under one name: this host and process, and the run.
        let holder = LeaseHolder.thisProcess()
        return await withTaskGroup(of: Outcome.self) { group in
            var outcomes: [Outcome] = []
            var state = IntakeProgress(workspaceID: target.workspaceID, done: 0, total: work.count, created: 0, failed: 0, elapsed: .zero)
            var pending = work[...]
            live[target.workspaceID] = state
            func startNext() {
                guard let next = pending.popFirst() else { return }
                group.addTask { await self.create(next, target: next.target, holder: holder) }
            }
            for _ in 0..<max(1, settings.concurrency) { startNext() }
            for await outcome in group {
                outcomes.append(outcome)
                startNext()
                state.done += 1
                if case .created = outcome { state.created += 1 }
                if case .failed = outcome { state.failed += 1 }
                state.elapsed = .seconds(clock.now().timeIntervalSince(started))
                live[target.workspaceID] = state
                progress?(state)
            }
            return outcomes
        }
    }

    /// Why an item is skipped while another run holds its claim: who, and until when.
    static func heldElsewhere(_ mapping: Mapping) -> String {
        guard let owner = mapping.leaseOwner, let until = mapping.leaseUntil else { return "being created by another run" }
        return "being created by another run (\(owner)) until \(until.formatted(.iso8601)) at the latest"
    }

    /// Claims `work`'s item for `holder` (or takes over its abandoned claim) and drives its `ClaimedCreate` to an
    /// outcome: the engine carries out each step, the state machine decides the next.
    private func create(_ work: Work, target: IntakeTarget, holder: LeaseHolder) async -> Outcome {
        let item = work.item
        let tool = target.devTool
        if let halt = halts[tool.instance] { return .skipped(itemID: item.id, reason: halt) }
        let lease = settings.claimLease.timeInterval
        let mapping: Mapping
        do {
            if let existing = work.existing {
                let now = clock.now()
                guard try await store.mappings.takeOver(id: existing.id, holder: holder, now: now, until: now.addingTimeInterval(lease)) else {
                    return .skipped(itemID: item.id, reason: "being recovered by another run")
                }
                mapping = existing
            } else {
                let now = clock.now()
                let claim = try await store.mappings.claim(
                    workspaceID: target.workspaceID, craftItemID: item.id, devToolKind: tool.kind, devToolInstance: tool.instance,
                    contentHash: ContentHash.of(item), craftItemURL: item.webUrl, craftTitle: item.title, craftParentID: item.parent?.id,
                    routedBy: work.rule?.reason, holder: holder, now: now, leaseUntil: now.addingTimeInterval(lease))
                switch claim {
                case .existing(let other): return .skipped(itemID: item.id, reason: Self.heldElsewhere(other))
                case .claimed(let claimed): mapping = claimed
                }
                await history.record(.init(
                    mapping, at: now, kind: .claimed, outcome: "claimed",
                    detail: (work.ancestorOf.map { "above ready item \($0) in Craft.io (\"\(item.title)\", intake.sync_ancestors)" }
                        ?? "seen in '\(target.readyStatus)' in Craft.io (\"\(item.title)\")") + "; claimed for creation in \(tool.instance)"
                        + (work.rule.map { " (routed by rule: \($0.reason))" } ?? "")))
            }
        } catch {
            return .failed(itemID: item.id, reason: "\(error)")
        }
        let policy = ClaimedCreate.Policy(
            attempts: settings.createAttempts, baseDelay: settings.retryBaseDelay, longestInlineWait: settings.longestInlineWait,
            findsNewIssuesImmediately: tool.findsNewIssuesImmediately)
        var machine = ClaimedCreate(policy: policy, resumingAbandonedClaim: work.existing != nil)
        var step = machine.start()
        let marker = tool.marker(for: item.id)
        while true {
            do {
                switch step {
                case .findByMarker:
                    step = machine.found(try await tool.find(marker: marker))
                case .waitForCapacity:
                    try await rateLimiter.acquire()
                    if let postponed = try await waitForBudget(tool, itemID: item.id) {
                        try await store.mappings.releaseClaim(id: mapping.id, holder: holder)
                        return postponed
                    }
                    step = machine.readyToCreate()
                case .renewLease:
                    step = machine.renewed(try await store.mappings.renew(id: mapping.id, holder: holder, until: clock.now().addingTimeInterval(lease)))
                case .create:
                    let issue = try await tool.create(newIssue(item, for: target, rule: work.rule))
                    if !tool.carries(marker: marker, issue) { halt(tool, issue: issue) }
                    // Linked even without its marker: the issue exists, and the link is what keeps it from being made again.
                    step = machine.created(issue)
                case .link(let issue, let recovered):
                    return try await link(item, mapping: mapping, holder: holder, issue: issue, recovered: recovered, target: target)
                        ?? .skipped(itemID: item.id, reason: "the claim was taken over by another run after its lease ran out")
                case .retry(let wait):
                    logger.info("create failed; will retry", metadata: ["craft.item": "\(item.id)", "attempt": "\(machine.attempt)"])
                    try? await clock.sleep(for: wait)
                    step = machine.waited()
                case .postpone(let reason):
                    // The claim is released, so the next run or cycle takes it over at once, looks for the marker, and
                    // creates only if there is none.
                    logger.info("create postponed to a later cycle", metadata: ["craft.item": "\(item.id)", "reason": "\(reason)"])
                    _ = try? await store.mappings.releaseClaim(id: mapping.id, holder: holder)
                    await history.record(.init(
                        mapping, at: clock.now(), kind: .retried, outcome: "postponed",
                        detail: "create failed \(machine.attempt) times; the next run looks for the marker and tries again (\(reason))"))
                    return .skipped(itemID: item.id, reason: reason)
                case .leaveToLease(let reason):
                    return .skipped(itemID: item.id, reason: reason)
                case .fail(let reason):
                    return await fail(item, mapping: mapping, reason: reason)
                case .lost:
                    return .skipped(itemID: item.id, reason: "the claim was taken over by another run after its lease ran out")
                }
            } catch let error as DevToolError {
                step = machine.failed(error)
            } catch {
                // The store could not record the link: the claim stays pending and a later run recovers it.
                return .failed(itemID: item.id, reason: "\(error)")
            }
        }
    }

    /// A token that has spent its budget gets no create until its window resets: waited for here when that is soon
    /// (within `longestInlineWait`), else the claim stays pending for a later cycle. Never a failure: a budget heals.
    private func waitForBudget(_ tool: any DevTool, itemID: String) async throws -> Outcome? {
        guard let budget = budgets[tool.instance], let snapshot = budget.snapshot, snapshot.remaining <= Self.createReserve,
            let reset = snapshot.resetAt
        else { return nil }
        let wait = reset.timeIntervalSince(clock.now())
        guard wait > 0 else { return nil }
        guard wait <= settings.longestInlineWait.timeInterval else {
            return .skipped(
                itemID: itemID, reason: "postponed: \(tool.kind)'s rate budget for this token is spent until \(reset.formatted(.iso8601)); a later cycle creates it")
        }
        logger.info("create waits for the rate budget to reset", metadata: ["dev.instance": "\(tool.instance)", "seconds": "\(Int(wait.rounded(.up)))"])
        try await clock.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up))))
        return nil
    }

    /// Requests kept back from creates, for the webhook follow-ups and reads that must not be refused.
    static let createReserve = 5

    /// Links the claim to `issue`; nil when the claim was taken over meanwhile (the other run finds the issue by
    /// its marker).
    private func link(
        _ item: CraftItem, mapping: Mapping, holder: LeaseHolder, issue: DevIssue, recovered: Bool, target: IntakeTarget
    ) async throws -> Outcome? {
        guard try await store.mappings.linkClaim(
            id: mapping.id, holder: holder, devIssueID: issue.id, key: issue.key, url: issue.url, altID: issue.alternateID,
            contentHash: ContentHash.of(item),
            contentSnapshot: SyncedContent(item).json, linkPending: target.linkField != nil, now: clock.now())
        else { return nil }
        var linked = mapping
        linked.devIssueKey = issue.key
        linked.devIssueURL = issue.url
        await history.record(.init(
            linked, at: clock.now(), kind: .created, outcome: recovered ? "recovered" : "succeeded",
            detail: recovered ? "found \(issue.key) by its marker (created by an attempt whose answer was lost): \(issue.url)" : "created \(issue.key): \(issue.url)"))
        logger.info(
            recovered ? "linked an issue created earlier" : "created issue",
            metadata: ["craft.item": "\(item.id)", "dev.issue": "\(issue.key)", "dev.url": "\(issue.url)"])
        if let field = target.linkField {
            await writeLink(linked, field: field, target: target)
        }
        linked.devIssueID = issue.id
        linked.state = .linked
        await linkHierarchy(of: linked, target: target)
        if let progress = target.progress, let value = progress.statusMapping.craftValue(for: issue.status, of: target.devTool) {
            // Best effort: a failure here is healed by reconciliation, which pushes whatever Craft.io has not got.
            do {
                try await ProgressWrite(store: store, craft: craft, field: progress.field, clock: clock, logger: logger).push(linked, value: value, from: issue.status, order: issue.order)
            } catch {
                logger.warning("could not write the new issue's status to Craft.io; reconciliation retries", metadata: ["craft.item": "\(item.id)", "error": "\(error)"])
            }
        }
        return .created(.init(craftItemID: item.id, title: item.title, issue: issue, recovered: recovered))
    }

    /// Writes the issue's key and URL into Craft.io's link field. A failure leaves the write pending in the store;
    /// every run retries pending writes first (`writePendingLinks`), so a Craft.io outage delays the link, never
    /// loses it.
    private func writeLink(_ mapping: Mapping, field: String, target: IntakeTarget) async {
        let value = "\(mapping.devIssueKey ?? "") \(mapping.devIssueURL ?? "")"
        do {
            try await craft.setField(workspaceID: target.workspaceID, itemID: mapping.craftItemID, field: field, value: value)
            try await store.mappings.linkWritten(id: mapping.id)
            await history.record(.init(mapping, at: clock.now(), kind: .linkWritten, outcome: "succeeded", detail: "\(field) set to '\(value)'"))
        } catch {
            logger.warning("could not write the issue link back to Craft.io; retried next cycle", metadata: ["craft.item": "\(mapping.craftItemID)", "error": "\(error)"])
            await history.record(.init(mapping, at: clock.now(), kind: .linkWritten, outcome: "error", detail: "writing \(field) failed (\(error)); retried next cycle"))
        }
    }

    private func writePendingLinks(_ target: IntakeTarget) async {
        guard let field = target.linkField,
            let pending = try? await store.mappings.linksToWrite(workspaceID: target.workspaceID, devToolInstance: target.devTool.instance)
        else { return }
        for mapping in pending where mapping.devIssueKey != nil {
            await writeLink(mapping, field: field, target: target)
        }
    }

    /// The targets `target`'s items can go to: its own first, then each instance the routing rules name.
    func targets(_ target: IntakeTarget) -> [IntakeTarget] {
        var all = [target]
        for rule in routing where !all.contains(where: { $0.devTool.instance == rule.instance }) {
            guard let tool = tools[rule.instance] else { continue }
            var routed = target
            routed.devTool = tool
            all.append(routed)
        }
        return all
    }

    /// Where a new item goes: the first rule it matches whose tool is configured, else its workspace's tool.
    func route(_ item: CraftItem, _ target: IntakeTarget) -> (IntakeTarget, RoutingRule?) {
        guard let rule = routing.first(where: { $0.matches(item) }), let tool = tools[rule.instance] else { return (target, nil) }
        var routed = target
        routed.devTool = tool
        return (routed, rule)
    }

    func newIssue(_ item: CraftItem, for target: IntakeTarget, rule: RoutingRule?) -> NewIssue {
        var issue = mapper.newIssue(from: item, for: target.devTool)
        if let type = rule?.issueType { issue.issueType = type }
        return issue
    }

    /// Craft's hierarchy in the tool, whichever side arrives first: a new issue goes under its parent's issue when
    /// that exists, and the children already waiting for it go under it.
    private func linkHierarchy(of mapping: Mapping, target: IntakeTarget) async {
        guard target.devTool.parentLinking != nil else { return }
        if let parentID = mapping.craftParentID,
            let parent = try? await store.mappings.mapping(workspaceID: target.workspaceID, craftItemID: parentID, devToolInstance: target.devTool.instance)
        {
            await linkUnder(mapping, parent: parent, target: target)
        }
        let waiting = (try? await store.mappings.awaitingParentLink(devToolInstance: target.devTool.instance, craftParentID: mapping.craftItemID)) ?? []
        for child in waiting { await linkUnder(child, parent: mapping, target: target) }
    }

    /// Children whose parent's issue was missing, or whose link failed, are tried again each poll.
    private func linkWaitingChildren(_ target: IntakeTarget) async {
        guard target.devTool.parentLinking != nil,
            let waiting = try? await store.mappings.awaitingParentLink(devToolInstance: target.devTool.instance, workspaceID: target.workspaceID)
        else { return }
        for child in waiting {
            guard let parentID = child.craftParentID,
                let parent = try? await store.mappings.mapping(workspaceID: target.workspaceID, craftItemID: parentID, devToolInstance: target.devTool.instance)
            else { continue }
            await linkUnder(child, parent: parent, target: target)
        }
    }

    private func linkUnder(_ child: Mapping, parent: Mapping, target: IntakeTarget) async {
        guard let linking = target.devTool.parentLinking, !child.parentLinked, parent.state == .linked,
            let childID = child.devIssueID, let childKey = child.devIssueKey, let parentID = parent.devIssueID, let parentKey = parent.devIssueKey
        else { return }
        // A story and its epic created in one poll each try to link the story (the story's create finds the epic, the
        // epic's finds its waiting stories): whoever comes second, in flight or after, sees the link and stops.
        guard !linkingChildren.contains(child.id) else { return }
        linkingChildren.insert(child.id)
        defer { linkingChildren.remove(child.id) }
        if (try? await store.mappings.mapping(id: child.id))?.parentLinked == true { return }
        do {
            try await linking.link(DevIssueReference(id: childID, key: childKey), under: DevIssueReference(id: parentID, key: parentKey))
            try await store.mappings.markParentLinked(id: child.id)
            await history.record(.init(child, at: clock.now(), kind: .parentLinked, outcome: "succeeded", detail: "put under \(parentKey), the issue of Craft item \(parent.craftItemID)"))
        } catch let error as DevToolError where !error.isTransient {
            // Refused for good (a hierarchy the project does not allow): recorded once, not tried every poll.
            try? await store.mappings.markParentLinked(id: child.id, refused: true)
            logger.warning("the tool refuses to put an issue under its parent's", metadata: ["dev.issue": "\(childKey)", "parent": "\(parentKey)", "error": "\(error)"])
            await history.record(.init(child, at: clock.now(), kind: .parentLinked, outcome: "error", detail: "the tool refuses to put it under \(parentKey): \(error)"))
        } catch {
            logger.warning("could not put an issue under its parent's; retried next poll", metadata: ["dev.issue": "\(childKey)", "parent": "\(parentKey)", "error": "\(error)"])
            await history.record(.init(child, at: clock.now(), kind: .parentLinked, outcome: "retrying", detail: "putting it under \(parentKey) failed (\(error)); retried next poll"))
        }
    }

    private func halt(_ tool: any DevTool, issue: DevIssue) {
        let reason = "\(tool.kind) created \(issue.key) without its marker, so a create whose answer is lost could never be "
            + "found again and exactly-once cannot be guaranteed; intake for '\(tool.instance)' is stopped. \(tool.markerLossHint)"
        if halts[tool.instance] == nil { logger.critical("intake stopped", metadata: ["dev.instance": "\(tool.instance)", "reason": "\(reason)"]) }
        halts[tool.instance] = reason
    }

    private func fail(_ item: CraftItem, mapping: Mapping, reason: String) async -> Outcome {
        logger.error("create failed; item marked failed", metadata: ["craft.item": "\(item.id)", "error": "\(reason)"])
        try? await store.mappings.markFailed(id: mapping.id, reason: reason, now: clock.now())
        await history.record(.init(mapping, at: clock.now(), kind: .failed, outcome: "error", detail: reason))
        return .failed(itemID: item.id, reason: reason)
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
            if !report.drifted.isEmpty {
                logger.warning(
                    "items edited in Craft.io after their issue was created; the issues were not changed",
                    metadata: ["craft.items": "\(report.drifted.joined(separator: ", "))"])
            }
            logger.info("intake run finished", metadata: metadata)
        }
    }
}
