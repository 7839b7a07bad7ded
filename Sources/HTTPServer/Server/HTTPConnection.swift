#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Logging

/// One client connection, driven by Dispatch read and write sources on a non-blocking socket.
///
/// `@unchecked Sendable` is safe because every mutable property is read and written only on `queue`
/// (its event loop's serial queue): Dispatch runs the sources' handlers there, handler tasks run there as
/// their preferred executor, and every other entry point (`start`, `beginShutdown`, `forceClose`) hops
/// onto it first.
final class HTTPConnection: @unchecked Sendable {
    private enum Phase {
        /// Waiting for (the rest of) a request head.
        case awaitingRequest
        case readingBody
        /// A handler is running; bytes that arrive meanwhile are buffered (up to a limit) but not parsed.
        case handling
        /// Our side is shut down; reading and discarding until the peer closes, so the last response is not
        /// lost to a TCP reset caused by unread data (the "lingering close" of RFC 9112 §9.6).
        case lingering
        case closed
    }

    private enum TimerPurpose { case none, idle, header, body, send, linger }

    let descriptor: Int32
    private let context: ServerContext
    private let loop: EventLoop
    private let queue: DispatchQueue
    private let onClose: @Sendable (HTTPConnection) -> Void
    private let readSource: any DispatchSourceRead
    private var writeSource: (any DispatchSourceWrite)?
    private let timer: any DispatchSourceTimer

    private var phase = Phase.awaitingRequest
    private var decoder: HTTPRequestDecoder
    private var readSuspended = false
    private var writeResumed = false
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var closeWhenFlushed = false
    private var continueWhenFlushed = false
    private var shuttingDown = false
    private var servedRequests = 0
    /// The client shut down its side after sending (a half-close): it is answered, then the connection closes.
    private var peerDoneSending = false
    private var timerPurpose = TimerPurpose.header
    private var pendingCancellations = 0
    /// The body limit of the request being read (its route's), which also caps its decompressed size.
    private var bodyLimit = 0

    /// While a handler runs, reading pauses once this much is buffered, so a pipelining client cannot make us
    /// hold more than this beyond the limits of the request in hand.
    private let pipelineBufferLimit = 1 << 20

    init(descriptor: Int32, context: ServerContext, loop: EventLoop, onClose: @escaping @Sendable (HTTPConnection) -> Void) {
        self.descriptor = descriptor
        self.context = context
        self.onClose = onClose
        self.decoder = HTTPRequestDecoder(limits: context.configuration.limits)
        self.loop = loop
        self.queue = loop.queue
        self.readSource = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        self.timer = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        queue.async { [self] in
            readSource.setEventHandler { [unowned self] in readAvailable() }
            readSource.setCancelHandler { [self] in sourceCancelled() }
            timer.setEventHandler { [unowned self] in timerFired() }
            pendingCancellations = 1
            arm(.header, context.configuration.headerTimeout)
            timer.resume()
            readSource.resume()
        }
    }

    /// Closes now if idle; otherwise the request in progress is answered with `Connection: close`.
    func beginShutdown() {
        queue.async { [self] in
            shuttingDown = true
            if phase == .awaitingRequest && decoder.isIdle && outboundOffset == outbound.count { close() }
        }
    }

    func forceClose() {
        queue.async { [self] in close() }
    }

    // MARK: Reading

