import Logging

/// Installs the process-wide log handler once, from the configured format and level.
public enum LoggingSetup {
    public static func bootstrap(_ settings: Configuration.LogSettings, output: LogOutput = .standardOutput) {
        let level = Logger.Level(rawValue: settings.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, output: output, format: settings.format)
            handler.logLevel = level
            return handler
        }
    }
}
