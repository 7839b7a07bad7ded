#if os(Linux)
import CLinux
import Dispatch
import Glibc
import Synchronization

/// An event queue on one `epoll` instance (level-triggered), looping on a thread of its own. Per
/// request it costs the reads and writes themselves and a share of one `epoll_wait`: no locks handed between
/// threads, no `epoll_ctl` unless interest changes, no `FIONREAD`. Handler tasks run on the loop as their
/// preferred executor; work from other threads goes through an inbox and wakes the loop with an eventfd only
/// when it sleeps.
///
/// `@unchecked Sendable` is safe: `watched`, `deadlines`, `events` and the spare inbox buffers are touched only on
/// the loop thread (every
/// entry point that is not, `enqueue`, `execute` and `stop`, goes through `inbox`, a `Mutex`).
final class EpollEventQueue: EventQueue, @unchecked Sendable {
    private struct Inbox {
        var jobs: [UnownedJob] = []
        var work: [@Sendable () -> Void] = []
        var sleeping = false
        var stopped = false
    }

    private let epoll: Int32
    private let wake: Int32
    private let inbox = Mutex(Inbox())
    private var watched: [Int32: EpollReadiness] = [:]
    private var deadlines = DeadlineHeap()
    /// Emptied inbox buffers, swapped with the inbox's on each pass so that neither side reallocates (returning the
    /// inbox's arrays and clearing them would copy on write every pass, even an empty one).
    private var spareJobs: [UnownedJob] = []
    private var spareWork: [@Sendable () -> Void] = []

    init(index: Int) {
        epoll = cepoll_create()
        wake = cepoll_eventfd()
        precondition(epoll >= 0 && wake >= 0, "epoll_create1/eventfd failed: errno \(errno)")
        _ = cepoll_control(epoll, EPOLL_CTL_ADD, wake, EPOLLIN.rawValue)
        // A thread of its own, not Dispatch's: the loop blocks in epoll_wait between events (see `LoopThread`).
        LoopThread.start { [self] in loop() }
    }

    // MARK: EventQueue

    func watch(_ descriptor: Int32, _ handler: any ReadinessHandler) -> any Readiness {
        let readiness = EpollReadiness(descriptor: descriptor, queue: self, handler: handler)
        watched[descriptor] = readiness
        return readiness
    }

    func execute(_ work: @escaping @Sendable () -> Void) {
        let (wakeNeeded, stopped) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.stopped else { return (false, true) }
            inbox.work.append(work)
            return (inbox.sleeping, false)
        }
        if stopped { DispatchQueue.global().async(execute: work) } else if wakeNeeded { wakeUp() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (wakeNeeded, stopped) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.stopped else { return (false, true) }
            inbox.jobs.append(job)
            return (inbox.sleeping, false)
        }
        if stopped {
            // A task that outlived its server (a handler still awaiting at shutdown) still finishes.
            let executor = asUnownedTaskExecutor()
            DispatchQueue.global().async { job.runSynchronously(on: executor) }
        } else if wakeNeeded {
            wakeUp()
        }
    }

    /// Idempotent: a second call (shutdown, then the server's deinit) must not write to the eventfd, whose number
    /// the system may by then have given to another socket.
    func stop() {
        let first = inbox.withLock { inbox -> Bool in
            defer { inbox.stopped = true }
            return !inbox.stopped
        }
        if first { wakeUp() }
    }

    /// The descriptors are closed only here, once nothing can reach the queue any more: closing them when the loop
    /// ends would let a late `wakeUp` write into whatever socket reuses the eventfd's number.
    deinit {
        close(epoll)
        close(wake)
    }

    // MARK: The loop

    private func loop() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while true {
            guard runInbox() else { return }
            let count = epoll_wait(epoll, events, Int32(capacity), waitTimeout())
            inbox.withLock { $0.sleeping = false }
            if count > 0 {
                for index in 0..<Int(count) { dispatch(events[index]) }
            }
            fireDeadlines()
        }
    }

    /// Runs what other threads handed over (and what that hands over in turn). False once stopped. Marks the
    /// loop as sleeping when the inbox is empty, so later arrivals know to wake it.
    private func runInbox() -> Bool {
        let executor = asUnownedTaskExecutor()
        while true {
            var jobs = spareJobs, work = spareWork
            spareJobs = []
            spareWork = []
            let stopped = inbox.withLock { inbox in
                if inbox.jobs.isEmpty && inbox.work.isEmpty { inbox.sleeping = true }
                swap(&jobs, &inbox.jobs)
                swap(&work, &inbox.work)
                return inbox.stopped
            }
            defer {
                jobs.removeAll(keepingCapacity: true)
                work.removeAll(keepingCapacity: true)
                spareJobs = jobs
                spareWork = work
            }
            if stopped && jobs.isEmpty && work.isEmpty { return false }
            if jobs.isEmpty && work.isEmpty { return true }
            for item in work { item() }
            for job in jobs { job.runSynchronously(on: executor) }
        }
    }

    private func dispatch(_ event: epoll_event) {
        let descriptor = withUnsafePointer(to: event) { cepoll_event_descriptor($0) }
        if descriptor == wake {
            var value: UInt64 = 0
            _ = read(wake, &value, 8)
            return
        }
        guard let readiness = watched[descriptor] else { return }
        let flags = event.events
        let failed = flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
        if readiness.read && (flags & EPOLLIN.rawValue != 0 || failed) {
            readiness.handler.readable()
        }
        // The read may have closed the connection; only a descriptor still watched by the same owner is written.
        if readiness.write && watched[descriptor] === readiness && (flags & EPOLLOUT.rawValue != 0 || failed) {
            readiness.handler.writable()
        }
    }

    private func waitTimeout() -> Int32 {
        guard let next = deadlines.first?.deadline else { return -1 }
        let remaining = next - .now
        guard remaining > .zero else { return 0 }
        // Rounded up so the loop never wakes just before a deadline and spins.
        return Int32(clamping: remaining.millisecondsRoundedUp)
    }

    private func fireDeadlines() {
        let now = ContinuousClock.now
        while let first = deadlines.first, let deadline = first.deadline, deadline <= now {
            deadlines.remove(first)
            first.deadline = nil
            first.handler.deadlineReached()
        }
    }

    private func wakeUp() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    // MARK: For EpollReadiness (on the loop thread)

    fileprivate func update(_ readiness: EpollReadiness, read: Bool, write: Bool) {
        // A descriptor with no interest is taken out of the epoll set: epoll reports hang-ups and errors whatever
        // the interest, and a level-triggered report nobody acts on would spin the loop.
        let events = (read ? EPOLLIN.rawValue : 0) | (write ? EPOLLOUT.rawValue : 0)
        let operation: Int32
        switch (readiness.registered, events != 0) {
        case (false, true): operation = EPOLL_CTL_ADD
        case (true, true): operation = EPOLL_CTL_MOD
        case (true, false): operation = EPOLL_CTL_DEL
        case (false, false): return
        }
        readiness.registered = events != 0
        _ = cepoll_control(epoll, operation, readiness.descriptor, events)
    }

    fileprivate func deadlineChanged(_ readiness: EpollReadiness) {
        if readiness.deadline == nil { deadlines.remove(readiness) } else { deadlines.update(readiness) }
    }

    fileprivate func unwatch(_ readiness: EpollReadiness) {
        if readiness.registered {
            _ = cepoll_control(epoll, EPOLL_CTL_DEL, readiness.descriptor, 0)
            readiness.registered = false
        }
        deadlines.remove(readiness)
        if watched[readiness.descriptor] === readiness { watched[readiness.descriptor] = nil }
    }
}