    private func readAvailable() {
        guard phase != .closed else { return }
        // One read per event: Dispatch fires again while data remains, and the decoder's limits are
        // checked between reads, so a flooding client cannot grow the buffer past them.
        let received = withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 16) { buffer in
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 && phase != .lingering {
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
            return count
        }
        if received > 0 {
            context.observer.bytesReceived(received)
            if phase == .handling && decoder.bufferedByteCount > pipelineBufferLimit { suspendReading() }
            processBuffered()
        } else if received == 0 && phase == .handling {
            // RFC 9112 §9.6: a client may half-close once its request is sent; it still wants the answer.
            peerDoneSending = true
            suspendReading()
        } else if received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close()  // the peer closed or reset the connection
        }
    }

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
                phase = .readingBody
                arm(.body, context.configuration.bodyTimeout)
                // RFC 9110 §10.1.1: the head was acceptable (limits passed), so invite the body.
                if head.expectsContinue && decoder.bufferedByteCount == 0 {
                    write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
            case .request(let head, let body):
                handle(head, body)
                return
            }
        }
    }

    // MARK: Handling

    private func handle(_ head: HTTPRequestHead, _ body: [UInt8]) {
        let bodyLimit = body.isEmpty ? 0 : self.bodyLimit
        phase = .handling
        disarmTimer()
        let requestID = context.makeRequestID()
        let started = ContinuousClock.now
        // The task prefers this loop as its executor: the handler starts here and, after any await elsewhere
        // (the store's queue, an actor), comes back here, so `finish` runs on `queue` with no extra hop.
        loop.run { [self] in
            let response = await context.respond(to: head, body: body, bodyLimit: bodyLimit, requestID: requestID)
            finish(head, response, requestID: requestID, started: started)
        }
    }

    private func finish(_ head: HTTPRequestHead, _ response: HTTPResponse, requestID: String, started: ContinuousClock.Instant) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard phase == .handling else { return }
        if response.abortsConnection {
            // SO_LINGER with a zero timeout makes close() send a reset instead of a FIN.
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close()
            return
        }
        let keepAlive = head.keepAlive && !shuttingDown && !peerDoneSending
        write(context.encoder.encode(response, for: head, requestID: requestID, keepAlive: keepAlive))
        servedRequests += 1
        let duration = ContinuousClock.now - started
        let route = response.routePattern ?? "unmatched"
        context.observer.requestCompleted(method: head.method, route: route, status: response.status, duration: duration)
        context.logger.debug(
            "request", metadata: ["request.id": "\(requestID)", "http.method": "\(head.method)",
                "http.route": "\(route)", "http.status": "\(response.status.code)", "duration": "\(duration)"])
        if !keepAlive {
            closeWhenFlushed = true
            if outboundOffset == outbound.count { beginLingeringClose() }
        } else if outboundOffset == outbound.count {
            continueWithNextRequest()
        } else {
            continueWhenFlushed = true
        }
    }

    private func continueWithNextRequest() {
        guard phase == .handling else { return }
        phase = .awaitingRequest
        arm(.idle, context.configuration.idleTimeout)
        resumeReading()
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
        write(context.encoder.encode(error.response(requestID: nil), for: nil, requestID: nil, keepAlive: false))
        if phase != .closed && outboundOffset == outbound.count { beginLingeringClose() }
    }

    // MARK: Writing

    private func write(_ bytes: [UInt8]) {
        if outboundOffset == outbound.count {
            outbound = bytes
            outboundOffset = 0
        } else {
            outbound.append(contentsOf: bytes)
        }
        flush()
    }

    private func flush() {
        while outboundOffset < outbound.count {
            let sent = outbound.withUnsafeBytes { bytes in
                // MSG_NOSIGNAL: a peer that vanished must cost us EPIPE, not a SIGPIPE that kills the process.
                send(descriptor, bytes.baseAddress! + outboundOffset, bytes.count - outboundOffset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                outboundOffset += sent
                context.observer.bytesSent(sent)
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                blockedOnSend()
                return
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                close()
                return
            }
        }
        // An idle connection keeps no large buffer: 10,000 idle keep-alive clients must cost little memory.
        outbound.removeAll(keepingCapacity: outbound.capacity <= 4096)
        outboundOffset = 0
        suspendWriting()
        if timerPurpose == .send { disarmTimer() }
        if closeWhenFlushed && phase == .handling {
            beginLingeringClose()
        } else if continueWhenFlushed {
            continueWhenFlushed = false
            continueWithNextRequest()
        }
    }

    /// The socket takes no more bytes: wait for it to drain, but only for `sendTimeout`, and read no further
    /// requests meanwhile, so a client that never reads costs us one response and a bounded input buffer.
    private func blockedOnSend() {
        resumeWriting()
        guard phase == .handling || phase == .lingering else { return }
        suspendReading()
        if timerPurpose != .send { arm(.send, context.configuration.sendTimeout) }
    }

    private func resumeWriting() {
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
            source.setEventHandler { [unowned self] in flush() }
            source.setCancelHandler { [self] in sourceCancelled() }
            pendingCancellations += 1
            writeSource = source
        }
        if !writeResumed {
            writeResumed = true
            writeSource?.resume()
        }
    }

    private func suspendWriting() {
        if writeResumed {
            writeResumed = false
            writeSource?.suspend()
        }
    }

    // MARK: Closing

    private func beginLingeringClose() {
        guard phase != .closed && phase != .lingering else { return }
        phase = .lingering
        shutdown(descriptor, Int32(SHUT_WR))
        arm(.linger, .seconds(2))
        resumeReading()
    }

    private func close() {
        guard phase != .closed else { return }
        phase = .closed
        timer.cancel()
        resumeReading()
        readSource.cancel()
        if let writeSource {
            if !writeResumed { writeSource.resume() }
            writeSource.cancel()
        }
    }

    /// The descriptor is closed only once every source watching it is cancelled (Dispatch requires it).
    private func sourceCancelled() {
        pendingCancellations -= 1
        guard pendingCancellations == 0 else { return }
        Glibc.close(descriptor)
        onClose(self)
    }

    private func suspendReading() {
        if !readSuspended {
            readSuspended = true
            readSource.suspend()
        }
    }

    private func resumeReading() {
        if readSuspended {
            readSuspended = false
            readSource.resume()
        }
    }

    // MARK: Timeouts

    private func arm(_ purpose: TimerPurpose, _ duration: Duration) {
        timerPurpose = purpose
        timer.schedule(deadline: .now() + duration.dispatchInterval)
    }

    private func disarmTimer() {
        timerPurpose = .none
        timer.schedule(deadline: .distantFuture)
    }

    private func timerFired() {
        switch (timerPurpose, phase) {
        case (.header, .awaitingRequest) where servedRequests == 0 && decoder.isIdle:
            // On a busy machine the read event may not have run yet: look at the socket before calling the client
            // silent. Connected and never spoke: nothing to answer; spoke but never finished its head: 408.
            readAvailable()
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
}
