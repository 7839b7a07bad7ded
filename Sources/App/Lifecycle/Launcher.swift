#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if os(Linux)
import CLinux
#endif
import Logging

/// The common start of every command: load the configuration, set up logging, run, and turn a failure into
/// one clear line on standard error and a non-zero exit, never a stack trace.
public enum Launcher {
    /// `logs` is standard output for the service and standard error for one-shot commands, whose standard
    /// output is their answer.
    public static func run(
        loading load: () throws -> ConfigurationLoader.Result, logs: LogOutput = .standardOutput,
        body: (Configuration, Logger) async throws -> Void
    ) async throws {
        // A vanished peer must cost an EPIPE, not the process (writes also pass MSG_NOSIGNAL).
        signal(SIGPIPE, SIG_IGN)
        #if os(Linux)
        // Large request bodies (up to 25 MiB) are rare: give them mappings of their own so that their memory goes
        // back to the system when they are done, instead of staying as heap the soak test saw grow to 170 MB.
        _ = clinux_fix_mmap_threshold(256 * 1024)
        // One malloc arena (glibc's default is eight per core): at 100,000 mappings (Benchmarks/scale-serve.sh) serve
        // stays at 146–150 MB resident against 152–153 MB with two (both with Memory.releaseFree after each cycle), at
        // the same webhook p99 and cycle CPU.
        _ = clinux_limit_arenas(1)
        #endif
        let loaded: ConfigurationLoader.Result
        do {
            loaded = try load()
        } catch {
            fail("invalid configuration: \(error)")
        }
        LoggingSetup.bootstrap(loaded.configuration.log, output: logs)
        let logger = Logger(label: "craft-sync")
        for warning in loaded.warnings { logger.warning("\(warning)") }
        do {
            try await body(loaded.configuration, logger)
            logs.flush()
        } catch {
            logger.critical("\(error)")
            logs.flush()
            fail("\(error)")
        }
    }

    private static func fail(_ message: String) -> Never {
        StandardStream.print("craft-sync: \(message)\n", to: STDERR_FILENO)
        exit(1)
    }
}
