import Foundation
import Ranking

/// Labels every candidate of every query with a judge, and measures the labels against
/// reference judgments when there are some.
public struct AnnotationRun: Sendable {
    public var collection: TextCollection
    /// Candidate document ids per query id.
    public var candidates: [String: [String]]

    public init(collection: TextCollection, candidates: [String: [String]]) {
        self.collection = collection
        self.candidates = candidates
    }

    /// BM25 top-k candidates of every query.
    public static func bm25Candidates(_ collection: TextCollection, k: Int) -> [String: [String]] {
        let extractor = FeatureExtractor(collection: collection)
        var out: [String: [String]] = [:]
        for q in collection.queries { out[q.id] = extractor.candidates(for: q.text, k: k).map { collection.documents[$0].id } }
        return out
    }

    public func run(_ judge: Judge, progress: (Int, Int) -> Void = { _, _ in }) throws -> [Judgment] {
        let documents = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        let queries = collection.queries.filter { candidates[$0.id] != nil }
        var out: [Judgment] = []
        for (i, q) in queries.enumerated() {
            let docs = try candidates[q.id]!.map { id -> TextDocument in
                guard let d = documents[id] else { throw InputError(file: "--candidates", field: id, "candidate document not in the collection") }
                return d
            }
            out += try judge.judge(query: q, documents: docs)
            progress(i + 1, queries.count)
        }
        return out
    }

    /// ROC AUC of the judgments' scores between judged-relevant (grade >= 1) and other candidates.
    public static func auc(_ judgments: [Judgment], reference: Qrels) -> Double {
        var pos: [Double] = [], neg: [Double] = []
        for j in judgments {
            guard let s = j.score ?? j.label else { continue }
            if (reference.judgments[j.query]?[j.document] ?? 0) >= 1 { pos.append(s) } else { neg.append(s) }
        }
        return rocAUC(positives: pos, negatives: neg)
    }

    /// Judgments as qrels (abstentions left out).
    public static func qrels(_ judgments: [Judgment]) -> Qrels {
        var q = Qrels()
        for j in judgments { if let l = j.label { q.judgments[j.query, default: [:]][j.document] = Int(l.rounded()) } }
        return q
    }

    public static func jsonl(_ judgments: [Judgment], judge: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        struct Row: Encodable { var judgment: Judgment; var judge: String
            func encode(to e: Encoder) throws { try judgment.encode(to: e); var c = e.container(keyedBy: K.self); try c.encode(judge, forKey: .judge) }
            enum K: String, CodingKey { case judge }
        }
        return judgments.map { String(decoding: try! encoder.encode(Row(judgment: $0, judge: judge)), as: UTF8.self) + "\n" }.joined()
    }
}
