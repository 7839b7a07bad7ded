import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Creating: each item to create is claimed (or its abandoned claim taken over) and driven by its `ClaimedCreate`; a
/// linked issue is followed by the `AfterLink` steps.
extension IntakeEngine {
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
    func createAll(_ work: [Work], target: IntakeTarget, progress: (@Sendable (IntakeProgress) -> Void)?) async -> [Outcome] {
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
    func create(_ work: Work, target: IntakeTarget, holder: LeaseHolder) async -> Outcome {
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
                let detail = (work.ancestorOf.map { "above ready item \($0) in Craft.io (\"\(item.title)\", intake.sync_ancestors)" }
                    ?? "seen in '\(target.readyStatus)' in Craft.io (\"\(item.title)\")") + "; claimed for creation in \(tool.instance)"
                    + (work.rule.map { " (routed by rule: \($0.reason))" } ?? "")
                // The claim and its timeline entry in one transaction.
                let claim = try await store.mappings.claim(
                    workspaceID: target.workspaceID, craftItemID: item.id, devToolKind: tool.kind, devToolInstance: tool.instance,
                    contentHash: ContentHash.of(item), craftItemURL: item.webUrl, craftTitle: item.title, craftParentID: item.parent?.id,
                    routedBy: work.rule?.reason, holder: holder, now: now, leaseUntil: now.addingTimeInterval(lease),
                    recording: { NewTimelineEntry($0, at: now, kind: .claimed, outcome: "claimed", detail: detail) })
                switch claim {
                case .existing(let other): return .skipped(itemID: item.id, reason: Self.heldElsewhere(other))
                case .claimed(let claimed): mapping = claimed
                }
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
    func waitForBudget(_ tool: any DevTool, itemID: String) async throws -> Outcome? {
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
    func link(
        _ item: CraftItem, mapping: Mapping, holder: LeaseHolder, issue: DevIssue, recovered: Bool, target: IntakeTarget
    ) async throws -> Outcome? {
        var linked = mapping
        linked.devIssueKey = issue.key
        linked.devIssueURL = issue.url
        let now = clock.now()
        // The link and its timeline entry in one transaction.
        let entry = NewTimelineEntry(
            linked, at: now, kind: .created, outcome: recovered ? "recovered" : "succeeded",
            detail: recovered ? "found \(issue.key) by its marker (created by an attempt whose answer was lost): \(issue.url)" : "created \(issue.key): \(issue.url)")
        guard try await store.mappings.linkClaim(
            id: mapping.id, holder: holder, devIssueID: issue.id, key: issue.key, url: issue.url, altID: issue.alternateID,
            contentHash: ContentHash.of(item),
            contentSnapshot: SyncedContent(item).json, linkPending: target.linkField != nil, now: now, recording: entry)
        else { return nil }
        logger.info(
            recovered ? "linked an issue created earlier" : "created issue",
            metadata: ["craft.item": "\(item.id)", "dev.issue": "\(issue.key)", "dev.url": "\(issue.url)"])
        linked.devIssueID = issue.id
        linked.state = .linked
        for step in AfterLink.allCases { await after(step, linked, issue: issue, target: target) }
        return .created(.init(craftItemID: item.id, title: item.title, issue: issue, recovered: recovered))
    }

    /// What follows a new link, in order. Each is best effort on its own: a failure is recorded and healed later (the
    /// link write by the next run, the hierarchy by the next poll, the status by reconciliation), never undoes the
    /// link, and never stops the next step.
    enum AfterLink: CaseIterable {
        /// The issue's key and URL into Craft.io's link field (`craft.link_field`).
        case writeLinkField
        /// The issue under its parent item's issue, and the children waiting for it under it.
        case putInHierarchy
        /// The new issue's status, mapped, into Craft.io's progress field.
        case writeFirstStatus
    }

    func after(_ step: AfterLink, _ linked: Mapping, issue: DevIssue, target: IntakeTarget) async {
        switch step {
        case .writeLinkField:
            if let field = target.linkField { await writeLink(linked, field: field, target: target) }
        case .putInHierarchy:
            await linkHierarchy(of: linked, target: target)
        case .writeFirstStatus:
            guard let progress = target.progress, let value = progress.statusMapping.craftValue(for: issue.status, of: target.devTool) else { return }
            do {
                try await ProgressWrite(store: store, craft: craft, field: progress.field, clock: clock, logger: logger)
                    .push(linked, value: value, from: issue.status, order: issue.order)
            } catch {
                logger.warning(
                    "could not write the new issue's status to Craft.io; reconciliation retries", metadata: ["craft.item": "\(linked.craftItemID)", "error": "\(error)"])
            }
        }
    }

    /// Writes the issue's key and URL into Craft.io's link field. A failure leaves the write pending in the store;
    /// every run retries pending writes first (`writePendingLinks`), so a Craft.io outage delays the link, never
    /// loses it.
    func writeLink(_ mapping: Mapping, field: String, target: IntakeTarget) async {
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

    func writePendingLinks(_ target: IntakeTarget) async {
        guard let field = target.linkField,
            let pending = try? await store.mappings.linksToWrite(workspaceID: target.workspaceID, devToolInstance: target.devTool.instance)
        else { return }
        for mapping in pending where mapping.devIssueKey != nil {
            await writeLink(mapping, field: field, target: target)
        }
    }

    func halt(_ tool: any DevTool, issue: DevIssue) {
        let reason = "\(tool.kind) created \(issue.key) without its marker, so a create whose answer is lost could never be "
            + "found again and exactly-once cannot be guaranteed; intake for '\(tool.instance)' is stopped. \(tool.markerLossHint)"
        if halts[tool.instance] == nil { logger.critical("intake stopped", metadata: ["dev.instance": "\(tool.instance)", "reason": "\(reason)"]) }
        halts[tool.instance] = reason
    }

    func fail(_ item: CraftItem, mapping: Mapping, reason: String) async -> Outcome {
        logger.error("create failed; item marked failed", metadata: ["craft.item": "\(item.id)", "error": "\(reason)"])
        let now = clock.now()
        do {
            try await store.mappings.markFailed(
                id: mapping.id, reason: reason, now: now, recording: NewTimelineEntry(mapping, at: now, kind: .failed, outcome: "error", detail: reason))
        } catch {
            // The claim stays pending; a later run takes it over and looks for the marker.
            logger.error("could not mark the item failed", metadata: ["craft.item": "\(item.id)", "error": "\(error)"])
        }
        return .failed(itemID: item.id, reason: reason)
    }
}
