/// Turns text into index terms: lower-case alphanumeric runs, stop words removed, plurals folded.
public struct Analyzer: Sendable {
    public init() {}

    public func terms(_ text: String) -> [String] {
        var out: [String] = []
        var current: [UInt8] = []
        func flush() {
            guard !current.isEmpty else { return }
            let word = String(decoding: current, as: UTF8.self)
            current.removeAll(keepingCapacity: true)
            if !Analyzer.stopWords.contains(word) { out.append(Analyzer.stem(word)) }
        }
        for b in text.utf8 {
            if (b >= 97 && b <= 122) || (b >= 48 && b <= 57) {
                current.append(b)
            } else if b >= 65 && b <= 90 {
                current.append(b + 32)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// A light plural stemmer (Harman's S-stemmer): enough to match "wings" with "wing".
    static func stem(_ w: String) -> String {
        guard w.count > 3, w.hasSuffix("s") else { return w }
        if w.hasSuffix("ies") && !w.hasSuffix("eies") && !w.hasSuffix("aies") { return String(w.dropLast(3)) + "y" }
        if w.hasSuffix("es") && !w.hasSuffix("aes") && !w.hasSuffix("ees") && !w.hasSuffix("oes") { return String(w.dropLast(1)) }
        if !w.hasSuffix("us") && !w.hasSuffix("ss") { return String(w.dropLast()) }
        return w
    }

    static let stopWords: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did",
        "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have",
        "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "itself", "just", "may", "me", "more", "most", "must", "my", "no", "nor", "not", "now", "of", "off", "on",
        "once", "one", "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some",
        "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
        "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where",
        "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    ]
}
