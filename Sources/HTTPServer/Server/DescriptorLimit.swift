#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fits the connection cap to the process's file-descriptor limit, so that accepting never fails with EMFILE
/// while the cap says there is room: each connection is one descriptor, and the process needs some of its own
/// (the listener, the database and its WAL, log output, outbound connections).
public enum DescriptorLimit {
    /// Descriptors kept for everything that is not a client connection.
    public static let reserved = 64

    public struct Outcome: Sendable, Equatable {
        /// The soft limit after raising it as far as the hard limit allows.
        public var softLimit: Int
        /// The connection cap that fits: the configured one, or lower when the limit is too low.
        public var maxConnections: Int
        public var lowered: Bool { maxConnections < requested }
        public var requested: Int
    }

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit when it is below what `maxConnections` needs, and returns
    /// the cap that fits under the result.
    public static func fit(maxConnections: Int) -> Outcome {
        var limit = rlimit()
        guard getrlimit(resourceLimit, &limit) == 0 else {
            return Outcome(softLimit: -1, maxConnections: maxConnections, requested: maxConnections)
        }
        let needed = rlim_t(clamping: maxConnections) &+ rlim_t(reserved)
        if limit.rlim_cur < needed && limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = min(limit.rlim_max, needed)
            if setrlimit(resourceLimit, &raised) == 0 { limit = raised }
        }
        let soft = Int(clamping: limit.rlim_cur)
        let fitting = max(1, min(maxConnections, soft - reserved))
        return Outcome(softLimit: soft, maxConnections: fitting, requested: maxConnections)
    }

    #if canImport(Glibc)
    private static let resourceLimit = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceLimit = RLIMIT_NOFILE
    #endif
}
