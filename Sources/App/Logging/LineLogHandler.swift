import Foundation
import Logging
import Synchronization

/// Writes each log event as one line to a `LogOutput` (which never blocks the caller). In JSON, one object per
/// line, the shape log shippers expect:
/// `{"ts":"2026-11-29T10:00:00.123Z","level":"info","label":"craft-sync","message":"...","request.id":"..."}`;
/// in text, `ts level label: message key=value ...` for a terminal.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogOutput
    private let format: Configuration.LogSettings.Format

    public init(label: String, output: LogOutput = .standardOutput, format: Configuration.LogSettings.Format = .json) {
        self.label = label
        self.output = output
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The longest line written: a value from the network (a header, an upstream error body) cannot make one line
    /// crowd real ones out of the output's queue.
    static let lineLimit = 16 * 1024
    /// The longest message and the longest metadata value, before the line limit applies.
    static let messageLimit = 4 * 1024
    static let valueLimit = 2 * 1024

    public func log(event: LogEvent) {
        var merged = metadata
        merged.merge(metadataProvider?.get() ?? [:]) { $1 }
        merged.merge(event.metadata ?? [:]) { $1 }
        let message = Self.cut(event.message.description, to: Self.messageLimit)
        if format == .text {
            // Control characters are escaped, so a value with a newline cannot forge a line of its own.
            let pairs = merged.sorted { $0.key < $1.key }.map { " \(Self.escaped($0.key))=\(Self.escaped(Self.text($0.value)))" }.joined()
            let line = "\(Self.timestamp()) \(event.level) \(label): \(Self.escaped(message))\(pairs)"
            output.write(Data((Self.cut(line, to: Self.lineLimit - 1) + "\n").utf8))
            return
        }
        var fields: [String: Any] = merged.mapValues(Self.jsonValue)
        fields["ts"] = Self.timestamp()
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = message
        if event.level >= .error { fields["source"] = "\(event.file):\(event.line)" }
        guard var data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        if data.count >= Self.lineLimit {
            // Many large values together: keep what says what happened, and say the rest was cut.
            let kept: [String: Any] = [
                "ts": fields["ts"]!, "level": fields["level"]!, "label": label, "message": message,
                "log.cut": "metadata left out: the line would have been \(data.count) bytes",
            ]
            guard let shorter = try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
            data = shorter
        }
        data.append(0x0A)
        output.write(data)
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): cut(string, to: valueLimit)
        case .stringConvertible(let convertible): cut(convertible.description, to: valueLimit)
        case .array(let array): array.prefix(64).map(jsonValue)
        case .dictionary(let dictionary): dictionary.mapValues(jsonValue)
        }
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): cut(string, to: valueLimit)
        case .stringConvertible(let convertible): cut(convertible.description, to: valueLimit)
        case .array, .dictionary: cut("\(value)", to: valueLimit)
        }
    }

    /// `text` cut to at most `limit` UTF-8 bytes (on a character boundary), marked with how much was left out.
    static func cut(_ text: String, to limit: Int) -> String {
        let count = text.utf8.count
        guard count > limit else { return text }
        var kept = Substring(text.utf8.prefix(limit - 32)).description
        while kept.utf8.count > limit - 32 { kept.removeLast() }
        return kept + "…[cut \(count - kept.utf8.count) bytes]"
    }

    /// C0 controls, DEL and the line and paragraph separators as escapes (`\n`, `\u{1B}`).
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    private static let timestampStyle = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true)
        .timeZone(separator: .omitted)

    private static func timestamp() -> String {
        Date.now.formatted(timestampStyle)
    }
}
