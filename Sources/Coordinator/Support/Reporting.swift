import ArgumentParser
import Annotation
import Cluster
import FamolLog
import Foundation
import Logging
import Ranking

/// Exit codes documented in `famol --help`.
enum ExitStatus {
    static let badInput = ExitCode(65)
    static let clusterUnavailable = ExitCode(69)
    static let internalFailure = ExitCode(70)
    /// EX_IOERR: a file could not be written (disk full, I/O error); nothing was lost.
    static let ioError = ExitCode(74)
}

/// Runs a command body and gives every error its documented exit code and a one-line message:
/// 65 bad input, 69 cluster or endpoint unavailable, 74 a file could not be written, 70 for
/// anything else (an internal failure: a bug to report). Usage errors (64) and exit codes
/// already decided pass through.
func reportingInputErrors(_ body: () throws -> Void) throws {
    do {
        try InjectedInternalFailure.raiseIfAsked()
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        let code = ExitStatus.code(for: error)
        printError(code == ExitStatus.internalFailure ? "error: internal failure (please report it): \(error)" : "error: \(error)")
        throw code
    }
}

extension ExitStatus {
    /// The exit code of an error that reached a command's top.
    static func code(for error: Error) -> ExitCode {
        switch error {
        case let e as LLMRunFailed: return e.code
        case is InputError, is DecodingError, is TrainingDiverged: return badInput
        case is ClusterError, is ZMQError, is ChatError, is SubmitClient.Lost: return clusterUnavailable
        case is AnnotationStore.StoreError, is ResultStoreFailed, is OutputError: return ioError
        case let e as CocoaError where e.isFileError: return e.code == .fileReadNoSuchFile || e.code == .fileReadNoPermission ? badInput : ioError
        case let e as NSError where e.domain == NSPOSIXErrorDomain: return ioError
        default: return internalFailure
        }
    }
}

/// An error or warning for the user: the line as written, or with `--log-format json` a
/// JSON record (level error) like every other log line.
func printError(_ text: String) {
    if LogSettings.current.format == .json {
        Log.famol.error("\(text)")
    } else {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The famol executable's loggers.
enum Log {
    /// "famol: ..." lines: the coordinator's events.
    static var famol: Logger {
        LogSettings.bootstrap()
        return Logger(label: "famol")
    }
}

/// Parses comma-separated integers such as `64,32`.
func parseIntList(_ text: String, option: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap { Int($0) }
    guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 }) else {
        throw ValidationError("\(option): '\(text)' is not a comma-separated list of positive integers")
    }
    return values
}

func parseDoubleList(_ text: String, option: String, count: Int) throws -> [Double] {
    let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard values.count == count else {
        throw ValidationError("\(option): expected \(count) comma-separated numbers, got '\(text)'")
    }
    return values
}

/// A fixed-width terminal table.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - s.count) + s
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

func fmt(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", v) }

/// The fault-injection seam of exit 70 (as `famol-worker --fault` is the workers'): with
/// FAMOL_INJECT_FAILURE=internal a command fails as a bug would, so that tests can check what a
/// user then sees. No input reaches exit 70 otherwise; every known error has its own code.
struct InjectedInternalFailure: Error, CustomStringConvertible {
    var description: String { "injected by FAMOL_INJECT_FAILURE=internal" }

    static func raiseIfAsked() throws {
        if ProcessInfo.processInfo.environment["FAMOL_INJECT_FAILURE"] == "internal" { throw InjectedInternalFailure() }
    }
}
