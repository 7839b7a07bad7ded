/// A connection's transport over a non-blocking socket: reads and writes the descriptor when its event queue says
/// it is ready, keeps the bytes the peer has not taken yet, and turns what happens into `HTTPConnection` events.
/// Whatever delivers readiness (epoll or Dispatch) stays behind `Readiness`.
///
/// `@unchecked Sendable` is safe: every method and property is used on its event queue's thread only; other
/// threads merely hand it to that queue (`EventQueue.execute`).
final class SocketChannel: ConnectionIO, ReadinessHandler, @unchecked Sendable {
    let descriptor: Int32
    private let observer: any HTTPServerObserver
    private let onClosed: @Sendable (ObjectIdentifier) -> Void
    private var readiness: (any Readiness)?
    /// Strong until the channel closes, which breaks the cycle with the connection's `io`.
    private(set) var connection: HTTPConnection?
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var readInterest = false
    private var writeInterest = false
    private var closed = false

    init(descriptor: Int32, observer: any HTTPServerObserver, onClosed: @escaping @Sendable (ObjectIdentifier) -> Void) {
        self.descriptor = descriptor
        self.observer = observer
        self.onClosed = onClosed
    }

    /// Starts the connection on `queue`. Called on the queue's thread.
    func open(on queue: any EventQueue, _ makeConnection: (SocketChannel) -> HTTPConnection) {
        readiness = queue.watch(descriptor, self)
        let connection = makeConnection(self)
        self.connection = connection
        connection.start()
    }

    var now: ContinuousClock.Instant { .now }

    // MARK: Readiness

    func readable() {
        guard !closed, let connection else { return }
        // One read per event: the queue reports the descriptor again while data remains, and the decoder's limits
        // are checked between reads, so a flooding client cannot grow the buffer past them.
        withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 16) { buffer in
            let count = System.receive(descriptor, buffer.baseAddress!, buffer.count)
            if count > 0 {
                connection.received(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            } else if count == 0 {
                connection.peerClosedOutput()
            } else if !System.wouldBlock(System.errno) {
                connection.failed()  // reset, or another error that ends the connection
            }
        }
    }

    func writable() {
        guard !closed else { return }
        switch flush() {
        case .flushed: connection?.outputDrained()
        case .pending: break
        case .failed: connection?.failed()
        }
    }

    func deadlineReached() {
        guard !closed else { return }
        connection?.deadlineReached()
    }

    // MARK: ConnectionIO

    func write(_ bytes: [UInt8]) -> WriteOutcome {
        guard !closed else { return .failed }
        if outboundOffset == outbound.count {
            outbound = bytes
            outboundOffset = 0
        } else {
            outbound.append(contentsOf: bytes)
        }
        return flush()
    }

    func setReading(_ enabled: Bool) {
        readInterest = enabled
        updateInterest()
    }

    func setDeadline(_ deadline: ContinuousClock.Instant?) {
        readiness?.setDeadline(deadline)
    }

    func readPending() { readable() }

    func shutdownOutput() {
        System.shutdownOutput(descriptor)
    }

    func close(reset: Bool) {
        guard !closed else { return }
        closed = true
        // SO_LINGER with a zero timeout makes close() send a reset instead of a FIN.
        if reset { System.setResetOnClose(descriptor) }
        connection = nil
        outbound = []
        let descriptor = descriptor
        let onClosed = onClosed
        let id = ObjectIdentifier(self)
        readiness?.cancel {
            System.close(descriptor)
            onClosed(id)
        }
        readiness = nil
    }

    // MARK: Sending

    private func flush() -> WriteOutcome {
        while outboundOffset < outbound.count {
            let sent = outbound.withUnsafeBytes { bytes in
                System.send(descriptor, bytes.baseAddress! + outboundOffset, bytes.count - outboundOffset)
            }
            if sent > 0 {
                outboundOffset += sent
                observer.bytesSent(sent)
            } else if sent < 0 && System.wouldBlock(System.errno) {
                if !writeInterest {
                    writeInterest = true
                    updateInterest()
                }
                return .pending
            } else if sent < 0 && System.interrupted(System.errno) {
                continue
            } else {
                return .failed
            }
        }
        // An idle connection keeps no buffer (10,000 idle keep-alive clients must cost little memory); keeping its
        // capacity would buy nothing, since the next write takes the response's own buffer, and clearing a buffer
        // the caller still shares would copy it.
        outbound = []
        outboundOffset = 0
        if writeInterest {
            writeInterest = false
            updateInterest()
        }
        return .flushed
    }

    private func updateInterest() {
        guard !closed else { return }
        readiness?.setInterest(read: readInterest, write: writeInterest)
    }
}