/// One descriptor in an `EpollEventQueue`. Used on the loop thread only.
final class EpollReadiness: Readiness {
    let descriptor: Int32
    let handler: any ReadinessHandler
    private unowned let queue: EpollEventQueue
    fileprivate(set) var read = false
    fileprivate(set) var write = false
    fileprivate var registered = false
    fileprivate(set) var deadline: ContinuousClock.Instant?
    /// Position in the queue's deadline heap, or nil when not in it.
    fileprivate var heapIndex: Int?

    fileprivate init(descriptor: Int32, queue: EpollEventQueue, handler: any ReadinessHandler) {
        self.descriptor = descriptor
        self.queue = queue
        self.handler = handler
    }

    func setInterest(read: Bool, write: Bool) {
        guard read != self.read || write != self.write else { return }
        self.read = read
        self.write = write
        queue.update(self, read: read, write: write)
    }

    func setDeadline(_ deadline: ContinuousClock.Instant?) {
        guard deadline != self.deadline else { return }
        self.deadline = deadline
        queue.deadlineChanged(self)
    }

    func cancel(_ closed: @escaping () -> Void) {
        read = false
        write = false
        deadline = nil
        queue.unwatch(self)
        closed()
    }
}

/// A binary min-heap of readiness records by deadline. Each record knows its index, so a changed or removed
/// deadline costs O(log n) and the heap never holds stale entries.
struct DeadlineHeap {
    private var items: [EpollReadiness] = []

    var first: EpollReadiness? { items.first }

    mutating func update(_ item: EpollReadiness) {
        if let index = item.heapIndex {
            siftUp(siftDown(index))
        } else {
            items.append(item)
            item.heapIndex = items.count - 1
            siftUp(items.count - 1)
        }
    }

    mutating func remove(_ item: EpollReadiness) {
        guard let index = item.heapIndex else { return }
        item.heapIndex = nil
        let last = items.removeLast()
        guard index < items.count else { return }
        items[index] = last
        last.heapIndex = index
        siftUp(siftDown(index))
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].deadline ?? .now) < (items[b].deadline ?? .now)
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        items[a].heapIndex = a
        items[b].heapIndex = b
    }

    @discardableResult
    private mutating func siftUp(_ start: Int) -> Int {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard less(index, parent) else { break }
            swapAt(index, parent)
            index = parent
        }
        return index
    }

    private mutating func siftDown(_ start: Int) -> Int {
        var index = start
        while true {
            let left = 2 * index + 1
            let right = left + 1
            var smallest = index
            if left < items.count && less(left, smallest) { smallest = left }
            if right < items.count && less(right, smallest) { smallest = right }
            guard smallest != index else { return index }
            swapAt(index, smallest)
            index = smallest
        }
    }
}
#endif
