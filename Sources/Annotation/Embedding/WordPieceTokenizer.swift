import Foundation
import Ranking

/// BERT's uncased tokenizer: the basic tokenizer (clean-up, CJK spacing, accent stripping,
/// lower-casing, whitespace and punctuation splitting), then greedy longest-match WordPiece,
/// wrapped in `[CLS] ... [SEP]` and truncated to `maxLength` tokens. Matches the `tokenizers`
/// package's BertNormalizer + BertPreTokenizer + WordPiece for all-MiniLM-L6-v2.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let maxLength: Int
    let unknown: Int32, cls: Int32, sep: Int32
    let maxCharactersPerWord = 100

    public init(vocabularyFile: String, maxLength: Int = 256) throws {
        guard let text = try? String(contentsOfFile: vocabularyFile, encoding: .utf8) else {
            throw InputError(file: vocabularyFile, "cannot read the vocabulary")
        }
        var vocab: [String: Int32] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            vocab[String(line.hasSuffix("\r") ? line.dropLast() : line)] = Int32(i)
        }
        guard let unk = vocab["[UNK]"], let cls = vocab["[CLS]"], let sep = vocab["[SEP]"] else {
            throw InputError(file: vocabularyFile, "missing [UNK], [CLS] or [SEP]", hint: "give a BERT vocab.txt")
        }
        guard maxLength >= 2 else { throw InputError(file: "--max-tokens", "must be at least 2") }
        vocabulary = vocab
        self.maxLength = maxLength
        unknown = unk
        self.cls = cls
        self.sep = sep
    }

    /// Token ids of a text, `[CLS]` first and `[SEP]` last. Special tokens written in the text
    /// (`[SEP]`, `[MASK]`, ...) stay whole, as the `tokenizers` package treats its added tokens.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [cls]
        outer: for segment in splitSpecialTokens(text) {
            let pieces: [Int32]
            switch segment {
            case .special(let id): pieces = [id]
            case .text(let t): pieces = Self.basicTokens(t).flatMap(wordPieces)
            }
            for id in pieces {
                if ids.count == maxLength - 1 { break outer }
                ids.append(id)
            }
        }
        ids.append(sep)
        return ids
    }

    enum Segment { case text(String), special(Int32) }

    static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    func splitSpecialTokens(_ text: String) -> [Segment] {
        var out: [Segment] = []
        var start = text.startIndex, i = text.startIndex
        while i < text.endIndex {
            if text[i] == "[", let token = Self.specialTokens.first(where: { text[i...].hasPrefix($0) }), let id = vocabulary[token] {
                if start < i { out.append(.text(String(text[start..<i]))) }
                out.append(.special(id))
                i = text.index(i, offsetBy: token.count)
                start = i
            } else {
                i = text.index(after: i)
            }
        }
        if start < text.endIndex { out.append(.text(String(text[start...]))) }
        return out
    }

    func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > maxCharactersPerWord { return [unknown] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32? = nil
            while start < end {
                var piece = String(String.UnicodeScalarView(word[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            pieces.append(id)
            start = end
        }
        return pieces
    }

    /// The basic tokenizer: normalised words and single punctuation marks.
    static func basicTokens(_ text: String) -> [[Unicode.Scalar]] {
        // Clean-up and CJK spacing.
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) { cleaned.append(" "); continue }
            if isCJK(s) { cleaned.append(" "); cleaned.append(s); cleaned.append(" "); continue }
            cleaned.append(s)
        }
        // Accents: decompose, drop non-spacing marks; then lower-case.
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        var normal: [Unicode.Scalar] = []
        for s in decomposed.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
            normal.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        }
        // Split on whitespace, and isolate punctuation.
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in normal {
            if isWhitespace(s) {
                if !current.isEmpty { words.append(current); current = [] }
            } else if isPunctuation(s) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
