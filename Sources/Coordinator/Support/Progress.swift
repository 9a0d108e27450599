import Foundation

/// A one-line progress bar on standard error (redrawn in place on a terminal, every 10% otherwise).
enum Progress {
    static let isTerminal = isatty(2) != 0

    static func bar(_ label: String, _ done: Int, _ total: Int, started: Date, extra: String = "") {
        guard total > 0 else { return }
        let fraction = Double(done) / Double(total)
        if !isTerminal && done != total && (done * 10 / total) == ((done - 1) * 10 / total) { return }
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
        let line = "\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) \(String(format: "%.1f/s", rate)) \(extra)"
        FileHandle.standardError.write(Data(((isTerminal ? "\r" : "") + line + (done == total || !isTerminal ? "\n" : "")).utf8))
    }
}
