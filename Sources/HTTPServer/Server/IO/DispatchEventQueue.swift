import Dispatch
import Support

/// An event queue on Dispatch: a serial queue, and per descriptor a read source, a write source and a timer,
/// each created when first needed. Portable (it is the one used where epoll does not exist), and kept on Linux
/// as the measured alternative to `EpollEventQueue` (`HTTPServerConfiguration.ioBackend`).
///
/// `@unchecked Sendable` is safe: it holds only the queue, which is itself thread-safe.
final class DispatchEventQueue: EventQueue, @unchecked Sendable {
    let queue: DispatchQueue

    init(index: Int) {
        queue = DispatchQueue(label: "craft-sync.http.loop-\(index)")
    }

    func watch(_ descriptor: Int32, _ handler: any ReadinessHandler) -> any Readiness {
        DispatchReadiness(descriptor: descriptor, queue: queue, handler: handler)
    }

    func execute(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func stop() {}
}

/// One descriptor watched by Dispatch sources. Used on the queue only.
final class DispatchReadiness: Readiness {
    private let descriptor: Int32
    private let queue: DispatchQueue
    private let handler: any ReadinessHandler
    private var readSource: (any DispatchSourceProtocol)?
    private var writeSource: (any DispatchSourceProtocol)?
    private var timer: (any DispatchSourceTimer)?
    private var reading = false
    private var writing = false
    private var cancelled = false

    init(descriptor: Int32, queue: DispatchQueue, handler: any ReadinessHandler) {
        self.descriptor = descriptor
        self.queue = queue
        self.handler = handler
    }

    func setInterest(read: Bool, write: Bool) {
        guard !cancelled else { return }
        set(&readSource, active: &reading, to: read) { [unowned self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
            source.setEventHandler { [unowned self] in handler.readable() }
            return source
        }
        set(&writeSource, active: &writing, to: write) { [unowned self] in
            let source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
            source.setEventHandler { [unowned self] in handler.writable() }
            return source
        }
    }

    /// Resumes or suspends one source, creating it (suspended, as Dispatch makes them) when first wanted.
    private func set(
        _ source: inout (any DispatchSourceProtocol)?, active: inout Bool, to wanted: Bool,
        make: () -> any DispatchSourceProtocol
    ) {
        guard wanted != active else { return }
        active = wanted
        if wanted {
            if source == nil { source = make() }
            source?.resume()
        } else {
            source?.suspend()
        }
    }

    func setDeadline(_ deadline: ContinuousClock.Instant?) {
        guard !cancelled else { return }
        if timer == nil {
            guard deadline != nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.setEventHandler { [unowned self] in handler.deadlineReached() }
            source.schedule(deadline: .distantFuture)
            source.resume()
            timer = source
        }
        guard let deadline else {
            timer?.schedule(deadline: .distantFuture)
            return
        }
        let remaining = deadline - .now
        timer?.schedule(deadline: remaining > .zero ? .now() + remaining.dispatchInterval : .now())
    }

    /// Sources must be resumed before they are cancelled and released (releasing a suspended or never-resumed
    /// source aborts), and the descriptor may be closed only after every cancel handler ran.
    func cancel(_ closed: @escaping () -> Void) {
        guard !cancelled else { return }
        cancelled = true
        var pending = 0
        let done: () -> Void = { [self] in
            pending -= 1
            if pending == 0 {
                readSource = nil
                writeSource = nil
                timer = nil
                closed()
            }
        }
        var sources: [(source: any DispatchSourceProtocol, active: Bool)] = []
        if let readSource { sources.append((readSource, reading)) }
        if let writeSource { sources.append((writeSource, writing)) }
        if let timer { sources.append((timer, true)) }
        guard !sources.isEmpty else { return closed() }
        pending = sources.count
        for (source, active) in sources {
            source.setCancelHandler(handler: done)
            if !active { source.resume() }
            source.cancel()
        }
    }
}
