import Foundation
import Ranking

/// A job that travels as one JSON file: written by `--write-spec`, sent by `famol submit`.
protocol JobSpecFile: Codable {
    /// What the file holds, for errors ("an LLM annotation spec").
    static var what: String { get }
    /// The command that writes one, for errors.
    static var writtenBy: String { get }
}

extension JobSpecFile {
    var json: String { try! CanonicalJSON.string(self) }

    static func parse(_ text: String, source: String) throws -> Self {
        do {
            return try JSONDecoder().decode(Self.self, from: Data(text.utf8))
        } catch {
            throw InputError(file: source, "not \(what) (JSON): \(error)", hint: "write one with \(writtenBy) --write-spec FILE")
        }
    }
}
