import Dispatch

/// A serial Dispatch queue that owns a share of the connections: their sources, timers and request handlers
/// all run on it, one at a time. A few loops (one per core) instead of a queue per connection keep the thread
/// count at the core count, and running handlers on the loop (as the tasks' preferred executor) spares two
/// thread hand-offs per request.
final class EventLoop: TaskExecutor {
    let queue: DispatchQueue

    init(index: Int) {
        queue = DispatchQueue(label: "craft-sync.http.loop-\(index)")
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    /// Runs `operation` as a task whose nonisolated code executes on this loop.
    func run(_ operation: sending @escaping @isolated(any) () async -> Void) {
        Task(executorPreference: self, operation: operation)
    }
}
