import ArgumentParser
import Annotation
import Cluster
import Foundation
import Ranking

/// Exit codes documented in `famol --help`.
enum ExitStatus {
    static let badInput = ExitCode(65)
    static let clusterUnavailable = ExitCode(69)
    static let internalFailure = ExitCode(70)
    /// EX_IOERR: a file could not be written (disk full, I/O error); nothing was lost.
    static let ioError = ExitCode(74)
}

/// Runs a command body, turning input errors into a one-line message and exit code 65.
func reportingInputErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as InputError {
        printError("error: \(error)")
        throw ExitStatus.badInput
    } catch let error as ClusterError {
        printError("error: \(error)")
        throw ExitStatus.clusterUnavailable
    } catch let error as ZMQError {
        printError("error: \(error)")
        throw ExitStatus.clusterUnavailable
    } catch let error as AnnotationStore.StoreError {
        printError("error: \(error)")
        throw ExitStatus.ioError
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
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
