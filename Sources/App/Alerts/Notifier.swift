import Foundation
import Logging
import OutboundHTTP
import Store
import Support

/// Tells operators what `AlertWatch` finds, through each `NotifyTarget`: summarised, never a message per event. Each
/// target gets at most one message every `minInterval`, saying everything that came meanwhile (up to `maxHeld`
/// alerts; beyond that they are counted), sent through the outbound client (which retries), and each item an alert
/// concerns has it on its timeline. A message that cannot be sent keeps its alerts for the target's next turn. With
/// replicas on one database, one at a time looks and tells (an advisory lock), so each thing is told once.
actor Notifier {
    struct Settings: Sendable {
        /// How often to look for something to tell.
        var checkInterval: Duration = .seconds(30)
        /// The least time between two messages to one target: a storm becomes a few summaries.
        var minInterval: Duration = .seconds(300)
        /// Alerts held for one target at most; later ones are counted as omitted.
        var maxHeld = 200
    }

    private struct Queue {
        var held: [Alert] = []
        var omitted = 0
        var lastSent: Date?
    }

    let targets: [NotifyTarget]
    let watch: AlertWatch
    let http: any HTTPClient
    let store: Store
    let clock: any SyncClock
    let settings: Settings
    let statusPage: String?
    let logger: Logger
    private var queues: [Queue]

    init(
        targets: [NotifyTarget], watch: AlertWatch, http: any HTTPClient, store: Store, clock: any SyncClock, settings: Settings = Settings(),
        statusPage: String?, logger: Logger
    ) {
        self.targets = targets
        self.watch = watch
        self.http = http
        self.store = store
        self.clock = clock
        self.settings = settings
        self.statusPage = statusPage
        self.logger = logger
        queues = targets.map { _ in Queue() }
    }

    /// Looks, then sends to each target whose turn it is.
    func tick() async {
        let now = clock.now()
        do {
            let found = try await watch.changes(now: now)
            for index in queues.indices { hold(found, for: index) }
        } catch {
            logger.warning("could not look for problems to tell; trying again at the next look", metadata: ["error": "\(error)"])
        }
        for index in targets.indices where !queues[index].held.isEmpty {
            if let last = queues[index].lastSent, now.timeIntervalSince(last) < settings.minInterval.timeInterval { continue }
            await send(index, now: now)
        }
    }

    /// Looks every `checkInterval` until cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                _ = try await store.database.whileHolding(.alerts) { await self.tick() }
            } catch {
                logger.warning("could not take the alerts lock; trying again at the next look", metadata: ["error": "\(error)"])
            }
            do { try await clock.sleep(for: settings.checkInterval) } catch { return }
        }
    }

    private func hold(_ alerts: [Alert], for index: Int) {
        let room = max(0, settings.maxHeld - queues[index].held.count)
        queues[index].held += alerts.prefix(room)
        queues[index].omitted += max(0, alerts.count - room)
    }

    private func send(_ index: Int, now: Date) async {
        let target = targets[index]
        let (alerts, omitted) = (queues[index].held, queues[index].omitted)
        let request = target.request(for: alerts, omitted: omitted, now: now, statusPage: statusPage)
        var failure: String?
        do {
            let response = try await http.send(request)
            if !response.isSuccess { failure = "answered \(response.status)" }
        } catch {
            // The outbound client's errors name the operation, never the URL (Slack's is a credential).
            failure = "\(error)"
        }
        queues[index].lastSent = now
        if let failure {
            logger.warning("could not tell \(target.name); its alerts wait for its next turn", metadata: ["held": "\(alerts.count)", "error": "\(failure)"])
            return
        }
        queues[index] = Queue(lastSent: now)
        logger.info("told \(target.name)", metadata: ["alerts": "\(alerts.count)", "omitted": "\(omitted)"])
        for alert in alerts {
            guard let item = alert.item else { continue }
            let entry = NewTimelineEntry(
                at: now, craftItemID: item.craftItemID, workspaceID: item.workspaceID, devToolInstance: item.devToolInstance,
                devIssueKey: item.devIssueKey, kind: .notified, outcome: "sent", detail: "told \(target.name): \(alert.title.lowercased())")
            try? await store.timeline.record(entry)
        }
    }
}
