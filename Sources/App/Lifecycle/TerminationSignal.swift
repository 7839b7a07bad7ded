#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Waits for SIGTERM or SIGINT through Dispatch signal sources, so shutdown runs as ordinary async code
/// instead of inside a signal handler.
public enum TerminationSignal {
    /// Returns the first termination signal received.
    public static func wait() async -> Int32 {
        let signals = [SIGTERM, SIGINT]
        let queue = DispatchQueue(label: "craft-sync.signals")
        return await withCheckedContinuation { continuation in
            queue.async {
                var sources: [any DispatchSourceSignal] = []
                var resumed = false
                for number in signals {
                    // The default action would kill the process before the source sees the signal.
                    signal(number, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                    source.setEventHandler {
                        guard !resumed else { return }
                        resumed = true
                        sources.forEach { $0.cancel() }
                        continuation.resume(returning: number)
                    }
                    source.resume()
                    sources.append(source)
                }
            }
        }
    }
}
