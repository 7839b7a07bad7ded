import Logging

/// Installs the process-wide log handler once, from the configured format and level.
public enum LoggingSetup {
    public static func bootstrap(_ settings: Configuration.LogSettings, output: LogOutput = .standardOutput) {
        let level = Logger.Level(rawValue: settings.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch settings.format {
            case .json: handler = JSONLogHandler(label: label, output: output)
            case .text:
                handler = output === LogOutput.standardError ? StreamLogHandler.standardError(label: label) : StreamLogHandler.standardOutput(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}
