/// One client connection's HTTP/1.1 logic: decoding, handing requests to the responder, encoding, keep-alive,
/// pipelining, and every timeout as a decision. It knows nothing of sockets or of how readiness is delivered:
/// its transport (`ConnectionIO`) feeds it events and carries out what it asks, so tests drive it in memory with
/// a clock of their own.
///
/// `@unchecked Sendable` is safe because every method is called on its event queue's thread only: the transport
/// delivers events there, and the request runner calls back there (handlers run with the queue as their
/// preferred executor). Nothing else touches its state.
final class HTTPConnection: @unchecked Sendable {
    enum Phase: Equatable {
        /// Waiting for (the rest of) a request head.
        case awaitingRequest
        case readingBody
        /// A handler is running, or its response is being written; bytes that arrive meanwhile are buffered (up
        /// to a limit) but not parsed.
        case handling
        /// Our side is shut down; reading and discarding until the peer closes, so the last response is not lost
        /// to a TCP reset caused by unread data (the "lingering close" of RFC 9112 §9.6).
        case lingering
        case closed
    }

    enum TimerPurpose: Equatable { case none, idle, header, body, send, linger }

    /// Runs a request's handler and calls `completion` on the connection's event queue with the response.
    typealias RequestRunner = (
        _ head: HTTPRequestHead, _ body: [UInt8], _ bodyLimit: Int, _ requestID: String,
        _ completion: @escaping @Sendable (HTTPResponse) -> Void
    ) -> Void

    private let context: ServerContext
    private let io: any ConnectionIO
    private let runRequest: RequestRunner

    private(set) var phase = Phase.awaitingRequest
    private(set) var timerPurpose = TimerPurpose.none
    private var decoder: HTTPRequestDecoder
    private var reading = false
    private var closeWhenFlushed = false
    private var continueWhenFlushed = false
    private var outputPending = false
    private var shuttingDown = false
    private var servedRequests = 0
    /// The client shut down its side after sending (a half-close): it is answered, then the connection closes.
    private var peerDoneSending = false
    /// The body limit of the request being read (its route's), which also caps its decompressed size.
    private var bodyLimit = 0
    /// Bytes of the current request's body counted against the server-wide `bodyBytesInFlight`, given back once
    /// its handler has answered (or the connection closes).
    private var reservedBodyBytes = 0
    private var readingChunkedBody = false

    /// While a handler runs, reading pauses once this much is buffered, so a pipelining client cannot make us
    /// hold more than this beyond the limits of the request in hand.
    static let pipelineBufferLimit = 1 << 20
    /// How long a lingering close waits for the peer to close.
    static let lingerTime = Duration.seconds(2)

    init(context: ServerContext, io: any ConnectionIO, runRequest: @escaping RequestRunner) {
        self.context = context
        self.io = io
        self.runRequest = runRequest
        self.decoder = HTTPRequestDecoder(limits: context.configuration.limits)
    }

    func start() {
        arm(.header, context.configuration.headerTimeout)
        setReading(true)
    }

    /// Closes now if idle; otherwise the request in progress is answered with `Connection: close`.
    func beginShutdown() {
        shuttingDown = true
        if phase == .awaitingRequest && decoder.isIdle && !outputPending { close() }
    }

    func forceClose() { close() }

    // MARK: Events from the transport

    func received(_ bytes: UnsafeRawBufferPointer) {
        guard phase != .closed else { return }
        context.observer.bytesReceived(bytes.count)
        guard phase != .lingering else { return }
        if phase == .readingBody && readingChunkedBody && !reserveBody(bytes.count) { return }
        decoder.append(bytes)
        if phase == .handling && decoder.bufferedByteCount > Self.pipelineBufferLimit { setReading(false) }
        processBuffered()
    }

    /// The peer shut down its sending side (a read returned 0).
    func peerClosedOutput() {
        if phase == .handling {
            // RFC 9112 §9.6: a client may half-close once its request is sent; it still wants the answer.
            peerDoneSending = true
            setReading(false)
        } else {
            close()
        }
    }

