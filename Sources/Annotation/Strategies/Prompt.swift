import Foundation
import Ranking

/// A versioned prompt: the text of `prompts/NAME.txt`, split into its system and user parts.
public struct Prompt: Sendable, Equatable {
    public var name: String
    public var system: String
    public var user: String
    /// `NAME@` and 12 hex digits of the file's SHA-256: a changed prompt is a new version.
    public var version: String

    public init(name: String, text: String, file: String = "") throws {
        guard let s = text.range(of: "SYSTEM:\n"), let u = text.range(of: "\nUSER:\n"), s.upperBound <= u.lowerBound else {
            throw InputError(file: file, "a prompt needs a 'SYSTEM:' line and a 'USER:' line", hint: "see prompts/README.md")
        }
        self.name = name
        system = String(text[s.upperBound..<u.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        user = String(text[u.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        version = name + "@" + String(SHA256.hex(Array(text.utf8)).prefix(12))
    }

    /// Loads `NAME.txt` from a prompts directory.
    public static func load(_ name: String, directory: String) throws -> Prompt {
        let path = directory + "/" + name + ".txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError(file: path, "cannot read the prompt", hint: "give --prompts DIR (the repository's prompts/, or PREFIX/share/famol/prompts)")
        }
        return try Prompt(name: name, text: text, file: path)
    }

    /// The prompts directory when none is given, first found of: FAMOL_PROMPTS, ./prompts,
    /// `prompts/` next to the binary, the installed `PREFIX/share/famol/prompts` (binary in
    /// PREFIX/bin), and the repository's `prompts/` (binary in .build/CONFIG/).
    public static func defaultDirectory() -> String? {
        let fm = FileManager.default
        let bin = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let prefix = bin.deletingLastPathComponent()
        let candidates = [ProcessInfo.processInfo.environment["FAMOL_PROMPTS"], fm.currentDirectoryPath + "/prompts",
                          bin.path + "/prompts", prefix.path + "/share/famol/prompts",
                          prefix.deletingLastPathComponent().path + "/prompts"].compactMap { $0 }
        return candidates.first { fm.fileExists(atPath: $0 + "/pointann.txt") }
    }

    public func render(query: String, documents: [String]) -> String {
        user.replacingOccurrences(of: "{query}", with: query)
            .replacingOccurrences(of: "{document}", with: documents.first ?? "")
            .replacingOccurrences(of: "{documents}", with: documents.enumerated().map { "[\($0.offset + 1)] \($0.element)" }.joined(separator: "\n"))
            .replacingOccurrences(of: "{count}", with: String(documents.count))
    }
}
