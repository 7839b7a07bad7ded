#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// A few threads for the CPU-heavy part of requests (inflating, hashing and parsing large bodies), so that the
/// event-loop threads only move bytes and one big body never makes every other client wait.
///
/// `width` serial queues take the jobs in turn, so at most `width` run at once and none of the pool's threads ever
/// blocks waiting for a slot (a blocked Dispatch thread is one the rest of the process cannot have). Small jobs are
/// cheaper run where they are than handed over (`run(cost:_:)` decides by size).
public final class WorkerPool: Sendable {
    /// Bytes of input below which a job runs on the caller's thread: handing it over costs more than doing it.
    public static let inlineThreshold = 64 * 1024

    public let width: Int
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    public init(width: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1), label: String = "craft-sync.http.workers") {
        self.width = max(1, width)
        queues = (0..<self.width).map { DispatchQueue(label: "\(label).\($0)") }
    }

    /// Runs `work` on one of the pool's queues and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        let queue = queues[next.add(1, ordering: .relaxed).oldValue % queues.count]
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }

    /// Runs `work` here when `cost` (bytes it reads) is under `inlineThreshold`, on the pool otherwise.
    public func run<T: Sendable>(cost: Int, _ work: @escaping @Sendable () -> T) async -> T {
        cost < Self.inlineThreshold ? work() : await run(work)
    }

    /// The same for work that throws: its error comes back as thrown.
    public func run<T: Sendable, Failure: Error>(
        cost: Int, _ work: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await run(cost: cost) { () -> Result<T, Failure> in
            do throws(Failure) { return .success(try work()) } catch { return .failure(error) }
        }.get()
    }
}
