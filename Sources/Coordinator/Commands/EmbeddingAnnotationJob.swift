import Annotation
import Foundation
import Ranking

/// An embedded-judge annotation as one value: what `famol annotate --judge embedding`
/// runs, writes with --write-spec, and what `famol serve` runs for `famol submit annotate`.
struct EmbeddingAnnotationJob: JobSpecFile, Equatable {
    var judge = "embedding"
    var collection = AnnotationCandidates()
    /// "quantiles" or thresholds "t1,t2,t3".
    var calibration = "quantiles"
    var maxTokens = 256
    var modelDirectory: String?
    var threads = 2

    /// Encodes batches elsewhere (the workers of a cluster): the encoder's job and the batches.
    typealias RemoteEncoding = (EmbeddingJobSpec, [[String]]) throws -> [[[Float]]]

    static let what = "an embedding annotation spec"
    static let writtenBy = "famol annotate --judge embedding ..."

    /// Labels every candidate with the embedded judge and writes labels.qrels and labels.jsonl
    /// to `out`; `encode` runs the batches on a cluster when given. Returns the sha256 of
    /// labels.jsonl; `say` gets the lines a user reads.
    func run(outputDirectory out: String, encode: RemoteEncoding?, say: (String) -> Void) throws -> String {
        let collection = try self.collection.loadCollection()
        let lists = try self.collection.lists(collection)
        let cache = EmbeddingCache(encoder: try loadEncoder(modelDir: modelDirectory, maxTokens: maxTokens, threads: threads))
        let texts = Self.texts(collection, candidates: lists)
        if let encode {
            let job = EmbeddingJobSpec(modelID: cache.encoder.modelID, maxTokens: maxTokens, modelDirectory: modelDirectory)
            let batches = cache.missingBatches(texts).count
            let started = Date()
            try cache.prefill(texts) { try encode(job, $0) }
            say(String(format: "encoded %d texts in %d batches on the workers in %.1f s", Set(texts).count, batches, Date().timeIntervalSince(started)))
        } else {
            cache.prefill(texts)
        }
        let judge = EmbeddingJudge(cache: cache, calibration: try GradeCalibration.parse(calibration))
        let started = Date()
        let judgments = try AnnotationRun(collection: collection, candidates: lists).run(judge) { done, total in
            Progress.bar("annotate", done, total, started: started)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let jsonl = AnnotationRun.jsonl(judgments, judge: judge.provenance)
        try AtomicFile.write(AnnotationRun.qrels(judgments).render(), to: out + "/labels.qrels")
        try AtomicFile.write(jsonl, to: out + "/labels.jsonl")
        for line in AnnotationRun.summary(judgments, judge: judge.provenance, reference: collection.qrels, out: out) { say(line) }
        return SHA256.hex(Array(jsonl.utf8))
    }

    /// Each query with candidates, then its candidates' texts: what the judge will embed.
    static func texts(_ collection: TextCollection, candidates: [String: [String]]) -> [String] {
        let documents = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        var texts: [String] = []
        for q in collection.queries {
            guard let ids = candidates[q.id] else { continue }
            texts.append(q.text)
            texts += ids.compactMap { documents[$0] }.map(EmbeddingJudge.documentText)
        }
        return texts
    }
}

extension GradeCalibration {
    /// "quantiles" or increasing thresholds "t1,t2,t3" (`--calibration`).
    static func parse(_ text: String) throws -> GradeCalibration {
        if text == "quantiles" { return .standard }
        let t = try parseDoubleList(text, option: "--calibration", count: 3)
        guard t[0] <= t[1], t[1] <= t[2] else { throw InputError(file: "--calibration", "thresholds must increase") }
        return .thresholds(t[0], t[1], t[2])
    }
}

extension AnnotationRun {
    /// The lines `famol annotate` prints after a run: judge, counts, grades, and the ROC AUC
    /// against reference judgments when there are some.
    static func summary(_ judgments: [Judgment], judge: String, reference: Qrels, out: String) -> [String] {
        var lines = ["judge: \(judge)",
                     "\(judgments.count) judgments over \(Set(judgments.map(\.query)).count) queries -> \(out)/labels.qrels, \(out)/labels.jsonl"]
        let counts = Dictionary(grouping: judgments.compactMap(\.label), by: { Int($0) }).mapValues(\.count)
        lines.append("grades: " + counts.keys.sorted().map { "\($0): \(counts[$0]!)" }.joined(separator: ", "))
        if !reference.judgments.isEmpty {
            lines.append(String(format: "ROC AUC vs reference judgments (relevant = grade >= 1, pooled over queries): %.4f",
                                AnnotationRun.auc(judgments, reference: reference)))
        }
        return lines
    }
}
