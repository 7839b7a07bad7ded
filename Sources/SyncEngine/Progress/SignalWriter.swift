import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Writes what developers did besides the status (`progress.fields`: assignee, sprint, estimate, release, due date)
/// into Craft.io fields of their own. Each configured signal the tool reported is written when it differs from what
/// craft-sync last wrote there (kept on the mapping), so a redelivery or an unchanged read writes nothing; the order
/// rules are the status's (the caller skips stale and echoed observations). The Craft.io client writes a value by
/// its field's kind (a select by its option, a number as a number, a date as a date).
struct SignalWriter: Sendable {
    let craft: any CraftClient
    /// Signal to the Craft.io field it goes to.
    let fields: [DevSignal: String]
    let clock: any SyncClock
    let logger: Logger

    /// What the writes leave to the caller's unit of work: the values written and a timeline entry per write.
    struct Outcome: Sendable {
        /// The values written, by signal name (for `MappingFacts.signalChanges`).
        var changes: [String: String] = [:]
        var timeline: [NewTimelineEntry] = []
    }

    /// One field to write.
    struct Planned: Sendable, Equatable {
        var signal: DevSignal
        var field: String
        var value: String
    }

    /// The writes `reported` calls for, in signal order.
    static func planned(_ reported: DevSignals, fields: [DevSignal: String], written: [String: String]) -> [Planned] {
        var planned: [Planned] = []
        for signal in reported.keys.sorted() {
            guard let field = fields[signal], let value = reported[signal] else { continue }
            let before: String? = written[signal.rawValue]
            // Unchanged; or nothing written yet and nothing to say (an empty field stays as it is).
            if before == value || (before == nil && value.isEmpty) { continue }
            planned.append(Planned(signal: signal, field: field, value: value))
        }
        return planned
    }

    /// Writes them. A transient failure is thrown (the caller retries the observation); a value Craft.io refuses
    /// (not an option of a select field, not a number) is said on the timeline and the rest go on.
    func write(_ reported: DevSignals, to mapping: Mapping, eventID: Int64?) async throws -> Outcome {
        let planned = Self.planned(reported, fields: fields, written: mapping.writtenSignals)
        guard !planned.isEmpty else { return Outcome() }
        var outcome = Outcome()
        for write in planned {
            let (signal, field, value) = (write.signal, write.field, write.value)
            do {
                try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: value)
                outcome.changes[signal.rawValue] = value
                outcome.timeline.append(.init(
                    mapping, at: clock.now(), kind: .craftWrite, outcome: "succeeded",
                    detail: "\(signal.words) → \(field) set to '\(value)'", eventID: eventID))
            } catch {
                if error.isTransient { throw error }
                logger.warning("Craft.io refused a signal's value", metadata: ["craft.item": "\(mapping.craftItemID)", "field": "\(field)", "error": "\(error)"])
                outcome.timeline.append(.init(
                    mapping, at: clock.now(), kind: .craftWrite, outcome: "error", detail: "\(signal.words) '\(value)' → \(field) refused: \(error)",
                    eventID: eventID))
            }
        }
        return outcome
    }
}
