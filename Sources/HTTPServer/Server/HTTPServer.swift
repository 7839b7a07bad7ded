#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Logging
import Synchronization
import Support

/// An HTTP/1.1 server on POSIX sockets: one listening socket watched by a Dispatch read source, each connection
/// on one of a few event queues (one per core; epoll or Dispatch sources, see `IOBackend`), no thread per
/// connection.
public final class HTTPServer: Sendable {
    private struct Open {
        var channel: SocketChannel
        var queue: any EventQueue
    }

    private struct State {
        var acceptSource: (any DispatchSourceRead)?
        var acceptSuspended = false
        var connections: [ObjectIdentifier: Open] = [:]
        var shuttingDown = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        /// Resumed once the listening socket is closed, so nobody can connect after shutdown's first step.
        var listenerClosedWaiter: CheckedContinuation<Void, Never>?
        var port: Int?
        /// `maxConnections` as it fits the descriptor limit, set by `start()`.
        var maxConnections = 1
    }

    private let context: ServerContext
    private let state = Mutex(State())
    private let acceptQueue = DispatchQueue(label: "craft-sync.http.accept")
    private let queues: [any EventQueue]
    private let nextQueue = Atomic<Int>(0)

    public init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder,
        observer: any HTTPServerObserver = NoHTTPServerObserver(), logger: Logger, workers: WorkerPool = WorkerPool()
    ) {
        context = ServerContext(configuration: configuration, responder: responder, observer: observer, logger: logger, workers: workers)
        let count = configuration.eventLoops ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        queues = (0..<count).map { index -> any EventQueue in
            #if os(Linux)
            if configuration.ioBackend == .epoll { return EpollEventQueue(index: index) }
            #endif
            return DispatchEventQueue(index: index)
        }
    }

    /// A server dropped without `shutdown()` (or whose `start()` failed) gives its loop threads back.
    deinit {
        for queue in queues { queue.stop() }
    }

    public var configuration: HTTPServerConfiguration { context.configuration }

    /// The bound port once started (useful when configured with port 0).
    public var port: Int? { state.withLock { $0.port } }

    /// Binds and starts accepting. Returns the bound port; when it returns, connections are accepted.
    @discardableResult
    public func start() throws(SocketError) -> Int {
        let configuration = context.configuration
        let fitted = DescriptorLimit.fit(maxConnections: configuration.maxConnections)
        if fitted.lowered {
            context.logger.warning(
                "the open-file limit is too low for http.max_connections; serving fewer connections at once",
                metadata: ["max_connections": "\(fitted.requested)", "serving": "\(fitted.maxConnections)",
                    "open_file_limit": "\(fitted.softLimit)", "fix": "raise the limit (ulimit -n, LimitNOFILE=, --ulimit nofile=)"])
        }
        let listener = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let port: Int
        do {
            port = try Socket.localPort(listener)
        } catch {
            System.close(listener)
            throw error
        }
        let acceptQueue = acceptQueue
        state.withLock {
            let source = DispatchSource.makeReadSource(fileDescriptor: listener, queue: acceptQueue)
            source.setEventHandler { [weak self] in self?.acceptPending(listener) }
            source.setCancelHandler { [weak self] in
                System.close(listener)
                self?.state.withLock { state in
                    defer { state.listenerClosedWaiter = nil }
                    return state.listenerClosedWaiter
                }?.resume()
            }
            source.resume()
            $0.acceptSource = source
            $0.port = port
            $0.maxConnections = fitted.maxConnections
        }
        context.logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    /// Stops accepting, lets in-flight requests finish (closing their connections after the response),
    /// closes idle connections, and returns once every connection is closed or the deadline has passed.
    public func shutdown() async {
        // First the listener goes (new clients are refused from here on), then the connections are told.
        var connections: [Open] = []
        await withCheckedContinuation { (listenerClosed: CheckedContinuation<Void, Never>) in
            let source = state.withLock { state -> (any DispatchSourceRead)? in
                guard !state.shuttingDown else { return nil }
                state.shuttingDown = true
                connections = Array(state.connections.values)
                guard let source = state.acceptSource else { return nil }
                if state.acceptSuspended { source.resume() }
                state.acceptSource = nil
                state.listenerClosedWaiter = listenerClosed
                return source
            }
            if let source { source.cancel() } else { listenerClosed.resume() }
        }
        for open in connections {
            let channel = open.channel
            open.queue.execute { channel.connection?.beginShutdown() }
        }
        let deadline = context.configuration.shutdownDeadline
        let forceClose = Task {
            try await Task.sleep(for: deadline)
            self.context.logger.warning("shutdown deadline passed; closing connections with requests in flight")
            for open in self.state.withLock({ Array($0.connections.values) }) {
                let channel = open.channel
                open.queue.execute { channel.connection?.forceClose() }
            }
        }
        await withCheckedContinuation { continuation in
            let drained = state.withLock { state in
                if state.connections.isEmpty { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if drained { continuation.resume() }
        }
        forceClose.cancel()
        for queue in queues { queue.stop() }
        context.logger.info("server stopped")
    }

    public var openConnectionCount: Int { state.withLock { $0.connections.count } }

    private func acceptPending(_ listener: Int32) {
        while true {
            let atCapacity = state.withLock { state in
                guard state.connections.count >= state.maxConnections else { return false }
                // Leave further clients in the kernel's backlog until a connection closes.
                if !state.acceptSuspended, let source = state.acceptSource {
                    state.acceptSuspended = true
                    source.suspend()
                }
                return true
            }
            if atCapacity { return }
            let descriptor: Int32
            do {
                guard let accepted = try Socket.accept(listener) else { return }
                descriptor = accepted
            } catch {
                // EMFILE and friends: the listener stays readable, so pause accepting for a moment instead of
                // spinning on the same error.
                context.logger.error("accept failed; pausing accepts for 100 ms", metadata: ["error": "\(error)"])
                pauseAccepting(for: .milliseconds(100))
                return
            }
            let queue = queues[nextQueue.add(1, ordering: .relaxed).oldValue % queues.count]
            // A connection accepted while shutdown began is closed at once, before anything watches it.
            let channel = state.withLock { state -> SocketChannel? in
                guard !state.shuttingDown else { return nil }
                let channel = SocketChannel(descriptor: descriptor, observer: self.context.observer) { [weak self] id in
                    self?.connectionClosed(id)
                }
                state.connections[ObjectIdentifier(channel)] = Open(channel: channel, queue: queue)
                return channel
            }
            guard let channel else {
                System.close(descriptor)
                return
            }
            let context = context
            let clientAddress = Socket.peerAddress(descriptor)
            context.observer.connectionOpened()
            queue.execute {
                channel.open(on: queue) { io in
                    HTTPConnection(context: context, io: io) { head, body, bodyLimit, requestID, completion in
                        queue.run {
                            completion(await context.respond(
                                to: head, body: body, bodyLimit: bodyLimit, requestID: requestID, clientAddress: clientAddress))
                        }
                    }
                }
            }
        }
    }

    private func pauseAccepting(for duration: Duration) {
        let paused = state.withLock { state -> Bool in
            guard !state.acceptSuspended, !state.shuttingDown, let source = state.acceptSource else { return false }
            state.acceptSuspended = true
            source.suspend()
            return true
        }
        guard paused else { return }
        acceptQueue.asyncAfter(deadline: .now() + duration.dispatchInterval) { [weak self] in
            self?.state.withLock { state in
                guard state.acceptSuspended, !state.shuttingDown, state.connections.count < state.maxConnections,
                    let source = state.acceptSource
                else { return }
                state.acceptSuspended = false
                source.resume()
            }
        }
    }

    private func connectionClosed(_ id: ObjectIdentifier) {
        defer { context.observer.connectionClosed() }  // after the bookkeeping, so observers see it done
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.connections[id] = nil
            if state.acceptSuspended && !state.shuttingDown, let source = state.acceptSource {
                state.acceptSuspended = false
                source.resume()
            }
            guard state.shuttingDown && state.connections.isEmpty else { return [] }
            defer { state.drainWaiters = [] }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
