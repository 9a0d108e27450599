import Ranking

/// Grades from BM25 scores over the collection: the lexical baseline judge.
public struct BM25Judge: Judge {
    let index: FieldIndex
    let position: [String: Int]
    public var calibration: GradeCalibration

    public init(collection: TextCollection, calibration: GradeCalibration = .standard) {
        index = FieldIndex(texts: collection.documents.map { $0.title + " " + $0.body })
        position = Dictionary(uniqueKeysWithValues: collection.documents.enumerated().map { ($1.id, $0) })
        self.calibration = calibration
    }

    public var provenance: String { "bm25 judge (k1 1.2, b 0.75; \(calibration.description))" }

    public func judge(query: TextQuery, documents: [TextDocument]) throws -> [Judgment] {
        let terms = Analyzer().terms(query.text)
        let s = documents.map { d in position[d.id].map { index.bm25(terms, document: $0) } ?? 0 }
        let grades = calibration.grades(s)
        return documents.indices.map { Judgment(query: query.id, document: documents[$0].id, label: grades[$0], score: s[$0]) }
    }
}
