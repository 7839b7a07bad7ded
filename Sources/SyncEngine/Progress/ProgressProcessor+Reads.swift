import DevTools
import Foundation
import Store

/// Events that need the tool read before they can be applied: an issue event whose payload leaves part of the state
/// out (a GitHub card), and a pull request that names the issues it closes by key or links them in its panel.
extension ProgressProcessor {
    /// `change` with what its payload left out read from the tool (`IssueChange.reread`). A refusal to say (a token
    /// that may not read project boards) leaves the payload's state, said in the log; a transient failure retries.
    func completed(_ change: IssueChange, tool: any DevTool) async throws -> IssueChange {
        guard let reference = change.reread else { return change }
        let read: DevIssue?
        do {
            read = try await tool.issue(referencedBy: reference)
        } catch {
            guard !error.isTransient else { throw error }
            logger.warning("could not read what the event leaves out; going by its payload", metadata: ["dev.issue": "\(change.key)", "error": "\(error)"])
            return change
        }
        guard let read, read.id == change.issueID else { return change }
        var completed = change
        completed.status = read.status
        completed.order = [change.order, read.order].compactMap { $0 }.max()
        return completed
    }

    /// Adds or takes out `link` in the issue's `pull_requests` field. Two pull requests of one issue run in lanes side by
    /// side: one at a time per mapping here, each from the list as stored now, recorded at once (a unit of its own).
    func listPullRequest(_ link: PullRequestLink, field: String, mapping: Mapping, eventID: Int64) async throws {
        await enterPullRequestList(mapping.id)
        defer { leavePullRequestList(mapping.id) }
        let current = try await store.mappings.mapping(id: mapping.id) ?? mapping
        let value = Self.pullRequests(after: link, written: current.writtenSignals)
        let written = try await SignalWriter(craft: craft, fields: [.pullRequests: field], clock: clock, logger: logger)
            .write([.pullRequests: value], to: current, eventID: eventID)
        guard !written.changes.isEmpty || !written.timeline.isEmpty else { return }
        var learnt = MappingFacts()
        learnt.signalChanges = written.changes
        let (facts, now) = (learnt, clock.now())
        try await store.write { connection in
            try MappingRepository.learn(facts, id: mapping.id, now: now, in: connection)
            for entry in written.timeline { try TimelineRepository.record(entry, in: connection) }
        }
    }

    private func enterPullRequestList(_ id: Int64) async {
        guard pullRequestLists[id] != nil else {
            pullRequestLists[id] = []
            return
        }
        await withCheckedContinuation { pullRequestLists[id, default: []].append($0) }
    }

    private func leavePullRequestList(_ id: Int64) {
        guard var waiting = pullRequestLists[id], !waiting.isEmpty else {
            pullRequestLists[id] = nil
            return
        }
        let next = waiting.removeFirst()
        pullRequestLists[id] = waiting
        next.resume()
    }

