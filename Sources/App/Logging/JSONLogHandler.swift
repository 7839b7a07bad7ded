import Foundation
import Logging
import Synchronization

/// Writes each log event as one JSON object on its own line, the shape log shippers expect:
/// `{"ts":"2026-11-29T10:00:00.123Z","level":"info","label":"craft-sync","message":"...","request.id":"..."}`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogOutput

    public init(label: String, output: LogOutput = .standardOutput) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        for (key, value) in metadata { fields[key] = Self.jsonValue(value) }
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = Self.jsonValue(value) }
        for (key, value) in event.metadata ?? [:] { fields[key] = Self.jsonValue(value) }
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

    private static func timestamp() -> String {
        Date.now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Where log lines go: standard output in production, memory in tests. Writes are serialised so that
/// lines from concurrent tasks never interleave.
public final class LogOutput: Sendable {
    private let sink: Mutex<Sink>

    enum Sink {
        case fileHandle(FileHandle)
        case memory([String])
    }

    public static let standardOutput = LogOutput(.fileHandle(.standardOutput))
    /// For one-shot commands, whose standard output is their answer.
    public static let standardError = LogOutput(.fileHandle(.standardError))
    public static func memory() -> LogOutput { LogOutput(.memory([])) }

    private init(_ sink: sending Sink) { self.sink = Mutex(sink) }

    func write(_ data: Data) {
        sink.withLock { sink in
            switch sink {
            case .fileHandle(let handle): handle.write(data)
            case .memory(var lines):
                lines.append(String(decoding: data, as: UTF8.self))
                sink = .memory(lines)
            }
        }
    }

    /// The lines written so far, for a memory output.
    public var lines: [String] {
        sink.withLock { sink in
            if case .memory(let lines) = sink { return lines }
            return []
        }
    }
}
