#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Support
import Synchronization

/// Where log lines go: standard output in production, memory in tests.
///
/// Logging must never stop or kill the server. A caller only appends its line to a bounded queue and returns; one
/// writer thread drains the queue with `write(2)`. A stalled consumer (a full pipe, a hung terminal) stalls only
/// the writer: once `capacity` bytes wait, further lines are dropped and counted (`droppedLines`, exported as
/// `log_dropped_lines_total`). A failed write (EPIPE, a full disk) drops its lines the same way instead of
/// trapping, as `FileHandle.write` does.
public final class LogOutput: Sendable {
    private enum Destination {
        case descriptor(Int32)
        case memory
    }

    private struct State {
        var pending: [Data] = []
        var pendingBytes = 0
        var writerScheduled = false
        var memoryLines: [String] = []
    }

    public static let standardOutput = LogOutput(descriptor: STDOUT_FILENO)
    /// For one-shot commands, whose standard output is their answer.
    public static let standardError = LogOutput(descriptor: STDERR_FILENO)
    public static func memory() -> LogOutput { LogOutput(.memory, capacity: .max) }

    /// Lines dropped by every output of the process since it started.
    public static var droppedLines: Int { droppedTotal.load(ordering: .relaxed) }
    private static let droppedTotal = Atomic<Int>(0)

    private let destination: Destination
    private let capacity: Int
    private let state = Mutex(State())
    private let writer = DispatchQueue(label: "craft-sync.log-writer")

    /// `capacity` is how many bytes may wait for the writer before lines are dropped.
    public convenience init(descriptor: Int32, capacity: Int = 4 << 20) {
        self.init(.descriptor(descriptor), capacity: capacity)
    }

    private init(_ destination: Destination, capacity: Int) {
        self.destination = destination
        self.capacity = capacity
    }

    func write(_ data: Data) {
        guard case .descriptor(let descriptor) = destination else {
            state.withLock { $0.memoryLines.append(String(decoding: data, as: UTF8.self)) }
            return
        }
        let scheduleWriter = state.withLock { state -> Bool in
            guard data.count <= capacity - state.pendingBytes else {
                Self.droppedTotal.add(1, ordering: .relaxed)
                return false
            }
            state.pending.append(data)
            state.pendingBytes += data.count
            guard !state.writerScheduled else { return false }
            state.writerScheduled = true
            return true
        }
        if scheduleWriter { writer.async { self.drain(to: descriptor) } }
    }

    /// Waits until the lines written so far have been handed to the system, or `timeout` passed (a stalled
    /// consumer must not keep the process from exiting).
    public func flush(timeout: Duration = .seconds(2)) {
        guard case .descriptor = destination else { return }
        let drained = DispatchSemaphore(value: 0)
        writer.async { drained.signal() }
        _ = drained.wait(timeout: .now() + timeout.timeInterval)
    }

    /// The lines written so far, for a memory output.
    public var lines: [String] { state.withLock { $0.memoryLines } }

    private func drain(to descriptor: Int32) {
        while true {
            let batch = state.withLock { state -> [Data] in
                guard !state.pending.isEmpty else {
                    state.writerScheduled = false
                    return []
                }
                defer { state.pending = []; state.pendingBytes = 0 }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            var bytes = Data(capacity: batch.reduce(0) { $0 + $1.count })
            for line in batch { bytes.append(line) }
            if !Self.writeAll(bytes, to: descriptor) { Self.droppedTotal.add(batch.count, ordering: .relaxed) }
        }
    }

    /// Writes all of `data`, retrying after signals; false when the descriptor refuses it (EPIPE, ENOSPC, EBADF).
    @discardableResult
    static func writeAll(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }
}

/// Writes a command's answer or a last error line to standard output or error without ever trapping: a reader
/// that went away (`craft-sync demo | head`) costs the rest of the text, not a crash.
public enum StandardStream {
    public static func print(_ text: String, to descriptor: Int32 = STDOUT_FILENO) {
        LogOutput.writeAll(Data(text.utf8), to: descriptor)
    }
}
