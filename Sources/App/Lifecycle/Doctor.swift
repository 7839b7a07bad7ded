import CraftAPI
import DevTools
import Foundation
import Logging
import Store

/// `craft-sync doctor`: the configuration checked against the live services, as a checklist in which every failure
/// names its fix. Reads only: it opens the database read-only and asks the dev tool for a marker no item has.
public enum Doctor {
    public struct Check: Sendable, Encodable, Equatable {
        public var name: String
        public var passed: Bool
        /// What was found.
        public var detail: String
        /// What to change, when the check failed.
        public var fix: String?
    }

    /// With `registerWebhooks`, each instance's webhook is created or updated first (one check each), then checked.
    public static func run(_ configuration: Configuration, registerWebhooks: Bool = false) async -> [Check] {
        var checks: [Check] = []
        let missing = configuration.missingSettings
        checks.append(missing.isEmpty
            ? Check(name: "configuration", passed: true, detail: "complete")
            : Check(name: "configuration", passed: false, detail: "incomplete", fix: "set \(missing.joined(separator: ", "))"))
        checks.append(database(at: configuration.databaseLocation))
        if let unmapped = unmappedStatuses(at: configuration.databaseLocation) { checks.append(unmapped) }
        guard missing.isEmpty, let world = OutsideWorld(configuration: configuration) else { return checks }

        for target in world.targets {
            checks += await craft(world.craft, target: target, configuration: configuration)
            let reachable = await devTool(target.devTool, workspaceID: target.workspaceID)
            checks.append(reachable)
            // A tool that refuses the token refuses the rest too: said once, above.
            for check in reachable.passed ? await target.devTool.setupChecks() : [] {
                checks.append(Check(
                    name: "\(target.devTool.kind) '\(target.devTool.instance)' \(check.subject)", passed: check.passed, detail: check.detail, fix: check.fix))
            }
        }
        let webhooks = WebhookSetup(configuration: configuration, world: world)
        if registerWebhooks {
            for registration in await webhooks.registerAll() {
                checks.append(Check(
                    name: "webhook registration '\(registration.instance)'", passed: registration.outcome != "failed",
                    detail: "\(registration.outcome): \(registration.detail)", fix: registration.outcome == "failed" ? "see the detail" : nil))
            }
        }
        for instance in webhooks.instances {
            checks.append(await webhooks.check(instance))
            // Said, not failed: a tool without parent links still syncs, its issues flat.
            let tool = instance.tool
            checks.append(Check(
                name: "hierarchy \(tool.kind) '\(instance.name)'", passed: true,
                detail: tool.parentLinking == nil
                    ? "\(tool.kind) cannot put an issue under its parent's here: a Craft item's children are created without that link"
                    : "an issue is put under its Craft parent's issue when both are synced"))
        }
        return checks
    }

    /// Statuses the tools sent in the last 30 days that the status mapping has no Craft value for (each recorded on
    /// its item's timeline); nil when there is no database at the current schema to ask.
    static func unmappedStatuses(at location: DatabaseLocation, now: Date = .now) -> Check? {
        guard location.exists, let connection = try? location.inspect(),
            (try? Migrator.version(of: connection)) == Schema.latestVersion(for: connection.dialect),
            let unmapped = try? TimelineRepository.unmappedStatuses(in: connection, since: now.addingTimeInterval(-30 * 86_400))
        else { return nil }
        guard !unmapped.isEmpty else { return Check(name: "status mapping", passed: true, detail: "every status seen in the last 30 days has a Craft value") }
        let seen = unmapped.map { "\($0.instance) '\($0.status)' (\($0.count)×)" }.joined(separator: ", ")
        return Check(
            name: "status mapping", passed: false, detail: "statuses with no Craft value in the last 30 days: \(seen)",
            fix: "map them in progress.status_map (or progress.category_map); until then their changes do not reach Craft.io")
    }

