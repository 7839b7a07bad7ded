#if os(Linux)
import Glibc

/// A thread of its own for a loop that blocks (an event queue in `epoll_wait`). Not one of Dispatch's: its pool is
/// bounded (255 threads on Linux), and each loop parked on a Dispatch thread for its whole life took one for good. A
/// process with many servers (the test suite runs hundreds) used them all, and then nothing queued on Dispatch ran,
/// URLSession's work queue included: every outbound call stalled until its timeout (found with gdb).
enum LoopThread {
    /// Starts `body` on a new detached thread.
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body: body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(created == 0, "pthread_create failed: \(created)")
        pthread_detach(thread)
    }
}
#endif
