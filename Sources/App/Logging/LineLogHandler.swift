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

    public func log(event: LogEvent) {
        var merged = metadata
        merged.merge(metadataProvider?.get() ?? [:]) { $1 }
        merged.merge(event.metadata ?? [:]) { $1 }
        if format == .text {
            let pairs = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            output.write(Data("\(Self.timestamp()) \(event.level) \(label): \(event.message)\(pairs)\n".utf8))
            return
        }
        var fields: [String: Any] = merged.mapValues(Self.jsonValue)
        fields["ts"] = Self.timestamp()
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        if event.level >= .error { fields["source"] = "\(event.file):\(event.line)" }
        guard var data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        output.write(data)
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(jsonValue)
        case .dictionary(let dictionary): dictionary.mapValues(jsonValue)
        }
    }

    private static let timestampStyle = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true)
        .timeZone(separator: .omitted)

    private static func timestamp() -> String {
        Date.now.formatted(timestampStyle)
    }
}
