import Logging
import Synchronization

/// What every connection of one server shares: settings, the responder, and the observers.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let observer: any HTTPServerObserver
    let logger: Logger
    let encoder: ResponseEncoder
    let workers: WorkerPool
    /// Body bytes held by connections whose handlers have not yet run (`HTTPLimits.bodyBytesInFlight`).
    let bodyBytesInFlight: ByteBudget
    private let requestCounter = Atomic<UInt64>(0)
    private let requestIDPrefix = String(UInt32.random(in: .min ... .max), radix: 16)

    init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder, observer: any HTTPServerObserver, logger: Logger,
        workers: WorkerPool = WorkerPool(width: 1)
    ) {
        self.workers = workers
        self.bodyBytesInFlight = ByteBudget(limit: configuration.limits.bodyBytesInFlight)
        self.configuration = configuration
        self.responder = responder
        self.observer = observer
        self.logger = logger
        self.encoder = ResponseEncoder(compressionThreshold: configuration.compressionThreshold)
    }

    /// Unique within the process and unlikely to repeat across restarts: a random prefix and a counter.
    func makeRequestID() -> String {
        let number = requestCounter.add(1, ordering: .relaxed).newValue
        return requestIDPrefix + "-" + String(number, radix: 16)
    }

    /// Runs the responder and turns whatever it throws into a response, so a handler's error never
    /// reaches the socket layer.
    func respond(
        to head: HTTPRequestHead, body: [UInt8], bodyLimit: Int, requestID: String, clientAddress: String? = nil
    ) async -> HTTPResponse {
        do {
            var request = HTTPRequest(head: head, body: body)
            request.requestID = requestID
            request.clientAddress = clientAddress
            request.contentCoding = try ContentCoding.of(head)
            request.decodedBodyLimit = min(bodyLimit, configuration.limits.decompressedBody)
            // Routes that take their content as sent decode it themselves, once they know the sender (webhooks
            // verify first); for the others it is decoded here, off the event loop when it is large or compressed.
            if request.contentCoding != .identity && !responder.takesContentAsSent(head) {
                let encoded = request
                request.body = try await workers.run(cost: encoded.contentCoding == .gzip ? .max : body.count) {
                    () throws(HTTPError) -> [UInt8] in try encoded.decodedBody()
                }
                request.contentCoding = .identity
            }
            return try await responder.respond(to: request)
        } catch let error as HTTPError {
            return error.response(requestID: requestID)
        } catch is AbortConnection {
            var response = HTTPResponse()
            response.abortsConnection = true
            return response
        } catch {
            logger.error(
                "request failed", metadata: ["request.id": "\(requestID)", "error": "\(String(reflecting: error))",
                    "http.method": "\(head.method)", "http.path": "\(head.path)"])
            return HTTPError(.internalServerError, "internal error; quote request id \(requestID)")
                .response(requestID: requestID)
        }
    }
}

/// A count of bytes held against a limit, shared by all connections.
final class ByteBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `count` bytes if they fit under the limit; false (and nothing taken) otherwise.
    func reserve(_ count: Int) -> Bool {
        guard count > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            guard count <= limit - current else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ count: Int) {
        guard count > 0 else { return }
        used.subtract(count, ordering: .relaxed)
    }
}
