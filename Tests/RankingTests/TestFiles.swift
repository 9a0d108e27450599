import Foundation
@testable import Ranking

/// Temporary files for reader tests, removed with their directory at exit of the process.
enum TestFiles {
    static let directory: String = {
        let dir = NSTemporaryDirectory() + "famol-tests-\(getpid())"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    static func write(_ text: String, name: String = UUID().uuidString) -> String {
        let path = directory + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func subdirectory(_ name: String) -> String {
        let path = directory + "/" + name
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The bundled data sets, found from the package root's sibling `shared/`.
    static var datasets: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().path + "/shared/datasets"
    }
}

/// Runs `body` and returns the InputError it throws, or nil.
func inputError(_ body: () throws -> Void) -> InputError? {
    do { try body() } catch let e as InputError { return e } catch { return nil }
    return nil
}
