import Foundation
import HTTPServer
import Logging

/// The simulators on one HTTP listener, with a control API under `/_sim/`:
/// `POST /_sim/craft/items` seeds an item, `POST /_sim/faults` sets faults, `GET /_sim/state` shows everything.
public final class SimulatorServer: Sendable {
    public let craft: CraftSimulator
    /// Every simulated dev tool (`SimulatedDevTools.swift`).
    public let devTools: [any SimulatedDevTool]

    /// The simulated tool of type `T` (every registered tool has one).
    public func tool<T: SimulatedDevTool>(_ type: T.Type) -> T {
        devTools.lazy.compactMap { $0 as? T }.first!
    }
    public let credentials: Credentials
    public let faults: FaultInjector
    public let calls: CallCounter
    public let webhooks: WebhookDeliverer
    /// Where `notify` sends alerts in the simulations.
    public let alerts: AlertReceiver
    public let server: HTTPServer

    /// The Craft.io key and workspace the simulators accept, and the webhook secret they sign with (`simulate
    /// --write-config` writes them for `serve`); each dev tool's account is its simulator's `Account`.
    public struct Credentials: Sendable {
        public var craftAPIKey = "sim-craft-key"
        public var craftWorkspaceID = "ws-demo"
        /// What the simulated dev tools sign their webhooks with.
        public var webhookSecret = "sim-webhook-secret"
        public init() {}
    }

    public init(host: String = "127.0.0.1", port: Int = 0, credentials: Credentials = Credentials(), logger: Logger = Logger(label: "craft-sync.simulators")) {
        let faults = FaultInjector()
        let calls = CallCounter()
        let craft = CraftSimulator(apiKey: credentials.craftAPIKey, faults: faults, calls: calls)
        let webhooks = WebhookDeliverer()
        let context = SimulatorContext(faults: faults, calls: calls, webhooks: webhooks)
        let devTools = Self.simulatedTools.map { $0.init(context: context) }
        var router = Router()
        craft.register(in: &router)
        let alerts = AlertReceiver(context: context)
        alerts.register(in: &router)
        for tool in devTools {
            tool.register(in: &router)
            tool.registerControl(in: &router)
        }
        Self.registerControl(in: &router, craft: craft, devTools: devTools, faults: faults, calls: calls, webhooks: webhooks)
        var configuration = HTTPServerConfiguration(host: host, port: port)
        configuration.shutdownDeadline = .seconds(2)
        self.craft = craft
        self.devTools = devTools
        self.credentials = credentials
        self.faults = faults
        self.calls = calls
        self.webhooks = webhooks
        self.alerts = alerts
        server = HTTPServer(configuration: configuration, responder: router, logger: logger)
    }

    /// Starts listening; returns the port.
    @discardableResult
    public func start() throws -> Int { try server.start() }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(server.port ?? 0)")! }

    public func shutdown() async { await server.shutdown() }

    private static func registerControl(
        in router: inout Router, craft: CraftSimulator, devTools: [any SimulatedDevTool], faults: FaultInjector, calls: CallCounter,
        webhooks: WebhookDeliverer
    ) {
        router.post("/_sim/webhooks") { request in
            struct Body: Decodable {
                var target: String?
                var secret: String?
                var misbehave: WebhookDeliverer.Misbehaviour?
            }
            let body = try request.decodeJSON(Body.self)
            if let secret = body.secret { webhooks.configure(target: body.target, secret: secret) }
            if let rules = body.misbehave { webhooks.misbehave(rules) }
            return HTTPResponse(status: .noContent)
        }
        router.post("/_sim/craft/items") { request in
            let seed = try request.decodeJSON(CraftSimulator.Seed.self)
            return try .json(craft.seed(seed), status: .created)
        }
        router.post("/_sim/faults") { request in
            faults.set(try request.decodeJSON(FaultInjector.Fault.self))
            return HTTPResponse(status: .noContent)
        }
        router.add(.delete, "/_sim/faults") { _ in
            faults.clear()
            return HTTPResponse(status: .noContent)
        }
        // The call counts alone: what a benchmark reads between cycles without fetching every item.
        router.get("/_sim/calls") { _ in try .json(calls.snapshot) }
        // Craft.io's updates from the `after`th on, and how many there are: what a benchmark polls many times a second
        // without making the simulator encode (and compete for the CPU with) every item and delivery each time.
        router.get("/_sim/craft/updates") { request in
            struct Page: Encodable {
                var total: Int
                var updates: [CraftSimulator.Update]
            }
            let updates = craft.updates
            let after = min(max(0, request.head.queryValue("after").flatMap(Int.init) ?? 0), updates.count)
            return try .json(Page(total: updates.count, updates: Array(updates[after...])))
        }
        router.get("/_sim/state") { _ in
            try .json(SimulatorState(
                craft: .init(items: craft.items, updates: craft.updates),
                issues: Dictionary(devTools.map { ($0.kind, $0.issues) }, uniquingKeysWith: { first, _ in first }),
                webhooks: webhooks.deliveries, calls: calls.snapshot))
        }
    }
}

/// `GET /_sim/state`: Craft.io's items and updates, each simulated tool's issues under its kind, the webhook
/// deliveries, and the calls made.
struct SimulatorState: Encodable {
    struct Craft: Encodable {
        var items: [SimulatedCraftItem]
        var updates: [CraftSimulator.Update]
    }
    var craft: Craft
    var issues: [String: [SimulatedIssue]]
    var webhooks: [WebhookDeliverer.Delivery]
    var calls: [String: Int]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(craft, forKey: Key("craft"))
        for (kind, issues) in issues { try container.encode(issues, forKey: Key(kind)) }
        try container.encode(webhooks, forKey: Key("webhooks"))
        try container.encode(calls, forKey: Key("calls"))
    }
}
