import Ranking

/// Labels drawn from reference labels through a confusion matrix: for controlled experiments
/// where no strong judge is at hand. Its provenance says so.
public struct SimulatedJudge: Judge {
    public let reference: Qrels
    /// confusion[true grade][judged grade] = probability; rows sum to 1.
    public let confusion: [[Double]]
    public let seed: UInt64

    public init(reference: Qrels, confusion: [[Double]] = SimulatedJudge.defaultConfusion, seed: UInt64 = 11) throws {
        for (g, row) in confusion.enumerated() where abs(row.reduce(0, +) - 1) > 1e-6 || row.contains(where: { $0 < 0 }) {
            throw InputError(file: "--confusion", field: "row \(g)", "probabilities must be non-negative and sum to 1")
        }
        self.reference = reference
        self.confusion = confusion
        self.seed = seed
    }

    /// Grades 0-4 judged with 70% accuracy, errors to neighbouring grades.
    public static let defaultConfusion: [[Double]] = [
        [0.85, 0.10, 0.05, 0.00, 0.00],
        [0.20, 0.60, 0.15, 0.05, 0.00],
        [0.05, 0.15, 0.60, 0.15, 0.05],
        [0.00, 0.05, 0.20, 0.60, 0.15],
        [0.00, 0.00, 0.10, 0.20, 0.70],
    ]

    public var provenance: String { "SIMULATED judge (reference labels through a \(confusion.count)x\(confusion.count) confusion matrix, seed \(seed)): not a real model" }

    public func judge(query: TextQuery, documents: [TextDocument]) throws -> [Judgment] {
        let rng = CounterRandom(seed: seed)
        return documents.map { d in
            let truth = min(max(reference.judgments[query.id]?[d.id] ?? 0, 0), confusion.count - 1)
            let u = rng.uniform(stableHash(query.id + "\t" + d.id))
            var acc = 0.0, grade = confusion.count - 1
            for (g, p) in confusion[truth].enumerated() { acc += p; if u < acc { grade = g; break } }
            return Judgment(query: query.id, document: d.id, label: Double(grade), score: Double(grade))
        }
    }
}

/// FNV-1a: a hash that is the same in every process (Swift's hashValue is seeded per process).
func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
