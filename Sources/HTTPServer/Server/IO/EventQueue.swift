/// The seam between the server and how readiness reaches it: an event queue watches descriptors, keeps one
/// deadline per watched descriptor, runs work on its own thread, and serves as the executor of the handler tasks
/// of its connections. Two implementations: `EpollEventQueue` (Linux: one `epoll` loop on a Dispatch-owned
/// thread) and `DispatchEventQueue` (Dispatch read, write and timer sources; every platform).
///
/// Everything a queue calls on a `ReadinessHandler`, and every call a handler makes on its `Readiness`, happens
/// on the queue's thread.
protocol EventQueue: TaskExecutor, Sendable {
    /// Starts watching `descriptor` for `handler`, with neither read nor write interest. Called on the queue.
    func watch(_ descriptor: Int32, _ handler: any ReadinessHandler) -> any Readiness
    /// Runs `work` on the queue's thread.
    func execute(_ work: @escaping @Sendable () -> Void)
    /// Stops the queue once nothing is watched any more; its thread is given back.
    func stop()
}

/// One watched descriptor, as its handler sees it.
protocol Readiness: AnyObject {
    func setInterest(read: Bool, write: Bool)
    func setDeadline(_ deadline: ContinuousClock.Instant?)
    /// Stops watching. `closed` runs on the queue once no event for the descriptor can arrive any more; only then
    /// may the descriptor be closed (Dispatch requires it of its sources).
    func cancel(_ closed: @escaping () -> Void)
}

/// What a queue reports about a watched descriptor.
protocol ReadinessHandler: AnyObject {
    func readable()
    func writable()
    func deadlineReached()
}

extension EventQueue {
    /// Runs `operation` as a task whose nonisolated code executes on this queue.
    func run(_ operation: sending @escaping @isolated(any) () async -> Void) {
        Task(executorPreference: self, operation: operation)
    }
}