    /// The connection was reset or a read or write failed.
    func failed() { close() }

    func outputDrained() {
        outputPending = false
        if timerPurpose == .send { disarmTimer() }
        if closeWhenFlushed && phase == .handling {
            beginLingeringClose()
        } else if continueWhenFlushed {
            continueWhenFlushed = false
            continueWithNextRequest()
        }
    }

    func deadlineReached() {
        switch (timerPurpose, phase) {
        case (.header, .awaitingRequest) where servedRequests == 0 && decoder.isIdle:
            // On a busy machine the read event may not have run yet: look at the socket before calling the client
            // silent. Connected and never spoke: nothing to answer; spoke but never finished its head: 408.
            io.readPending()
            guard phase == .awaitingRequest else { return }
            if decoder.isIdle {
                close()
            } else {
                respondAndClose(HTTPError(.requestTimeout, "request not received in time"))
            }
        case (.header, .awaitingRequest), (.body, .readingBody):
            context.logger.info("request timed out", metadata: ["while": "\(timerPurpose == .body ? "body" : "header")"])
            respondAndClose(HTTPError(.requestTimeout, "request not received in time"))
        case (.send, _):
            context.logger.info("client did not read its response in time; closing")
            close()
        case (.idle, .awaitingRequest), (.linger, .lingering):
            close()
        default:
            break
        }
    }

    // MARK: Requests

    private func processBuffered() {
        while phase == .awaitingRequest || phase == .readingBody {
            let event: HTTPRequestDecoder.Event?
            do {
                event = try decoder.next()
            } catch {
                reject(error)
                return
            }
            switch event {
            case nil:
                if phase == .awaitingRequest && !decoder.isIdle && timerPurpose == .idle {
                    // The first byte of a new request starts its header deadline.
                    arm(.header, context.configuration.headerTimeout)
                }
                return
            case .head(let head):
                guard head.bodyFraming != .none else { continue }
                bodyLimit = min(context.responder.bodyLimit(for: head), context.configuration.limits.body)
                do {
                    try decoder.limitBody(to: bodyLimit)
                } catch {
                    reject(error)
                    return
                }
                // A declared length is counted whole before any of it is read; a chunked body as it arrives.
                readingChunkedBody = head.bodyFraming == .chunked
                switch head.bodyFraming {
                case .contentLength(let length): if !reserveBody(length) { return }
                // What came in with the head counts now; the rest as it arrives (`received`).
                case .chunked: if !reserveBody(decoder.bufferedByteCount) { return }
                case .none: break
                }
                phase = .readingBody
                arm(.body, context.configuration.bodyTimeout)
                // RFC 9110 §10.1.1: the head was acceptable (limits passed), so invite the body.
                if head.expectsContinue && decoder.bufferedByteCount == 0 {
                    if !write(Self.continueResponse) { return }
                }
            case .request(let head, let body):
                handle(head, body)
                return
            }
        }
    }

    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private func handle(_ head: HTTPRequestHead, _ body: [UInt8]) {
        let bodyLimit = body.isEmpty ? 0 : self.bodyLimit
        phase = .handling
        disarmTimer()
        let requestID = context.makeRequestID()
        let started = ContinuousClock.now
        runRequest(head, body, bodyLimit, requestID) { [self] response in
            finish(head, response, requestID: requestID, started: started)
        }
    }

