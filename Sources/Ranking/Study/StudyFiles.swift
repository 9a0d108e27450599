import Foundation

/// The files of a study run: shared inputs, per-fold data and per-model output directories,
/// as `famol train` (in process or on a cluster) reads and writes them.
final class StudyFiles {
    let root: String
    /// Fold directories already written in this run: every method of a variant shares them.
    private var written = Set<String>()

    init(root: String) { self.root = root }

    var clicksPath: String { root + "/data/clicks.jsonl" }
    var bandsPath: String { root + "/data/bands.txt" }
    func labelsPath(_ source: Int) -> String { root + "/data/labels-\(source).qrels" }

    func writeShared(impressions: [Impression], bands: FrequencyBands, labelSources: [LabelSource]) throws {
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        try AtomicFile.write(ClickLog.writeJSONL(impressions), to: clicksPath)
        try AtomicFile.write(bands.render(), to: bandsPath)
        for (i, s) in labelSources.enumerated() { try AtomicFile.write(s.qrels.render(), to: labelsPath(i)) }
    }

    func modelDirectory(_ method: StudyMethod, fold: Int) -> String { root + "/models/\(method.slug)/fold-\(fold + 1)" }

    /// Writes the fold's data for a method's variant (once per run) and returns its spec.
    func spec(for method: StudyMethod, fold: Int, train: RankingDataset, valid: RankingDataset, config: TrainerConfig) throws -> TrainingSpec {
        let variant = method.features.rawValue + (method.trueNegatives ? "-true-negatives" : "")
        let dir = root + "/data/\(variant)/fold-\(fold + 1)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let trainPath = dir + "/train.svm", validPath = dir + "/valid.svm"
        if written.insert(dir).inserted {
            try AtomicFile.write(SVMLightWriter.render(train), to: trainPath)
            try AtomicFile.write(SVMLightWriter.render(valid), to: validPath)
        }
        var spec = TrainingSpec(trainPath: trainPath, validPath: validPath)
        spec.clicksPath = clicksPath
        spec.bandsPath = bandsPath
        if method.objective.supervision != .clicks { spec.labelsPath = labelsPath(method.labelSource) }
        spec.config = config
        spec.objective = method.objective
        return spec
    }
}