    /// The database: absent (created on first start), or present, readable and at the current schema version; for
    /// PostgreSQL also reachable, and a server version craft-sync runs on.
    static func database(at location: DatabaseLocation) -> Check {
        guard location.exists else {
            return Check(name: "database", passed: true, detail: "\(location) does not exist yet; serve or migrate creates it")
        }
        do {
            let connection = try location.inspect()
            let version = try Migrator.version(of: connection)
            let latest = Schema.latestVersion(for: connection.dialect)
            guard version == latest else {
                return Check(
                    name: "database", passed: version < latest, detail: "\(location) is at schema version \(version) of \(latest)",
                    fix: version < latest ? "run craft-sync migrate (serve also does it at start)" : "run the newer craft-sync that wrote it")
            }
            switch location {
            case .sqlite(let path):
                return Check(name: "database", passed: FileManager.default.isWritableFile(atPath: path), detail: "\(path) at schema version \(version)",
                    fix: FileManager.default.isWritableFile(atPath: path) ? nil : "make \(path) writable by this user")
            case .postgres:
                let server = (connection as? PostgresConnection)?.serverVersion ?? 0
                let supported = server >= PostgresDatabase.oldestServer
                return Check(
                    name: "database", passed: supported,
                    detail: "\(location) at schema version \(version), server \(server / 10_000).\(server % 10_000)",
                    fix: supported ? nil : "craft-sync needs PostgreSQL \(PostgresDatabase.oldestServer / 10_000) or newer")
            }
        } catch {
            let fix = if case .postgres = location {
                "check the URL, the password (database_password) and that the server takes connections from here"
            } else {
                "point --database at a craft-sync database"
            }
            return Check(name: "database", passed: false, detail: "\(location) cannot be read: \(error)", fix: fix)
        }
    }

    static func craft(_ craft: any CraftClient, target: OutsideWorld.Target, configuration: Configuration) async -> [Check] {
        let workspace = target.workspaceID
        let keyCheck = CraftKeyCheck(
            craft: craft, workspaceID: workspace, progressField: configuration.craft.progressField,
            progressValues: configuration.statusMapping.craftValues(of: target.devTool), linkField: configuration.craft.linkField,
            logger: Logger(label: "craft-sync.doctor", factory: { _ in SwiftLogNoOpLogHandler() }))
        let result = await keyCheck.check()
        var checks: [Check] = []
        if let problem = CraftKeyCheck.problem(of: result) {
            checks.append(Check(name: "craft.io key (\(workspace))", passed: false, detail: problem, fix: "see craft.api_key, craft.progress_field, craft.link_field"))
        } else if let error = result.error {
            checks.append(Check(name: "craft.io reachable (\(workspace))", passed: false, detail: error, fix: "check craft.base_url and the network"))
        } else {
            // The guide's form lists neither scopes nor fields: there, a key that reads is all that can be proven.
            let detail = result.scopes.map { "scopes \($0.joined(separator: ", ")); configured fields exist" }
                ?? "key accepted (the guide form cannot list scopes or fields; the openapi form checks them)"
            checks.append(Check(name: "craft.io key (\(workspace))", passed: true, detail: detail))
        }
        do {
            let listing = try await craft.listing(workspaceID: workspace, status: target.readyStatus, updatedFrom: nil)
            checks.append(Check(
                name: "craft.io ready items (\(workspace))", passed: true,
                detail: "\(listing.items.count) item(s) in '\(target.readyStatus)'" + (listing.unreadable.isEmpty ? "" : ", \(listing.unreadable.count) unreadable")))
        } catch {
            checks.append(Check(
                name: "craft.io ready items (\(workspace))", passed: false, detail: "\(error)", fix: "check craft.workspace_id and craft.ready_status"))
        }
        return checks
    }

    /// The dev tool answers an authenticated lookup in the configured project: the token and the project are good.
    static func devTool(_ tool: any DevTool, workspaceID: String) async -> Check {
        let name = "\(tool.kind) '\(tool.instance)' (\(workspaceID))"
        do {
            _ = try await tool.find(marker: tool.marker(for: "doctor-probe"))
            return Check(name: name, passed: true, detail: "reachable; the token may read the project")
        } catch {
            let fix = switch error {
            case .unauthorized: "dev_tool.token is refused: create a new token and set it"
            case .forbidden: "dev_tool.token lacks permission on the project: grant read and write on issues"
            case .notFound: "the project or repository does not exist for this token: check dev_tool's project/owner/repository/team"
            case .unreachable: "check dev_tool.base_url and the network"
            default: "see the detail"
            }
            return Check(name: name, passed: false, detail: "\(error)", fix: fix)
        }
    }

    /// The checklist as people read it: one line per check, a fix under each failure, a summary line.
    public static func render(_ checks: [Check]) -> String {
        var lines = checks.flatMap { check in
            ["\(check.passed ? "✓" : "✗") \(check.name): \(check.detail)"] + (check.fix.map { ["    fix: \($0)"] } ?? [])
        }
        let failed = checks.filter { !$0.passed }.count
        lines.append(failed == 0 ? "all \(checks.count) checks passed" : "\(failed) of \(checks.count) checks failed")
        return lines.joined(separator: "\n")
    }
}
