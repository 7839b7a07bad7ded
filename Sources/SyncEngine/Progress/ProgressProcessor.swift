import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Turns stored webhook deliveries into Craft.io progress: parse with the tool's adapter, find the mapping by
/// the issue's stable id, map the status, and write the progress field, skipping no-op writes, stale events
/// and our own echoes.
///
/// An outage must not turn acknowledged deliveries into dead letters: a transient failure retries with
/// full-jitter backoff capped at `retryMaxDelay`, and an event dies of old age (`giveUpAfter` after it arrived),
/// not of a count of attempts. While failures repeat for everyone (Craft.io down), a circuit breaker stops
/// processing altogether, so events wait without spending attempts; after a pause one event probes, and its
/// success closes the breaker. Dead letters are for events that cannot succeed: permanent errors, or a day of
/// failures.
public actor ProgressProcessor {
    public struct Settings: Sendable {
        public var progressField = "dev_status"
        public var statusMapping = StatusMapping()
        /// Accounts whose events are craft-sync's own echoes (GitHub login, Jira accountId).
        public var ownAccounts: Set<String> = []
        /// A transiently failing event is given up (dead) once this old; an outage shorter than this loses nothing.
        public var giveUpAfter: Duration = .seconds(24 * 3600)
        public var retryBaseDelay: Duration = .seconds(2)
        public var retryMaxDelay: Duration = .seconds(300)
        /// Consecutive transient failures (across events) that open the circuit breaker.
        public var breakerThreshold = 3
        /// The first pause of an open breaker; each failed probe doubles it, up to `breakerMaxPause`.
        public var breakerPause: Duration = .seconds(2)
        /// The longest pause between probes of an open breaker: a recovery is seen within it.
        public var breakerMaxPause: Duration = .seconds(15)
        /// A workspace whose key probe (a cheap Craft.io call) tells whether an outage is over; without one the
        /// oldest held event is the probe.
        public var probeWorkspaceID: String?
        /// Lanes (issues) processed at once, and at most this many of one tool's.
        public var maxConcurrentLanes = 64
        public var maxConcurrentLanesPerTool = 32
        /// How long a processor holds an event it took: longer than one event's writes normally take. If it dies
        /// meanwhile, the event is due again afterwards (so a crash delays that event by up to this long); if it is
        /// slower than this, another replica may write the same value again, which is harmless.
        public var processingLease: Duration = .seconds(60)
        /// A Craft field on parent items that gets "done/total" of their synced children; nil for none.
        public var rollUpField: String?
        /// Progress values that count as done in a roll-up.
        public var rollUpDoneValues: Set<String> = ["Done"]
        /// How far ahead of our clock an event's own time may be before it is taken as now and called suspicious.
        public var eventTime = EventTime()
        /// What developers did besides the status, and the Craft.io field each goes to (`progress.fields`).
        public var signalFields: [DevSignal: String] = [:]
        /// The tool reads a delivery may cause (a pull request naming issues), per delivery and per source a minute.
        var webhookReads = WebhookReadBudget.Limits()
        public init() {}
    }

    let store: Store
    let craft: any CraftClient
    /// Adapters by the tool name events are stored under (`github`, `jira`).
    let tools: [String: any DevTool]
    let settings: Settings
    let clock: any SyncClock
    let random: @Sendable () -> Double
    let logger: Logger
    let observer: any SyncObserver
    private var wakeups: AsyncStream<Void>.Continuation?
    /// Transient failures in a row, whatever the event.
    private var consecutiveFailures = 0
    /// While set and in the future, nothing is processed: the breaker is open.
    private var breakerOpenUntil: Date?
    private var breakerPause: Duration?
    /// Dev tools (by the name events are stored under) whose calls fail for now, and until when their events wait; the
    /// other tools' go on. A throttle's own wait, else a pause that doubles per failure up to `retryMaxDelay`.
    private var toolPauses: [String: (until: Date, pause: Duration)] = [:]
    /// What each event being processed leaves to its unit of work, by event id (lanes interleave on the actor).
    var pendingEffects: [Int64: Effects] = [:]
    /// Tool reads charged to each delivery source this minute.
    var readBudget: WebhookReadBudget
    /// A pass is under way; a delivery stored meanwhile wakes it through `arrivalWaiter` (or `arrivedDuringPass` when
    /// it is not listening at that moment).
    private var passRunning = false
    private var arrivalWaiter: CheckedContinuation<Void, Never>?
    private var arrivedDuringPass = false
    /// Mappings whose `pull_requests` field is being written, with who waits for it (`listPullRequest`).
    var pullRequestLists: [Int64: [CheckedContinuation<Void, Never>]] = [:]
    /// Parents whose children changed in the current batch: their roll-up is written once at its end.
    var touchedParents: Set<RollUp.Parent> = []

    /// Since when Craft.io (`ProgressProcessor.craftOutage`) or a dev tool (by the name its events are stored under) has
    /// failed every call, while it does: what `notify` tells operators of once it lasts.
    private var downSince: [String: Date] = [:]
    public static let craftOutage = "Craft.io"

    /// What is down now, and since when.
    public func outages() -> [String: Date] { downSince }

    /// True while the circuit breaker holds events back.
    public var breakerIsOpen: Bool { breakerOpenUntil.map { clock.now() < $0 } ?? false }

    public init(
        store: Store, craft: any CraftClient, tools: [String: any DevTool], settings: Settings, clock: any SyncClock,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, logger: Logger, observer: any SyncObserver = NoSyncObserver()
    ) {
        self.observer = observer
        self.readBudget = WebhookReadBudget(limits: settings.webhookReads)
        self.store = store
        self.craft = craft
        self.tools = tools
        self.settings = settings
        self.clock = clock
        self.random = random
        self.logger = logger
    }

    /// Processes what is due now; returns how many events had their outcome recorded (so a store that takes no
    /// writes ends the loop instead of spinning on the same events).
    ///
    /// Events run in lanes, one per issue they are about (`Lane`): a lane's events in the order they arrived, lanes
    /// side by side (at most `maxConcurrentLanes`, and `maxConcurrentLanesPerTool` of one tool), so one slow Craft.io
    /// write holds back only the events of its own issue.
    @discardableResult
    public func processDue(limit: Int = 256) async -> Int {
        if breakerIsOpen { return 0 }
        if breakerPause != nil, let workspace = settings.probeWorkspaceID {
            // Half-open: a cheap call decides whether the outage is over, so held events spend no attempts on it.
            do {
                try await store.checkWritable()
                _ = try await craft.probeKey(workspaceID: workspace)
                await closeBreaker()
            } catch {
                noteTransientFailure(error)
                return 0
            }
        }
        guard let first = await dueLanes(limit: limit, excluding: []) else { return 0 }
        if first.isEmpty { return await probe() }
        var schedule = LaneSchedule(maxLanes: settings.maxConcurrentLanes, maxLanesPerTool: settings.maxConcurrentLanesPerTool)
        schedule.admit(first)
        var recorded = 0
        passRunning = true
        await withTaskGroup(of: PassSignal.self) { group in
            var listening = false
            while true {
                // An open breaker or a paused tool: what waits stays due in the log, unclaimed, for a later pass.
                let now = clock.now()
                if breakerIsOpen { schedule.dropWaiting { _ in true } }
                schedule.dropWaiting { lane in toolPauses[lane.tool].map { now < $0.until } ?? false }
                while let lane = schedule.start() { group.addTask { await self.process(lane) } }
                if schedule.isIdle { break }
                if !listening {
                    listening = true
                    group.addTask { await self.nextArrival(); return .arrival }
                }
                guard let signal = await group.next() else { break }
                switch signal {
                case .lane(let lane, let count):
                    recorded += count
                    schedule.finish(lane)
                case .arrival:
                    listening = false
                }
                // A lane ended or a delivery came: what is due now joins the pass, so it does not wait for the
                // slowest lane of the batch it missed.
                if schedule.wantsMore, !breakerIsOpen, let more = await dueLanes(limit: limit, excluding: schedule.held) {
                    schedule.admit(more)
                }
            }
            endPass()
        }
        if let field = settings.rollUpField, !touchedParents.isEmpty {
            let parents = touchedParents
            touchedParents = []
            await RollUp(store: store, craft: craft, field: field, doneValues: settings.rollUpDoneValues, logger: logger).update(parents)
        }
        return recorded
    }

    /// What a pass hears from its tasks: a lane ended (with how many of its events had their outcome recorded), or a
    /// delivery arrived.
    private enum PassSignal: Sendable {
        case lane(Lane, recorded: Int)
        case arrival
    }

    /// Returns at the next delivery stored during the pass (or at once when one came since the last call), or when the
    /// pass ends.
    private func nextArrival() async {
        guard passRunning, !arrivedDuringPass else {
            arrivedDuringPass = false
            return
        }
        await withCheckedContinuation { arrivalWaiter = $0 }
    }

    private func endPass() {
        passRunning = false
        arrivedDuringPass = false
        arrivalWaiter?.resume()
        arrivalWaiter = nil
    }

    /// The events due now but for `held` ones and paused tools', parsed and grouped in lanes; nil when the log
    /// cannot be read.
    private func dueLanes(limit: Int, excluding held: Set<Int64>) async -> [Lane]? {
        let due: [StoredEvent]
        do {
            let now = clock.now()
            due = try await store.events.due(
                now: now, limit: limit, excluding: Set(toolPauses.filter { now < $0.value.until }.keys), skipping: held)
        } catch {
            logger.error("cannot read the event log", metadata: ["error": "\(error)"])
            return nil
        }
        var keyed: [(subject: String?, entry: Lane.Entry)] = []
        for event in due {
            let parsed = await parse(event)
            keyed.append((laneSubject(of: event, parsed: try? parsed?.get()), Lane.Entry(event: event, parsed: parsed)))
        }
        return Lane.group(keyed)
    }

    /// One lane's events in order.
    private func process(_ lane: Lane) async -> PassSignal {
        var recorded = 0
        for entry in lane.entries {
            let event = entry.event
            // An open breaker stops the batch: the events after a failure wait without spending attempts.
            if breakerIsOpen { break }
            // A tool that failed within this batch holds the rest of its events back, unattempted.
            let now = clock.now()
            if let paused = toolPauses[event.tool], now < paused.until { break }
            // Two replicas on one database read the same due events; only the one that claims an event runs it, and
            // none while an earlier event of the same issue is still to be finished (the lane key is stored with it).
            let until = now.addingTimeInterval(settings.processingLease.timeInterval)
            guard (try? await store.events.claim(id: event.id, lane: lane.storedKey, now: now, until: until)) == true else { continue }
            if await process(event, parsed: entry.parsed) { recorded += 1 }
        }
        return .lane(lane, recorded: recorded)
    }

    /// The breaker's pause (or a tool's) is over and no event is due, because every held event waits for its own
    /// retry time: the oldest is tried now, so a recovery is seen within one pause (at most `breakerMaxPause`), not
    /// one event's backoff (minutes). Its success makes the rest due at once.
    private func probe() async -> Int {
        let now = clock.now()
        let tools: [String?] = breakerPause != nil ? [nil] : toolPauses.filter { now >= $0.value.until }.keys.map { Optional($0) }
        var recorded = 0
        for tool in tools {
            guard let oldest = try? await store.events.oldestWaiting(tool: tool),
                (try? await store.events.claim(id: oldest.id, now: .distantFuture, until: now.addingTimeInterval(settings.processingLease.timeInterval))) == true
            else { continue }
            if await process(oldest) { recorded += 1 }
        }
        return recorded
    }

    /// The event parsed by its adapter from its stored payload (nil when no adapter is configured for it); read once,
    /// for its lane and for its decision.
    func parse(_ event: StoredEvent) async -> Result<WebhookEvent, any Error>? {
        guard let tool = tools[event.tool] else { return nil }
        let headers = Dictionary(event.headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        do {
            let body = try await store.events.payload(id: event.id)
            return .success(try tool.parseWebhook(headers: headers, body: body))
        } catch {
            return .failure(error)
        }
    }

    /// The issue an event is about (its tool instance and the issue's id), so one issue's events stay in order;
    /// nil for an event that names no issue (a lane of its own).
    private func laneSubject(of event: StoredEvent, parsed: WebhookEvent?) -> String? {
        guard let parsed else { return nil }
        let subject: String? = switch parsed {
        case .issue(let change): change.issueID
        case .needsRead(let reference, _, _): reference
        case .linked(let keys, _, _, _, let reference, _, _): reference ?? keys.joined(separator: ",")
        case .deleted(let issueID, _): issueID
        case .moved(let fromIssueID, _): fromIssueID
        case .ignored: nil
        }
        return subject.map { "\(event.tool) \($0)" }
    }

    /// Runs until cancelled: processes due events whenever woken (a new delivery) or every `pollInterval`.
    public func run(pollInterval: Duration = .seconds(1)) async {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wakeups = continuation
        let ticker = Task { [clock] in
            while !Task.isCancelled {
                try? await clock.sleep(for: pollInterval)
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        await processDue()
        for await _ in stream {
            if Task.isCancelled { break }
            while await processDue() > 0 {}
        }
    }

    /// Asks the loop to look at the log now (a delivery was just stored).
    public nonisolated func wake() {
        Task { await self.signal() }
    }

    private func signal() {
        if let waiter = arrivalWaiter {
            arrivalWaiter = nil
            waiter.resume()
        } else if passRunning {
            arrivedDuringPass = true
        }
        wakeups?.yield()
    }

    var history: ItemHistory { ItemHistory(store: store, logger: logger) }
    var progressWrite: ProgressWrite {
        ProgressWrite(store: store, craft: craft, field: settings.progressField, clock: clock, logger: logger, eventTime: settings.eventTime)
    }

    /// What deciding an event leaves to record in its unit of work: what mappings learnt (by mapping id), pushes made
    /// and timeline entries.
    struct Effects: Sendable {
        var facts: [Int64: MappingFacts] = [:]
        var pushes: [PendingPush] = []
        var timeline: [NewTimelineEntry] = []
    }

    /// Handles one event; false when its outcome could not be recorded.
    func process(_ event: StoredEvent, parsed: Result<WebhookEvent, any Error>? = nil) async -> Bool {
        let now = clock.now()
        // The mapping the event turned out to be about, once known: its item's timeline hears what came of it.
        var subject: Mapping?
        do {
            pendingEffects[event.id] = Effects()
            defer { pendingEffects[event.id] = nil }
            let decision = try await decide(event, parsed: parsed, subject: &subject)
            var effects = pendingEffects[event.id] ?? Effects()
            if let subject {
                effects.timeline.append(.init(
                    subject, at: now, kind: .webhook, outcome: decision.outcome.rawValue, detail: "\(event.eventType): \(decision.detail)", eventID: event.id))
                if decision.outcome == .applied, let parent = RollUp.parent(of: subject) { touchedParents.insert(parent) }
            }
            let outcome: EventLog.Outcome = decision.outcome.processesEvent ? .processed : .ignored(reason: decision.detail)
            // One unit of work: the event's outcome, what the mappings learnt, the pushes it made and its timeline
            // entries commit together.
            try await progressWrite.commit(effects.pushes, facts: effects.facts, timeline: effects.timeline) { connection in
                try EventLog.finish(id: event.id, outcome, now: now, in: connection)
            }
            if case .ignored = outcome { observer.eventIgnored(tool: event.tool) }
            await closeBreaker()
            downSince[event.tool] = nil
            if toolPauses.removeValue(forKey: event.tool) != nil {
                // The tool answers again: its events waiting for a retry go now, not after the rest of their backoff.
                _ = try? await store.events.expediteRetries(tool: event.tool, now: clock.now())
            }
            return true
        } catch let error as CraftError where !error.isTransient {
            return await giveUp(event, subject: subject, error: "\(error)")
        } catch let error as DevToolError where !error.isTransient {
            return await giveUp(event, subject: subject, error: "\(error)")
        } catch {
            // The breaker is for what fails every event alike (Craft.io, the store); one dev tool's outage or throttle
            // pauses that tool's events only, and the other tools' go on.
            if let error = error as? DevToolError {
                pause(event.tool, for: error)
            } else if let wait = (error as? CraftError)?.holdOff {
                // Craft.io asked everyone to wait: every lane holds off, not only this event.
                holdOff(for: wait, error)
            } else {
                noteTransientFailure(error)
            }
            if now.timeIntervalSince(event.receivedAt) >= settings.giveUpAfter.timeInterval {
                return await giveUp(event, subject: subject, error: "still failing \(settings.giveUpAfter) after it arrived: \(error)")
            }
            let attempts = event.attempts + 1
            let wait = Backoff(base: settings.retryBaseDelay, cap: settings.retryMaxDelay, random: random).delay(attempt: attempts)
            let retryAt = now.addingTimeInterval(wait.timeInterval)
            logger.info("event failed; will retry", metadata: ["event": "\(event.id)", "attempt": "\(attempts)", "error": "\(error)"])
            if let subject {
                await history.record(.init(
                    subject, at: now, kind: .retried, outcome: "retrying",
                    detail: "\(event.eventType): attempt \(attempts) failed (\(error)); next at \(retryAt.formatted(.iso8601))", eventID: event.id))
            }
            observer.eventRetried()
            return (try? await store.events.markFailed(id: event.id, error: "\(error)", retryAt: retryAt)) != nil
        }
    }

    /// Opens the breaker after `breakerThreshold` transient failures in a row, and reopens it for twice as long
    /// after a failed probe.
    private func noteTransientFailure(_ error: any Error) {
        consecutiveFailures += 1
        guard consecutiveFailures >= settings.breakerThreshold else { return }
        let pause = breakerPause.map { min($0 * 2, settings.breakerMaxPause) } ?? settings.breakerPause
        breakerPause = pause
        breakerOpenUntil = clock.now().addingTimeInterval(pause.timeInterval)
        if downSince[Self.craftOutage] == nil { downSince[Self.craftOutage] = clock.now() }
        logger.warning(
            "progress paused: writes keep failing; events wait without spending attempts",
            metadata: ["pause": "\(pause)", "error": "\(error)"])
    }

    /// Craft.io's `Retry-After` asked for a pause: the breaker opens for that long (at most `retryMaxDelay`), so no lane
    /// writes meanwhile; then the key probe (or the next event) tries again.
    private func holdOff(for wait: Duration, _ error: any Error) {
        let pause = min(wait, settings.retryMaxDelay)
        consecutiveFailures = max(consecutiveFailures, settings.breakerThreshold)
        breakerPause = pause
        let until = clock.now().addingTimeInterval(pause.timeInterval)
        if breakerOpenUntil.map({ $0 < until }) ?? true { breakerOpenUntil = until }
        logger.warning("progress paused: Craft.io asked to wait", metadata: ["pause": "\(pause)", "error": "\(error)"])
    }

    /// Holds `tool`'s events back after a transient failure of its calls: as long as a throttle asks, else for a pause
    /// that doubles per failure.
    private func pause(_ tool: String, for error: DevToolError) {
        var pause = toolPauses[tool].map { min($0.pause * 2, settings.breakerMaxPause) } ?? settings.breakerPause
        if case .throttled(_, _, _, let retryAfter?) = error { pause = min(max(pause, retryAfter), settings.retryMaxDelay) }
        toolPauses[tool] = (clock.now().addingTimeInterval(pause.timeInterval), pause)
        if downSince[tool] == nil { downSince[tool] = clock.now() }
        logger.warning("\(tool) events paused: its calls fail for now; the other tools' events go on", metadata: ["pause": "\(pause)", "error": "\(error)"])
    }

    private func closeBreaker() async {
        consecutiveFailures = 0
        breakerOpenUntil = nil
        downSince[Self.craftOutage] = nil
        guard breakerPause != nil else { return }
        breakerPause = nil
        // Every event held by the outage goes now, not after the rest of its own backoff: healing takes seconds.
        let expedited = (try? await store.events.expediteRetries(now: clock.now())) ?? 0
        logger.info("progress resumed: a write succeeded", metadata: ["expedited": "\(expedited)"])
    }

    private func giveUp(_ event: StoredEvent, subject: Mapping?, error: String) async -> Bool {
        logger.error("event is dead; replay it once the cause is fixed", metadata: ["event": "\(event.id)", "error": "\(error)"])
        observer.eventDead()
        if let subject {
            await history.record(.init(
                subject, at: clock.now(), kind: .dead, outcome: "dead", detail: "\(event.eventType): given up (\(error)); replay it once the cause is fixed",
                eventID: event.id))
        }
        return (try? await store.events.markDead(id: event.id, error: error, now: clock.now())) != nil
    }

    /// What came of an event, for its item's timeline and the event log (processed, or ignored with `detail`).
    struct Decision: Equatable {
        var outcome: ProgressOutcome
        var detail: String

        static func ignore(_ detail: String, outcome: ProgressOutcome = .ignored) -> Decision { Decision(outcome: outcome, detail: detail) }
    }

    /// What to do with `event`; `subject` is set as soon as the mapping it is about is known.
    func decide(_ event: StoredEvent, parsed: Result<WebhookEvent, any Error>? = nil, subject: inout Mapping?) async throws -> Decision {
        guard let tool = tools[event.tool] else { return .ignore("no \(event.tool) adapter is configured") }
        var parsed = parsed
        if parsed == nil { parsed = await parse(event) }
        guard let parsed else { return .ignore("no \(event.tool) adapter is configured") }
        let change: IssueChange
        /// The issue's other id when this event tells it (a board edit's node id, an open issue's with boards read).
        var alternateID: String?
        switch try parsed.get() {
        case .ignored(let reason): return .ignore(reason)
        case .issue(let issueChange):
            change = issueChange
            alternateID = issueChange.reread
        case .needsRead(let reference, let order, let actor):
            // Known by the id the delivery names, or it is not ours: nothing is asked of the tool for anyone else's
            // issue (a board edit anywhere in a GitHub organization). While some linked issue has not learnt that id
            // yet (linked before it was kept; it learns it from any event or read of it), the tool is asked.
            if try await store.mappings.mapping(devToolInstance: tool.instance, devIssueAltID: reference) == nil,
                try await !store.mappings.hasLinkedWithoutAltID(devToolInstance: tool.instance)
            {
                return .ignore("\(reference) names no issue craft-sync created")
            }
            guard let issue = try await tool.issue(referencedBy: reference) else { return .ignore("\(reference) is not an issue of \(tool.instance)") }
            alternateID = issue.alternateID ?? reference
            // The read is the state now: as new as the event, and newer if the issue changed since.
            let orders = [order, issue.order].compactMap { $0 }
            change = IssueChange(issueID: issue.id, key: issue.key, status: issue.status, order: orders.max(), actor: actor)
        case .linked(let keys, let status, let order, let actor, let reference, let source, let pullRequest):
            let linked = LinkedChange(
                keys: keys, reference: reference, source: source ?? tool.instance, status: status, order: order, actor: actor, pullRequest: pullRequest)
            return try await applyLinked(linked, tool: tool, event: event, subject: &subject)
        case .deleted(let issueID, let key):
            guard let mapping = try await store.mappings.mapping(devToolInstance: tool.instance, devIssueID: issueID) else {
                return .ignore("issue \(key) was not created by craft-sync")
            }
            subject = mapping
            // Recorded with the event's outcome, in its unit of work.
            pendingEffects[event.id, default: Effects()].facts[mapping.id, default: MappingFacts()].merge(MappingFacts(deleted: true))
            logger.info("issue deleted in the dev tool", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(key)"])
            return Decision(outcome: .deleted, detail: "\(key) was deleted in the dev tool; nothing more is synced for it")
        case .moved(let fromIssueID, let move):
            guard let mapping = try await store.mappings.mapping(devToolInstance: tool.instance, devIssueID: fromIssueID) else {
                return .ignore("issue \(move.key) was not created by craft-sync")
            }
            pendingEffects[event.id, default: Effects()].facts[mapping.id, default: MappingFacts()]
                .merge(MappingFacts(issueID: move.issueID, key: move.key, url: move.url))
            var moved = mapping
            moved.devIssueKey = move.key
            subject = moved
            logger.info("issue moved in the dev tool", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(move.key)"])
            return Decision(outcome: .moved, detail: "\(mapping.devIssueKey ?? fromIssueID) became \(move.key)\(move.url.map { " (\($0))" } ?? "")")
        }
        guard let mapping = try await store.mappings.mapping(devToolInstance: tool.instance, devIssueID: change.issueID) else {
            return .ignore("issue \(change.key) was not created by craft-sync")
        }
        if let alternateID, alternateID != mapping.devIssueAltID { pendingEffects[event.id, default: Effects()].facts[mapping.id, default: MappingFacts()].alternateID = alternateID }
        subject = mapping
        return try await apply(try await completed(change, tool: tool), to: mapping, tool: tool, event: event, subject: &subject)
    }

    var signalWriter: SignalWriter { SignalWriter(craft: craft, fields: settings.signalFields, clock: clock, logger: logger) }

    var applier: ProgressApplier {
        ProgressApplier(statusMapping: settings.statusMapping, ownAccounts: settings.ownAccounts, eventTime: settings.eventTime)
    }

    /// Applies `change` to the issue of `mapping` as `ProgressApplier` decides: what the mapping learns, the write and
    /// the push record go to the event's unit of work; echoes, stale and unmapped changes are ignored.
    func apply(
        _ change: IssueChange, to mapping: Mapping, tool: any DevTool, event: StoredEvent, subject: inout Mapping?
    ) async throws -> Decision {
        if mapping.state == .unlinked {
            return .ignore("\(mapping.devIssueKey ?? change.key) was unlinked from item \(mapping.craftItemID); nothing is synced for it")
        }
        let now = clock.now()
        let plan = applier.decide(.event(change), mapping: mapping, tool: tool, now: now)
        var effects = Effects()
        if let claimed = plan.suspiciousTime {
            // Ordered as now, never stored as the item's order: a far-future time would make every later event stale.
            // A tool's number as it came (Jira sends milliseconds as is, up to Int64.max): shown as a date only while
            // it is one (up to 9999-12-31), as the raw number beyond.
            let claimedTime = claimed <= 253_402_300_799_999
                ? Date(timeIntervalSince1970: Double(claimed) / 1000).formatted(.iso8601) : "\(claimed) ms after 1970"
            logger.warning("event time is ahead of our clock; ordered as now", metadata: ["dev.issue": "\(change.key)", "event": "\(event.id)"])
            effects.timeline.append(.init(
                mapping, at: now, kind: .webhook, outcome: "suspicious",
                detail: "\(event.eventType) says it happened at \(claimedTime), beyond our clock plus \(settings.eventTime.allowedSkew); ordered as now",
                eventID: event.id))
        }
        if plan.outcome == .stale, change.order == nil {
            logger.warning("event has no usable timestamp; left to reconciliation", metadata: ["dev.issue": "\(change.key)"])
        }
        var mapping = mapping
        var facts = MappingFacts(toolNote: plan.toolNote)
        if let key = plan.newKey {
            facts.key = key
            effects.timeline.append(.init(
                mapping, at: now, kind: .keyChanged, outcome: "changed", detail: "\(mapping.devIssueKey ?? "the issue") is now \(key)", eventID: event.id))
            mapping.devIssueKey = key
            subject = mapping
        }
        if plan.outcome != .stale, plan.outcome != .echo, !settings.signalFields.isEmpty {
            let signals = try await signalWriter.write(change.signals, to: mapping, eventID: event.id)
            facts.signalChanges = signals.changes
            effects.timeline += signals.timeline
        }
        if !facts.isEmpty { effects.facts[mapping.id, default: MappingFacts()].merge(facts) }
        if plan.outcome == .unmapped {
            // Never dropped in silence: the timeline says which status, the counter how often, doctor lists them.
            observer.statusUnmapped(tool: tool.kind)
        }
        if let value = plan.value, let status = plan.devStatus {
            if plan.writes {
                // Written now; recorded with the event's outcome in its unit of work (`process`).
                do {
                    let (push, entry) = try await progressWrite.write(
                        mapping, value: value, devStatus: status, order: plan.order, seen: mapping.pushRecord, eventID: event.id)
                    effects.pushes.append(push)
                    effects.timeline.append(entry)
                    observer.craftWrite(succeeded: true)
                } catch {
                    observer.craftWrite(succeeded: false)
                    throw error
                }
                logger.info("progress written to Craft.io", metadata: ["craft.item": "\(mapping.craftItemID)", "dev.issue": "\(change.key)", "value": "\(value)"])
            } else {
                // Nothing to write; the event's order still advances (recorded in the event's unit of work).
                effects.pushes.append(PendingPush(
                    mapping: mapping, value: value, devStatus: status.described, order: plan.order, seen: mapping.pushRecord, written: false))
            }
        }
        pendingEffects[event.id, default: Effects()].add(effects)
        return Decision(outcome: plan.outcome, detail: plan.detail)
    }
}

extension ProgressProcessor.Effects {
    mutating func add(_ other: Self) {
        for (id, learnt) in other.facts { facts[id, default: MappingFacts()].merge(learnt) }
        pushes += other.pushes
        timeline += other.timeline
    }
}

extension MappingFacts {
    /// `other`'s facts over these where it has any.
    mutating func merge(_ other: MappingFacts) {
        issueID = other.issueID ?? issueID
        deleted = deleted || other.deleted
        key = other.key ?? key
        url = other.url ?? url
        alternateID = other.alternateID ?? alternateID
        if let note = other.toolNote { toolNote = .some(note) }
        signalChanges.merge(other.signalChanges) { $1 }
    }
}
