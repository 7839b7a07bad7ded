import Foundation
import Store
import SyncEngine

/// Finds what to tell operators since it last looked: dead letters and items failed for good (read from the
/// timeline after a cursor kept in the store, so a restart does not repeat them), and lasting conditions —
/// intake stopped, the Craft.io key or fields unusable, Craft.io or a dev tool down longer than `downAfter` — said
/// when they begin and when they end.
actor AlertWatch {
    struct Sources: Sendable {
        var intakeHalts: @Sendable () async -> [String: String] = { [:] }
        var craftProblem: @Sendable () -> String? = { nil }
        var outages: @Sendable () async -> [String: Date] = { [:] }
    }

    static let cursorName = "notify.timeline_after_id"
    /// How many one-off alerts one look reads at most; the rest wait for the next (a storm is summarised anyway).
    static let batch = 500

    let store: Store
    let sources: Sources
    let downAfter: Duration
    /// The lasting conditions told as firing, by subject.
    private var firing: [String: Alert] = [:]

    init(store: Store, sources: Sources, downAfter: Duration) {
        self.store = store
        self.sources = sources
        self.downAfter = downAfter
    }

    /// How old an entry must be to be read: PostgreSQL may commit a lower id (or an earlier time) after a higher one
    /// was read, so its entries wait a few seconds; SQLite's one writer commits in order.
    private var settle: TimeInterval { store.database.dialect == .postgres ? 5 : 0 }

    /// What began or ended since the last look.
    func changes(now: Date) async throws -> [Alert] {
        try await oneOffs(now: now) + itemlessDeadLetters(now: now) + lastingChanges(now: now)
    }

    static let itemlessCursorName = "notify.itemless_dead_after"

    /// Deliveries that died before craft-sync knew their item (no timeline names them), read from the event log by when
    /// they died; the first look starts from now.
    private func itemlessDeadLetters(now: Date) async throws -> [Alert] {
        let until = now.addingTimeInterval(-settle)
        guard let after = try await store.cursors.date(Self.itemlessCursorName) else {
            try await store.cursors.set(Self.itemlessCursorName, to: until, now: now)
            return []
        }
        let dead = try await store.events.deadWithoutItem(diedAfter: after, before: until, limit: Self.batch)
        if let last = dead.last?.finishedAt { try await store.cursors.set(Self.itemlessCursorName, to: last, now: now) }
        return dead.map { event in
            Alert(
                kind: .deadLetter, subject: "event:\(event.id)",
                summary: "delivery \(event.id) (\(event.tool) \(event.eventType)) names no item craft-sync knows: \(event.lastError ?? "no error recorded")")
        }
    }

    /// Dead letters and failed items recorded since the cursor. The first look ever starts from now: what was dead
    /// before `notify` was configured is on the status page already.
    private func oneOffs(now: Date) async throws -> [Alert] {
        guard let stored = try await store.cursors.value(Self.cursorName), let after = Int64(stored) else {
            try await store.cursors.set(Self.cursorName, to: String(try await store.timeline.newestID()), now: now)
            return []
        }
        // Read by id, and cut at the first entry too young to be sure of: the cursor never passes one left for later.
        let read = try await store.timeline.entries(after: after, kinds: [.dead, .failed], limit: Self.batch)
        let cutoff = now.addingTimeInterval(-settle)
        let entries = Array(read.prefix { $0.at <= cutoff })
        guard let last = entries.last else { return [] }
        try await store.cursors.set(Self.cursorName, to: String(last.id), now: now)
        return entries.map { entry in
            let item = Alert.Item(
                craftItemID: entry.craftItemID, workspaceID: entry.workspaceID, devToolInstance: entry.devToolInstance, devIssueKey: entry.devIssueKey)
            let about = "item \(entry.craftItemID)\(entry.devIssueKey.map { " (\($0))" } ?? "")"
            return entry.kind == .dead
                ? Alert(kind: .deadLetter, subject: "event:\(entry.eventID.map(String.init) ?? "timeline-\(entry.id)")", summary: "\(about): \(entry.detail)", item: item)
                : Alert(kind: .itemFailed, subject: "item:\(entry.craftItemID):\(entry.devToolInstance)", summary: "\(about): \(entry.detail)", item: item)
        }
    }

    /// Lasting conditions now, against those told: new ones fire, gone ones resolve.
    private func lastingChanges(now: Date) async -> [Alert] {
        var current: [String: Alert] = [:]
        for (instance, reason) in await sources.intakeHalts() {
            current["intake:\(instance)"] = Alert(kind: .intakeHalted, subject: "intake:\(instance)", summary: "intake for \(instance) is stopped: \(reason)")
        }
        if let problem = sources.craftProblem() {
            current["craft"] = Alert(kind: .craftUnusable, subject: "craft", summary: problem)
        }
        for (service, since) in await sources.outages() where now.timeIntervalSince(since) >= downAfter.timeInterval {
            let minutes = Int(now.timeIntervalSince(since) / 60)
            current["outage:\(service)"] = Alert(
                kind: .outage, subject: "outage:\(service)",
                summary: "\(service) has failed every call for \(minutes) min (since \(since.formatted(.iso8601))); events wait and nothing is lost")
        }
        var changes = current.filter { firing[$0.key] == nil }.values.sorted { $0.subject < $1.subject }
        for (subject, told) in firing where current[subject] == nil {
            var resolved = told
            resolved.state = .resolved
            resolved.summary = "\(told.title.lowercased()) is over: \(Self.subjectName(told))"
            changes.append(resolved)
        }
        firing = current
        return changes
    }

    static func subjectName(_ alert: Alert) -> String {
        switch alert.kind {
        case .intakeHalted: "intake for \(alert.subject.dropFirst("intake:".count)) runs again"
        case .craftUnusable: "the Craft.io key and fields are usable again"
        case .outage: "\(alert.subject.dropFirst("outage:".count)) answers again"
        case .deadLetter, .itemFailed: alert.subject
        }
    }
}