    /// The issue's linked pull requests once `link` is counted: added when linked, taken out when no longer; the rest
    /// are what was last written (`#12, #15`, in number order).
    static func pullRequests(after link: PullRequestLink, written: [String: String]) -> String {
        let before = written[DevSignal.pullRequests.rawValue] ?? ""
        var names = Set(before.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        if link.linked { names.insert(link.name) } else { names.remove(link.name) }
        func number(_ name: String) -> Int { Int(name.split(separator: "#").last ?? "") ?? 0 }
        return names.sorted { (number($0), $0) < (number($1), $1) }.joined(separator: ", ")
    }

    /// One read from the delivery's `left` and its source's minute; false (nothing taken) when either is spent.
    private func takeRead(_ left: inout Int, source: String) -> Bool {
        guard left > 0, readBudget.take(for: source, now: clock.now()) else { return false }
        left -= 1
        return true
    }

    /// What a `.linked` event says: issues named by key, the subject whose links the tool may add, and its source.
    struct LinkedChange {
        var keys: [String]
        var reference: String?
        var source: String
        var status: DevIssueStatus
        var order: Int64?
        var actor: String?
        var pullRequest: PullRequestLink?
    }

    /// `keys` and the issues the tool links to `reference` beyond them. A refusal to say (a token without the
    /// scope) leaves the payload's keys, said in the log; a transient failure retries the event.
    func linkedKeys(_ keys: [String], reference: String, tool: any DevTool) async throws -> [String] {
        let linked: [String]
        do {
            linked = try await tool.issueKeys(linkedTo: reference)
        } catch {
            guard !error.isTransient else { throw error }
            logger.warning("could not read what the change links; going by its payload", metadata: ["reference": "\(reference)", "error": "\(error)"])
            return keys
        }
        return keys + linked.filter { !keys.contains($0) }
    }

    /// An event about issues named by key (a pull request that closes them): applied to each craft-sync created that
    /// is still in the event's state (`open`: a late event about a pull request never reopens a closed issue; the
    /// issue is read to know). The event's decision is the first applied one (or the first); every item gets its
    /// timeline entry and, when applied, its parent's roll-up.
    ///
    /// Every read is charged to the delivery and to its source (`WebhookReadBudget`): keys that name no issue of
    /// ours cost nothing, and beyond the budget the rest of the delivery is left to reconciliation.
    func applyLinked(_ linked: LinkedChange, tool: any DevTool, event: StoredEvent, subject: inout Mapping?) async throws -> Decision {
        var readsLeft = settings.webhookReads.perDelivery
        var throttled = false
        var keys = linked.keys
        // The Development panel's links are read only while the source has budget (one read a delivery).
        if let reference = linked.reference {
            if takeRead(&readsLeft, source: linked.source) {
                keys = try await linkedKeys(keys, reference: reference, tool: tool)
            } else {
                throttled = true
            }
        }
        var outcomes: [(decision: Decision, subject: Mapping?)] = []
        for key in keys {
            guard let mapping = try await store.mappings.mapping(devToolInstance: tool.instance, devIssueKey: key), let issueID = mapping.devIssueID else {
                continue
            }
            guard takeRead(&readsLeft, source: linked.source) else {
                throttled = true
                outcomes.append((.ignore("\(key) was not read: \(linked.source)'s deliveries have used their reads for now; reconciliation applies the current state", outcome: .throttled), mapping))
                continue
            }
            let current = try await tool.issue(DevIssueReference(id: issueID, key: key))
            guard current.status.name == linked.status.name else {
                outcomes.append((.ignore("\(key) is \(current.status.described) now; a pull request does not change that", outcome: .stale), mapping))
                continue
            }
            var itemSubject: Mapping? = mapping
            // The pull request does not carry the issue's labels; the read does (for label rules).
            let change = IssueChange(
                issueID: issueID, key: key, status: DevIssueStatus(name: linked.status.name, detail: linked.status.detail, labels: current.status.labels),
                order: linked.order, actor: linked.actor)
            if let pullRequest = linked.pullRequest, let field = settings.signalFields[.pullRequests] {
                try await listPullRequest(pullRequest, field: field, mapping: mapping, eventID: event.id)
            }
            let decision = try await apply(change, to: mapping, tool: tool, event: event, subject: &itemSubject)
            outcomes.append((decision, itemSubject))
        }
        if throttled {
            logger.warning("webhook reads over budget; the rest is left to reconciliation", metadata: ["source": "\(linked.source)", "event": "\(event.id)"])
        }
        guard let chosen = outcomes.firstIndex(where: { $0.decision.outcome == .applied }) ?? outcomes.indices.first else {
            return .ignore("it names no issue craft-sync created (\(keys.joined(separator: ", ")))")
        }
        for (index, outcome) in outcomes.enumerated() where index != chosen {
            guard let other = outcome.subject else { continue }
            pendingEffects[event.id, default: Effects()].timeline.append(.init(
                other, at: clock.now(), kind: .webhook, outcome: outcome.decision.outcome.rawValue, detail: "\(event.eventType): \(outcome.decision.detail)", eventID: event.id))
            if outcome.decision.outcome == .applied, let parent = RollUp.parent(of: other) { touchedParents.insert(parent) }
        }
        subject = outcomes[chosen].subject
        return outcomes[chosen].decision
    }
}
