import Foundation
import SyncEngine

/// The progress of `craft-sync sync` on a long first sync: on a terminal one line rewritten in place; written
/// elsewhere (a log file, CI), a line every `every` items and one at the end, so logs stay readable.
public struct SyncProgressReporter: Sendable {
    let interactive: Bool
    let every: Int
    let write: @Sendable (String) -> Void

    public init(interactive: Bool, every: Int = 100, write: @escaping @Sendable (String) -> Void) {
        self.interactive = interactive
        self.every = max(1, every)
        self.write = write
    }

    /// To standard error, interactive when that is a terminal.
    public static func standardError() -> SyncProgressReporter {
        SyncProgressReporter(interactive: isatty(STDERR_FILENO) == 1) { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    public func report(_ progress: IntakeProgress) {
        let finished = progress.done == progress.total
        if interactive {
            // Carriage return and erase-to-end-of-line (ECMA-48 EL) redraw the line; the last one ends it.
            write("\r" + Self.line(progress) + "\u{1B}[K" + (finished ? "\n" : ""))
        } else if progress.done % every == 0 || finished {
            write(Self.line(progress) + "\n")
        }
    }

    /// `ws-demo: 120/500 (24%), 118 created, 2 failed, 14.2 items/s, about 27 s left`
    static func line(_ progress: IntakeProgress) -> String {
        let percent = progress.total == 0 ? 100 : progress.done * 100 / progress.total
        var parts = ["\(progress.workspaceID): \(progress.done)/\(progress.total) (\(percent)%)", "\(progress.created) created", "\(progress.failed) failed"]
        if let rate = progress.perSecond { parts.append(String(format: "%.1f items/s", rate)) }
        if progress.done < progress.total, let remaining = progress.remaining {
            let seconds = Int(remaining.components.seconds)
            parts.append(seconds >= 120 ? "about \(seconds / 60) min left" : "about \(seconds) s left")
        }
        return parts.joined(separator: ", ")
    }
}