    private func finish(_ head: HTTPRequestHead, _ response: HTTPResponse, requestID: String, started: ContinuousClock.Instant) {
        guard phase == .handling else { return }
        releaseBody()
        if response.abortsConnection {
            close(reset: true)
            return
        }
        let keepAlive = head.keepAlive && !shuttingDown && !peerDoneSending
        servedRequests += 1
        let duration = ContinuousClock.now - started
        let route = response.routePattern ?? "unmatched"
        context.observer.requestCompleted(method: head.method, route: route, status: response.status, duration: duration)
        context.logger.debug(
            "request", metadata: ["request.id": "\(requestID)", "http.method": "\(head.method)",
                "http.route": "\(route)", "http.status": "\(response.status.code)", "duration": "\(duration)"])
        if !keepAlive { closeWhenFlushed = true }
        guard write(context.encoder.encode(response, for: head, requestID: requestID, keepAlive: keepAlive)) else { return }
        if outputPending {
            continueWhenFlushed = keepAlive
        } else if keepAlive {
            continueWithNextRequest()
        } else {
            beginLingeringClose()
        }
    }

    private func continueWithNextRequest() {
        guard phase == .handling else { return }
        phase = .awaitingRequest
        arm(.idle, context.configuration.idleTimeout)
        setReading(true)
        processBuffered()
    }

    /// Answers a request the parser refused, then closes: after a framing error the stream cannot be trusted.
    private func reject(_ error: HTTPParseError) {
        context.logger.info("rejected request", metadata: ["http.status": "\(error.status.code)", "reason": "\(error)"])
        respondAndClose(HTTPError(error.status, error.description))
    }

    private func respondAndClose(_ error: HTTPError) {
        phase = .handling
        disarmTimer()
        context.observer.requestCompleted(method: HTTPMethod("-"), route: "rejected", status: error.status, duration: .zero)
        closeWhenFlushed = true
        guard write(context.encoder.encode(error.response(requestID: nil), for: nil, requestID: nil, keepAlive: false)) else { return }
        if !outputPending { beginLingeringClose() }
    }

    // MARK: Bytes in flight

    /// Counts `count` more body bytes against the server-wide budget; when they do not fit, answers 503 with
    /// `Retry-After` and closes (the sender retries later; the bytes already held are given back).
    private func reserveBody(_ count: Int) -> Bool {
        if context.bodyBytesInFlight.reserve(count) {
            reservedBodyBytes += count
            return true
        }
        context.logger.warning(
            "request bodies in flight are at their limit; answering 503",
            metadata: ["limit": "\(context.bodyBytesInFlight.limit)"])
        releaseBody()
        respondAndClose(HTTPError(
            .serviceUnavailable, "the server is receiving too many request bodies; retry shortly", headers: [.retryAfter: "5"]))
        return false
    }

    private func releaseBody() {
        context.bodyBytesInFlight.release(reservedBodyBytes)
        reservedBodyBytes = 0
    }

    // MARK: Writing

    /// Hands bytes to the transport; false when the connection is gone. When the socket takes no more bytes, the
    /// rest waits for `outputDrained`, but only for `sendTimeout`, and no further request is read meanwhile: a
    /// client that never reads costs one response and a bounded input buffer.
    private func write(_ bytes: [UInt8]) -> Bool {
        switch io.write(bytes) {
        case .flushed:
            return true
        case .pending:
            outputPending = true
            if phase == .handling {
                setReading(false)
                if timerPurpose != .send { arm(.send, context.configuration.sendTimeout) }
            }
            return true
        case .failed:
            close()
            return false
        }
    }

    // MARK: Closing

    private func beginLingeringClose() {
        guard phase != .closed && phase != .lingering else { return }
        phase = .lingering
        io.shutdownOutput()
        arm(.linger, Self.lingerTime)
        setReading(true)
    }

    private func close(reset: Bool = false) {
        guard phase != .closed else { return }
        releaseBody()
        phase = .closed
        timerPurpose = .none
        io.close(reset: reset)
    }

    private func setReading(_ enabled: Bool) {
        guard reading != enabled, phase != .closed else { return }
        reading = enabled
        io.setReading(enabled)
    }

    // MARK: Timeouts

    private func arm(_ purpose: TimerPurpose, _ duration: Duration) {
        timerPurpose = purpose
        io.setDeadline(io.now + duration)
    }

    private func disarmTimer() {
        timerPurpose = .none
        io.setDeadline(nil)
    }
}
