import DevTools
import Foundation
import OutboundHTTP
import Store
import SyncEngine
import Support

/// `craft-sync sync [--dry-run]`: one intake poll now, from the command line.
public enum SyncOnce {
    /// Returns the text to print; throws when the run failed as a whole. `progress` hears how far each workspace's
    /// creates have got while they run.
    /// `statuses`: list items in these statuses instead of each workspace's ready status, once (a backfill of items
    /// already in development when craft-sync arrives); empty for the ready status.
    public static func run(
        _ configuration: Configuration, dryRun: Bool, statuses: [String] = [], progress: SyncProgressReporter? = nil
    ) async throws -> String {
        let missing = configuration.missingSettings
        guard missing.isEmpty, let world = OutsideWorld(configuration: configuration) else {
            throw CommandError("the configuration is incomplete: \(missing.joined(separator: ", "))")
        }
        if dryRun { return try await plan(configuration, world: world, statuses: statuses) }
        let store = try Store(configuration.databaseLocation)
        let (engine, configured) = Application.makeIntake(configuration: configuration, store: store, world: world, clock: SystemClock())
        let targets = backfilling(configured, statuses: statuses)
        var lines: [String] = []
        var errors: [String] = []
        for target in targets {
            var hear: (@Sendable (IntakeProgress) -> Void)?
            if let progress { hear = { progress.report($0) } }
            let report = await engine.run(target, trigger: "cli", progress: hear)
            if let error = report.error { errors.append("\(target.workspaceID): \(error)") }
            let listed = target.isBackfill ? " (items in '\(target.readyStatus)')" : ""
            lines.append("workspace \(report.workspaceID)\(listed): seen \(report.counts.seen), created \(report.counts.created), skipped \(report.counts.skipped), failed \(report.counts.failed), drifted \(report.counts.drifted)")
            lines += report.created.map { "  created \($0.issue.key) for item \($0.craftItemID) \"\($0.title)\" \($0.issue.url)" }
            lines += report.adopted.map { "  adopted \($0.issue.key) for item \($0.craftItemID) (linked by Craft.io's own integration) \($0.issue.url)" }
            lines += report.skipped.map { "  skipped item \($0.craftItemID): \($0.reason)" }
            lines += report.failed.map { "  FAILED item \($0.craftItemID): \($0.reason)" }
        }
        guard errors.isEmpty else { throw CommandError("intake failed: \(errors.joined(separator: "; "))") }
        return lines.joined(separator: "\n")
    }

    /// Plans against the existing database if there is one, else against an empty one in a temporary file that
    /// is removed afterwards: a dry run leaves nothing behind.
    static func plan(_ configuration: Configuration, world: OutsideWorld, statuses: [String] = []) async throws -> String {
        let location = configuration.databaseLocation
        let exists = location.exists
        let path = NSTemporaryDirectory() + "craft-sync-dry-run-\(UUID().uuidString).sqlite"
        defer {
            if !exists { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        }
        let store = try exists ? Store(location) : Store(path: path)
        let (engine, configured) = Application.makeIntake(configuration: configuration, store: store, world: world, clock: SystemClock())
        var lines: [String] = []
        if !configuration.signalFields.isEmpty {
            lines.append("progress.fields: " + configuration.signalFields.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) → \($0.value)" }.joined(separator: ", "))
            for tool in Set(configured.map(\.devTool.kind)).sorted() {
                let read = DevToolKinds.named(tool)?.signals ?? []
                let unread = configuration.signalFields.keys.filter { !read.contains($0) }.sorted()
                lines.append("  \(tool) writes \(configuration.signalFields.keys.filter(read.contains).sorted().map(\.rawValue).joined(separator: ", "))"
                    + (unread.isEmpty ? "" : "; leaves \(unread.map(\.rawValue).joined(separator: ", ")) alone (it does not read them)"))
            }
        }
        for target in backfilling(configured, statuses: statuses) {
            let intakePlan = try await engine.plan(target)
            let planned = intakePlan.creates
            lines.append("dry run: \(planned.count) item(s) of workspace \(target.workspaceID) in '\(target.readyStatus)' would be created in \(target.devTool.instance) (nothing was written)")
            for plan in planned {
                let issue = plan.issue
                lines.append(
                    "- item \(plan.item.id) \"\(plan.item.title)\"" + (plan.rule.map { " → \(plan.devToolInstance) because \($0.reason)" } ?? "")
                        + (plan.ancestorOf.map { " (not ready: above ready item \($0), intake.sync_ancestors)" } ?? ""))
                lines.append("    title:       \(issue.title)")
                lines.append("    labels:      \(issue.labels.joined(separator: ", "))")
                if let type = issue.issueType { lines.append("    issue type:  \(type)") }
                if let priority = issue.priority { lines.append("    priority:    \(priority)") }
                lines.append("    marker:      \(issue.marker)")
                lines.append("    description: \(issue.description.split(separator: "\n").first.map(String.init) ?? "")")
            }
            for (itemID, reason) in intakePlan.skipped { lines.append("! item \(itemID): \(reason)") }
            if !intakePlan.drifted.isEmpty {
                lines.append("drift: \(intakePlan.drifted.count) linked item(s) changed in Craft.io since their issue was created (the issues are not updated)")
            }
            for drifted in intakePlan.drifted {
                lines.append("~ item \(drifted.item.id) \"\(drifted.item.title)\" → \(drifted.issueKey ?? "its issue")")
                guard let changes = drifted.changes else {
                    lines.append("    (changed; its issue was created before craft-sync kept what it sent, so the fields cannot be compared)")
                    continue
                }
                for change in changes {
                    lines.append("    \(change.field):")
                    lines.append("      - \(Self.oneLine(change.before))")
                    lines.append("      + \(Self.oneLine(change.after))")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Each target once per status in `statuses`, as a backfill; the targets as they are when there are none.
    static func backfilling(_ targets: [IntakeTarget], statuses: [String]) -> [IntakeTarget] {
        guard !statuses.isEmpty else { return targets }
        return targets.flatMap { target in
            statuses.map { status in
                var backfill = target
                backfill.readyStatus = status
                backfill.isBackfill = true
                return backfill
            }
        }
    }

    /// A value on one line of a diff: newlines shown as ⏎, long text cut with its length.
    static func oneLine(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ⏎ ")
        return flat.count > 160 ? String(flat.prefix(160)) + "… (\(text.count) characters)" : (flat.isEmpty ? "(empty)" : flat)
    }
}
