#if os(Linux)
import CLinux
#endif

/// The process's memory, as the allocator holds it.
enum Memory {
    /// Returns the free pages of the heap to the system (`malloc_trim`): called after each sync cycle, whose
    /// listings and writes leave many freed pages that glibc would otherwise keep resident
    /// (measured by Benchmarks/scale-serve.sh).
    @Sendable static func releaseFree() {
        #if os(Linux)
        _ = clinux_release_free_memory()
        #endif
    }
}
