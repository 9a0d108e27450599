import Foundation

/// The four annotation strategies of the study (DESIGN.md section 5).
public enum Strategy: String, Sendable, Codable, CaseIterable {
    /// Grade one document (0-3).
    case pointann
    /// Grade every document of a list.
    case listann
    /// Select the relevant documents of a list (1 selected, 0 not).
    case listsel
    /// Rank the list (sliding window over long lists).
    case listrank

    public var maxGrade: Int { self == .listsel ? 1 : 3 }

    /// The JSON schema for structured output.
    public func schema(count: Int) -> [String: Any] {
        let ints: [String: Any] = ["type": "array", "items": ["type": "integer", "minimum": self == .listann ? 0 : 1,
                                                              "maximum": self == .listann ? 3 : max(count, 1)]]
        switch self {
        case .pointann:
            return ["type": "object", "properties": ["grade": ["type": "integer", "minimum": 0, "maximum": 3]], "required": ["grade"]]
        case .listann:
            return ["type": "object", "properties": ["grades": ints], "required": ["grades"]]
        case .listsel:
            return ["type": "object", "properties": ["relevant": ints], "required": ["relevant"]]
        case .listrank:
            return ["type": "object", "properties": ["ranking": ints], "required": ["ranking"]]
        }
    }

    /// Parses a model's answer for `count` documents: JSON first, then a tolerant reading of the
    /// numbers in the text. Per document: a grade (pointann, listann), 1/0 (listsel), or the
    /// rank position (listrank: 0 = first). nil when the answer cannot be read.
    public func parse(_ text: String, count: Int) -> [Double]? {
        let key = ["pointann": "grade", "listann": "grades", "listsel": "relevant", "listrank": "ranking"][rawValue]!
        var numbers: [Int]? = nil
        if let json = Self.firstJSONObject(in: text), let value = json[key] {
            if let n = value as? Int { numbers = [n] } else if let a = value as? [Any] { numbers = a.compactMap { ($0 as? NSNumber)?.intValue } }
        }
        if numbers == nil {
            let found = Self.integers(in: text)
            if found.isEmpty && !(self == .listsel && text.lowercased().contains("none")) { return nil }
            numbers = found
        }
        let n = numbers!
        switch self {
        case .pointann:
            guard let g = n.first, (0...3).contains(g) else { return nil }
            return [Double(g)]
        case .listann:
            // "[1] 2, [2] 0, ..." names each document: read the grade after each number.
            let pairs = Self.bracketedPairs(in: text)
            if !pairs.isEmpty {
                var grades = [Double?](repeating: nil, count: count)
                for (doc, grade) in pairs where (1...count).contains(doc) && (0...3).contains(grade) { grades[doc - 1] = Double(grade) }
                guard grades.allSatisfy({ $0 != nil }) else { return nil }
                return grades.map { $0! }
            }
            let grades = n.filter { (0...3).contains($0) }
            guard grades.count >= count else { return nil }
            return grades.prefix(count).map(Double.init)
        case .listsel:
            guard n.allSatisfy({ (1...count).contains($0) }) else { return nil }
            let chosen = Set(n)
            return (1...count).map { chosen.contains($0) ? 1 : 0 }
        case .listrank:
            var seen = Set<Int>()
            let order = n.filter { (1...count).contains($0) && seen.insert($0).inserted }
            guard !order.isEmpty else { return nil }
            let full = order + (1...count).filter { !seen.contains($0) }  // missing ones keep their order, last
            var position = [Double](repeating: 0, count: count)
            for (rank, doc) in full.enumerated() { position[doc - 1] = Double(rank) }
            return position
        }
    }

    static func firstJSONObject(in text: String) -> [String: Any]? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"), start < end else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text[start...end].utf8))) as? [String: Any]
    }

    /// `[i] g` pairs: a bracketed document number and the first number after it.
    static func bracketedPairs(in text: String) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
            let after = rest[rest.index(after: close)...]
            if let doc = Int(rest[rest.index(after: open)..<close]) {
                let next = after.prefix { $0 != "[" }
                if let grade = integers(in: String(next)).first { out.append((doc, grade)) }
            }
            rest = after
        }
        return out
    }

    static func integers(in text: String) -> [Int] {
        var out: [Int] = []
        var current = ""
        for c in text + " " {
            if c.isASCII && c.isNumber { current.append(c) } else if !current.isEmpty { out.append(Int(current) ?? -1); current = "" }
        }
        return out
    }

    /// Grades from ListRank positions: quartiles of the list, best quarter 3 down to 0.
    public static func gradesFromRanks(_ positions: [Double]) -> [Double] {
        let n = Double(positions.count)
        return positions.map { p in Double(3 - min(3, Int(p * 4 / max(n, 1)))) }
    }
}
