import Foundation
import Synchronization

/// The webhooks registered with one simulated tool through its API. Registering one points the tool's deliveries
/// at it (`WebhookDeliverer.register`); its last delivery is read from the deliverer's record, as the tools report
/// a hook's last response.
final class HookBook: Sendable {
    struct Hook: Sendable {
        var id: Int
        var url: String
        var events: [String]
        var active: Bool
    }

    let tool: String
    let webhooks: WebhookDeliverer
    private let hooks = Mutex<(next: Int, all: [Hook])>((1, []))

    init(tool: String, webhooks: WebhookDeliverer) {
        self.tool = tool
        self.webhooks = webhooks
    }

    var all: [Hook] { hooks.withLock { $0.all } }

    func create(url: String, events: [String], secret: String?, active: Bool = true) -> Hook {
        let hook = hooks.withLock { state in
            let hook = Hook(id: state.next, url: url, events: events, active: active)
            state.next += 1
            state.all.append(hook)
            return hook
        }
        if active { webhooks.register(tool: tool, url: url, secret: secret ?? "") }
        return hook
    }

    /// nil when there is no hook `id`.
    func update(id: Int, url: String, events: [String], secret: String?, active: Bool = true) -> Hook? {
        let hook = hooks.withLock { state -> Hook? in
            guard let index = state.all.firstIndex(where: { $0.id == id }) else { return nil }
            state.all[index] = Hook(id: id, url: url, events: events, active: active)
            return state.all[index]
        }
        if hook != nil, active { webhooks.register(tool: tool, url: url, secret: secret ?? "") }
        return hook
    }

    /// The HTTP status of the tool's last delivery, nil before any.
    var lastDeliveryStatus: Int? { webhooks.deliveries.last { $0.tool == tool }.flatMap(\.status) }
}
