import ArgumentParser
import Logging

/// `--log-level` and `--log-format`, shared by famol's long-running commands and famol-worker.
public struct LoggingOptions: ParsableArguments {
    @Option(help: "Least important messages logged: trace, debug, info, notice, warning, error or critical (default info, or FAMOL_LOG_LEVEL).")
    public var logLevel: Logger.Level?
    @Option(help: "Log lines as text (default, or FAMOL_LOG_FORMAT) or json (one object per line, for a log collector).")
    public var logFormat: LogFormat?

    public init() {}

    /// Applies the options (here and to child processes) and installs famol's log handler.
    public func apply() {
        LogSettings.set(level: logLevel, format: logFormat)
        LogSettings.bootstrap()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
