import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

/// A child process for tests, whose every wait is bounded and loud: its output (standard output and error, merged)
/// is collected by a reader thread that polls with a timeout, never by a blocking read; lines and the exit are
/// awaited against a deadline; and a failure message carries the output's last lines.
///
/// Not Foundation's `readabilityHandler`: it watches the pipe with a Dispatch source whose cancellation is
/// asynchronous, and the pipe's descriptor, closed when the `Pipe` goes, could still be in Dispatch's epoll set; a
/// reused number then crashed the test process inside libdispatch (seen once in `_dispatch_event_loop_drain`).
/// End of file cannot be awaited either: a process another test spawns at the same moment inherits the pipe's write
/// end. So the reader stops once the child has exited and the pipe is empty.
public final class ChildProcess: Sendable {
    public struct Timeout: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var output = ""
        var exited = false
        /// Counts every change (output or exit), so a waiter that looked at the state can tell whether it changed
        /// before it started waiting: no lost wake-ups.
        var changes = 0
        /// The output pipe reached end of file: everything the child wrote has been collected.
        var outputEnded = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A box for the state, so the process's handlers can hold it (a `Mutex` cannot be captured by value).
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let process: Process
    private let shared = Shared()
    public let name: String

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        name = "\(executable.lastPathComponent) \(arguments.first ?? "")"
        self.process = process
        process.terminationHandler = { [shared] _ in
            let waiters = shared.state.withLock { state in
                state.exited = true
                state.changes += 1
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        try process.run()
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        // The thread holds the pipe, so its descriptor stays open until the thread is done with it.
        Thread.detachNewThread { [shared] in
            Self.read(descriptor, into: shared)
            withExtendedLifetime(pipe) {}
        }
    }

    /// Collects output until end of file, or until the child has exited and the pipe is empty.
    private static func read(_ descriptor: Int32, into shared: Shared) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&waiting, 1, 50)
            // Looked at before reading: everything a child wrote is in the pipe before it exits.
            let exited = shared.state.withLock { $0.exited }
            var data = Data()
            var endOfFile = false
            while true {
                let count = Glibc.read(descriptor, &buffer, buffer.count)
                if count > 0 {
                    data.append(contentsOf: buffer[0..<count])
                } else {
                    endOfFile = count == 0
                    break
                }
            }
            let done = endOfFile || exited
            let waiters = shared.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                guard !data.isEmpty || done else { return [] }
                state.output += String(decoding: data, as: UTF8.self)
                // Keep the output bounded: a chatty child must not eat the test's memory.
                if state.output.utf8.count > 4 << 20 { state.output = String(state.output.suffix(1 << 20)) }
                if done { state.outputEnded = true }
                state.changes += 1
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
            if done { return }
        }
    }

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { !shared.state.withLock { $0.exited } }
    public var terminationStatus: Int32 { process.terminationStatus }
    public var terminationReason: Process.TerminationReason { process.terminationReason }

    /// The output so far, or its last lines, for failure messages.
    public func outputTail(lines: Int = 20) -> String {
        shared.state.withLock { $0.output }.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The complete lines of output so far.
    public var outputLines: [String] {
        let output = shared.state.withLock { $0.output }
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the unfinished line after the last newline (empty when there is none)
        return lines
    }

    /// Waits until `condition` holds for the output so far: true then; false once the child ended (exited and its
    /// output all read) without it, or `limit` passed.
    public func waitForOutput(within limit: Duration, _ condition: (String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            let (output, exited, seen) = shared.state.withLock { ($0.output, $0.exited, $0.changes) }
            if condition(output) { return true }
            if exited {
                _ = await waitForEnd(within: .seconds(5))
                return condition(shared.state.withLock { $0.output })
            }
            guard await waitForChange(after: seen, until: deadline) else { return condition(shared.state.withLock { $0.output }) }
        }
    }

    /// The first output line containing `text`, waiting for it at most `limit`. Throws with the output's tail when
    /// it does not come, or the process ends first.
    public func waitForLine(containing text: String, within limit: Duration = .seconds(30)) async throws -> String {
        guard await waitForOutput(within: limit, { $0.contains(text) }),
            let line = outputLines.first(where: { $0.contains(text) })
        else {
            throw Timeout(description: "\(name) did not print '\(text)' within \(limit):\n\(outputTail())")
        }
        return line
    }

    /// Waits until the child has exited and all it wrote is collected; false when `limit` passed first.
    public func waitForEnd(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            let (ended, seen) = shared.state.withLock { ($0.exited && $0.outputEnded, $0.changes) }
            if ended { return true }
            guard await waitForChange(after: seen, until: deadline) else { return shared.state.withLock { $0.exited && $0.outputEnded } }
        }
    }

    /// Waits for the process to exit, through its termination handler; false when `limit` passed first.
    public func waitForExit(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            let (exited, seen) = shared.state.withLock { ($0.exited, $0.changes) }
            if exited { return true }
            guard await waitForChange(after: seen, until: deadline) else { return !isRunning }
        }
        return true
    }

    /// Sends SIGKILL without waiting (for `defer`); `stop()` also awaits the exit.
    public func kill() {
        guard isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// Sends SIGKILL and awaits the exit through the termination handler (boundedly, loudly).
    public func stop() async {
        kill()
        let exited = await waitForExit(within: .seconds(10))
        #expect(exited, "\(name) did not exit within 10 s of SIGKILL")
    }

    /// Suspends until the state changes past `seen` (new output or the exit), or the deadline passes (false then).
    private func waitForChange(after seen: Int, until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [shared] in
                await withCheckedContinuation { continuation in
                    let ready = shared.state.withLock { state -> Bool in
                        if state.changes != seen { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first {
                // Release a waiter left behind so its task can end.
                let waiters = shared.state.withLock { state in
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume() }
            }
            return first
        }
    }
}

/// A blocking TCP socket connected to 127.0.0.1:`port` (receive timeout `timeout` seconds), or nil.
public func connectLoopback(port: Int, timeout: Int = 2) -> Int32? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return nil }
    var time = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(descriptor)
        return nil
    }
    return descriptor
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`; throws after `limit`.
public func waitForPort(_ port: Int, within limit: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let descriptor = connectLoopback(port: port) {
            close(descriptor)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw ChildProcess.Timeout(description: "nothing listened on port \(port) within \(limit)")
}

/// Polls `condition` until it holds; throws after `limit` with `what`.
public func waitUntil(
    _ what: String, within limit: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw ChildProcess.Timeout(description: "\(what) did not happen within \(limit)") }
        try await Task.sleep(for: interval)
    }
}
