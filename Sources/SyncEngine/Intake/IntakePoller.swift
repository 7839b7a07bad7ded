import CraftAPI
import Foundation
import Logging
import Store
import Support

/// Lists a target's ready items and keeps the cursors that make the next listing incremental: where Craft.io filters by
/// update time (the openapi form), a poll lists only the items changed since the newest update seen (less an overlap),
/// and a full listing runs every `fullPollInterval` anyway. It returns what was listed; what to do with it is the
/// engine's.
struct IntakePoller: Sendable {
    let craft: any CraftClient
    let store: Store
    let clock: any SyncClock
    let settings: IntakeSettings
    let logger: Logger

    /// One listing and how it was made.
    struct Polled: Sendable {
        var listing: CraftListing
        /// Where the listing started; nil for a full listing.
        var since: Date?
        var started: Date
    }

    /// Lists `target`'s ready items; says in the log what could not be read, and (when `warnTruncation`) that the
    /// listing may be cut short.
    func list(_ target: IntakeTarget, warnTruncation: Bool) async throws -> Polled {
        let started = clock.now()
        let since = await incrementalStart(target)
        let listing = try await craft.listing(workspaceID: target.workspaceID, status: target.readyStatus, updatedFrom: since)
        if let note = listing.possiblyTruncated, warnTruncation {
            logger.warning("\(note)", metadata: ["workspace": "\(target.workspaceID)"])
        }
        for unreadable in listing.unreadable {
            logger.warning(
                "a Craft.io item could not be read; the others go on and the next poll tries again",
                metadata: ["craft.item": "\(unreadable.id ?? "(no id)")", "workspace": "\(target.workspaceID)", "reason": "\(unreadable.reason)"])
        }
        return Polled(listing: listing, since: since, started: started)
    }

    /// Where an incremental poll starts: the newest update time seen (Craft.io's clock) less the overlap; nil for a
    /// full listing (the form cannot filter, there is no cursor yet, or the last full listing is too old).
    private func incrementalStart(_ target: IntakeTarget) async -> Date? {
        guard craft.filtersByUpdateTime, !target.isBackfill,
            let since = await storedDate(IntakeEngine.updatedSinceCursor(target)), let lastFull = await storedDate(IntakeEngine.fullPollCursor(target)),
            clock.now().timeIntervalSince(lastFull) < settings.fullPollInterval.timeInterval
        else { return nil }
        return since.addingTimeInterval(-settings.pollOverlap.timeInterval)
    }

    /// After a poll: the cursor moves to the newest update time listed, but only when nothing listed was left behind
    /// (an unreadable item, a listing that may be cut short, a stopped tool): those must be listed again.
    func advanceCursors(_ target: IntakeTarget, after polled: Polled, halted: Bool) async {
        let listing = polled.listing
        guard craft.filtersByUpdateTime, !target.isBackfill, listing.unreadable.isEmpty, listing.possiblyTruncated == nil, !halted else { return }
        let newest = listing.items.compactMap { $0.updateTime.flatMap(Timestamp.parse) }.max()
        let previous = await storedDate(IntakeEngine.updatedSinceCursor(target))
        if let latest = [newest, previous].compactMap({ $0 }).max() { await save(IntakeEngine.updatedSinceCursor(target), latest) }
        if polled.since == nil { await save(IntakeEngine.fullPollCursor(target), polled.started) }
    }

    private func storedDate(_ name: String) async -> Date? { (try? await store.cursors.date(name)) ?? nil }

    private func save(_ name: String, _ date: Date) async {
        do {
            try await store.cursors.set(name, to: date, now: clock.now())
        } catch {
            logger.warning("could not store the poll cursor; the next poll lists more than it needs", metadata: ["error": "\(error)"])
        }
    }
}

extension IntakeEngine {
    /// Cursor names in the store, per workspace and dev-tool instance.
    static func updatedSinceCursor(_ target: IntakeTarget) -> String { "intake.updated_since.\(target.workspaceID).\(target.devTool.instance)" }
    static func fullPollCursor(_ target: IntakeTarget) -> String { "intake.full_poll.\(target.workspaceID).\(target.devTool.instance)" }
}
