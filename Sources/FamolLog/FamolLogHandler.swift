import Foundation
import Logging

/// How log lines are written: the human-readable lines famol always printed, or one JSON
/// object per line for a log collector (Loki, CloudWatch, journald's JSON).
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// famol's log settings, read when a logger is made: `--log-level` and `--log-format` set
/// them (and the environment, FAMOL_LOG_LEVEL and FAMOL_LOG_FORMAT, so that child processes
/// started by `famol local` log the same way).
public enum LogSettings {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var level: Logger.Level = fromEnvironment("FAMOL_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
    nonisolated(unsafe) private static var format: LogFormat = fromEnvironment("FAMOL_LOG_FORMAT").flatMap(LogFormat.init(rawValue:)) ?? .text

    private static func fromEnvironment(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }

    public static var current: (level: Logger.Level, format: LogFormat) {
        lock.lock()
        defer { lock.unlock() }
        return (level, format)
    }

    /// Sets the level and format for loggers made from now on, here and in child processes.
    public static func set(level: Logger.Level? = nil, format: LogFormat? = nil) {
        lock.lock()
        if let level { self.level = level; setenv("FAMOL_LOG_LEVEL", level.rawValue, 1) }
        if let format { self.format = format; setenv("FAMOL_LOG_FORMAT", format.rawValue, 1) }
        lock.unlock()
    }

    /// Installs famol's handler as swift-log's backend (once per process).
    public static func bootstrap() {
        bootstrapOnce
    }

    private static let bootstrapOnce: Void = {
        LoggingSystem.bootstrap { label in
            let (level, format) = LogSettings.current
            return FamolLogHandler(label: label, level: level, format: format)
        }
    }()
}

/// Writes each record as one line on stderr. Text: `LABEL: message` (`warning:` and `error:`
/// marked), as famol printed before it used swift-log. JSON: time, level, logger, message and
/// the metadata, one object per line.
public struct FamolLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let label: String
    public let format: LogFormat
    /// Where lines go: stderr, or a log file (a study's cluster log).
    public let output: FileHandle

    public init(label: String, level: Logger.Level, format: LogFormat, output: FileHandle = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.output = output
    }

    /// A logger with famol's current settings writing to `output`.
    public static func logger(label: String, output: FileHandle) -> Logger {
        let (level, format) = LogSettings.current
        return Logger(label: label) { FamolLogHandler(label: $0, level: level, format: format, output: output) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        let all = metadata.merging(explicit ?? [:]) { _, new in new }
        let text: String
        switch format {
        case .text:
            let mark = level >= .error ? "error: " : level == .warning ? "warning: " : ""
            text = "\(label): \(mark)\(message)"
        case .json:
            var object: [String: Any] = ["time": Self.timestamp(), "level": level.rawValue, "logger": label, "message": "\(message)"]
            for (key, value) in all { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        }
        output.write(Data((text + "\n").utf8))
    }

    /// Made once: a formatter is costly to build, and one is used from every thread.
    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
    private static let formatterLock = NSLock()

    static func timestamp() -> String {
        formatterLock.lock()
        defer { formatterLock.unlock() }
        return formatter.string(from: Date())
    }
}
