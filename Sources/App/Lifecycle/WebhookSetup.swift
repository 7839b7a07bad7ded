import DevTools
import Foundation

/// Each dev-tool instance's webhook at `<public_url>/webhooks/<instance>`: registered (created, or updated in place:
/// never a second one) and checked. Used by `doctor --register-webhooks`, `doctor` and `webhooks.register_at_start`.
/// The secret goes to the tool and nowhere else: no result, check or log line carries it.
public struct WebhookSetup: Sendable {
    public struct Instance: Sendable {
        public var name: String
        public var tool: any DevTool
        /// Where the tool should deliver; nil without `public_url`.
        public var target: WebhookTarget?
    }

    public let instances: [Instance]

    public init(configuration: Configuration, world: OutsideWorld) {
        instances = world.devTools.sorted { $0.key < $1.key }.map { name, tool in
            let secret = configuration.syncTargets.first { $0.devTool.instanceName == name }?.devTool.webhookSecret?.revealed
            let target = configuration.publicURL.map { WebhookTarget(url: "\($0)/webhooks/\(name)", secret: secret) }
            return Instance(name: name, tool: tool, target: target)
        }
    }

    /// What registering one instance's webhook did.
    public struct Registration: Sendable, Encodable, Equatable {
        public var instance: String
        public var url: String?
        /// `created`, `updated`, or `failed` (with `detail` saying why and what to do).
        public var outcome: String
        public var detail: String
    }

    public func registerAll() async -> [Registration] {
        var results: [Registration] = []
        for instance in instances { results.append(await register(instance)) }
        return results
    }

    func register(_ instance: Instance) async -> Registration {
        let label = "\(instance.tool.kind) '\(instance.name)'"
        guard let target = instance.target else {
            return Registration(instance: instance.name, url: nil, outcome: "failed", detail: "public_url is not set: set it to the address \(label) reaches craft-sync at")
        }
        guard let registrar = instance.tool.webhookRegistration else {
            return Registration(
                instance: instance.name, url: target.url, outcome: "failed", detail: "\(label) cannot register webhooks through craft-sync; set one up to \(target.url) by hand")
        }
        do {
            switch try await registrar.registerWebhook(target) {
            case .created(let id):
                return Registration(instance: instance.name, url: target.url, outcome: "created", detail: "\(label) webhook \(id) delivers \(registrar.neededWebhookEvents.joined(separator: ", ")) to \(target.url)")
            case .updated(let id):
                return Registration(instance: instance.name, url: target.url, outcome: "updated", detail: "\(label) webhook \(id) to \(target.url) has its events and secret set again")
            }
        } catch {
            return Registration(instance: instance.name, url: target.url, outcome: "failed", detail: "\(error); \(registrar.permissionHint)")
        }
    }

    /// The doctor's webhook check for one instance.
    func check(_ instance: Instance) async -> Doctor.Check {
        let name = "webhook \(instance.tool.kind) '\(instance.name)'"
        guard let target = instance.target else {
            return Doctor.Check(
                name: name, passed: false, detail: "public_url is not set, so where the tool should deliver is unknown",
                fix: "set public_url to the address the dev tool reaches craft-sync at, then run craft-sync doctor --register-webhooks")
        }
        guard let registrar = instance.tool.webhookRegistration else {
            return Doctor.Check(name: name, passed: true, detail: "not checked: set up a webhook to \(target.url) in the tool by hand")
        }
        let hook: RegisteredWebhook?
        do {
            hook = try await registrar.registeredWebhook(url: target.url)
        } catch {
            return Doctor.Check(name: name, passed: false, detail: "the webhooks cannot be listed: \(error)", fix: registrar.permissionHint)
        }
        guard let hook else {
            return Doctor.Check(
                name: name, passed: false, detail: "no webhook delivers to \(target.url)", fix: "run craft-sync doctor --register-webhooks (or set webhooks.register_at_start)")
        }
        guard hook.active, hook.sendsNeededEvents else {
            return Doctor.Check(
                name: name, passed: false, detail: "webhook \(hook.id) to \(target.url) is \(hook.active ? "missing events (needs \(registrar.neededWebhookEvents.joined(separator: ", ")))" : "disabled")",
                fix: "run craft-sync doctor --register-webhooks to set it again")
        }
        if let last = hook.lastDelivery, !last.succeeded {
            return Doctor.Check(
                name: name, passed: false, detail: "webhook \(hook.id) to \(target.url): its last delivery failed (\(last.detail))",
                fix: "make \(target.url) reachable from the tool and check that dev_tool.webhook_secret matches; then redeliver or wait for the next change")
        }
        let last = hook.lastDelivery.map { "; last delivery \($0.detail)" } ?? ""
        return Doctor.Check(name: name, passed: true, detail: "webhook \(hook.id) delivers \(registrar.neededWebhookEvents.joined(separator: ", ")) to \(target.url)\(last)")
    }
}
