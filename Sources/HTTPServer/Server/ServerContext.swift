import Compression
import Logging
import Synchronization

/// What every connection of one server shares: settings, the responder, and the observers.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let observer: any HTTPServerObserver
    let logger: Logger
    let encoder: ResponseEncoder
    private let requestCounter = Atomic<UInt64>(0)
    private let requestIDPrefix = String(UInt32.random(in: .min ... .max), radix: 16)

    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, observer: any HTTPServerObserver, logger: Logger) {
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
            var request = HTTPRequest(head: head, body: try decodeContent(head, body, limit: bodyLimit))
            request.requestID = requestID
            request.clientAddress = clientAddress
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

    /// Decodes `Content-Encoding: gzip` so handlers see the body as sent before compression (RFC 9110 §8.4).
    /// Only a request that carried a body gets here with one, so only routes that take a body ever inflate; the
    /// inflated size is capped by the route's limit as well as the server's.
    private func decodeContent(_ head: HTTPRequestHead, _ body: [UInt8], limit: Int) throws(HTTPError) -> [UInt8] {
        let codings = head.headers.listElements(.contentEncoding).map { $0.lowercased() }.filter { $0 != "identity" }
        guard !codings.isEmpty else { return body }
        guard codings.count == 1, codings[0] == "gzip" || codings[0] == "x-gzip" else {
            // RFC 9110 §15.5.16: content in a coding the server does not support is answered 415.
            throw HTTPError(.unsupportedMediaType, "Content-Encoding '\(codings.joined(separator: ", "))' is not supported; send gzip or identity")
        }
        do {
            return try Zlib.decompress(body, framing: .gzip, limit: min(limit, configuration.limits.decompressedBody))
        } catch .tooLarge(let limit) {
            throw HTTPError(.contentTooLarge, "body decompresses to more than \(limit) bytes")
        } catch {
            throw HTTPError(.badRequest, "gzip body could not be decoded: \(error)")
        }
    }
}
