import Foundation
import Logging
import Store

/// Writes the item timeline. The history is an account of the work, never a reason for the work to fail: an
/// entry that cannot be stored is logged and dropped.
struct ItemHistory: Sendable {
    let store: Store
    let logger: Logger

    func record(_ entry: NewTimelineEntry) async {
        do {
            try await store.timeline.record(entry)
        } catch {
            logger.warning("could not record a timeline entry", metadata: ["craft.item": "\(entry.craftItemID)", "kind": "\(entry.kind.rawValue)", "error": "\(error)"])
        }
    }

    /// Records `entry` unless the item's last entry of its kind says the same (see `recordUnlessRepeated`).
    func recordOnce(_ entry: NewTimelineEntry) async {
        do {
            try await store.timeline.recordUnlessRepeated(entry)
        } catch {
            logger.warning("could not record a timeline entry", metadata: ["craft.item": "\(entry.craftItemID)", "kind": "\(entry.kind.rawValue)", "error": "\(error)"])
        }
    }
}
