import Foundation

/// The files of a study run: label sources, each simulated world's log and data, and
/// per-model output directories, as `famol train` (in process or on a cluster) reads them.
final class StudyFiles {
    let root: String
    /// Data files already written in this run: every arm of a world shares them.
    private var written = Set<String>()

    init(root: String) { self.root = root }

    /// One simulated world's shared files.
    struct World {
        var directory: String
        var clicksPath: String
        var bandsPath: String
        var dataset: RankingDataset
    }

    func labelsPath(_ source: Int, negatives: String? = nil) -> String {
        root + "/data/labels-\(source)" + (negatives.map { "-" + slug($0) } ?? "") + ".qrels"
    }

    /// Each source's labels, and the same with every true negative of each kind graded 0.
    func writeLabels(_ sources: [LabelSource], negatives: [(String, RankingDataset)]) throws {
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        for (i, s) in sources.enumerated() {
            try AtomicFile.write(s.qrels.render(), to: labelsPath(i))
            for (kind, data) in negatives {
                var q = s.qrels
                for query in data.queries { for d in query.docIDs { q.judgments[query.id, default: [:]][d] = 0 } }
                try AtomicFile.write(q.render(), to: labelsPath(i, negatives: kind))
            }
        }
    }

    func writeWorld(_ world: StudyWorld, simulation: Int) throws -> World {
        let dir = root + "/data/\(slug(world.group))/sim-\(simulation + 1)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let w = World(directory: dir, clicksPath: dir + "/clicks.jsonl", bandsPath: dir + "/bands.txt", dataset: world.dataset)
        try AtomicFile.write(ClickLog.writeJSONL(world.impressions), to: w.clicksPath)
        try AtomicFile.write(world.bands.render(), to: w.bandsPath)
        try AtomicFile.write(world.gold.render(), to: dir + "/gold.qrels")
        return w
    }

    /// One directory per model; cross-validation adds one per fold.
    func modelDirectory(_ method: StudyMethod, world: World, split: Int, of splits: Int, seed: Int) -> String {
        world.directory + "/models/\(method.slug)/seed-\(seed + 1)" + (splits > 1 ? "/fold-\(split + 1)" : "")
    }

    /// Writes a method's training data (once per world, features and split) and returns its
    /// spec. Only the oracle's file carries the gold grades; every other arm's has label 0 on
    /// every row and takes its labels from the judge's qrels, so no gold grade is in its inputs.
    func spec(for method: StudyMethod, world: World, split: Int, train: RankingDataset,
              config: TrainerConfig, objective: ObjectiveSpec) throws -> TrainingSpec {
        let oracle = method.labels == .gold
        let name = "\(method.features.rawValue)-\(oracle ? "gold" : "unlabelled")\(method.negatives.map { "-" + slug($0) } ?? "")-split-\(split + 1)"
        let trainPath = world.directory + "/\(name).svm", validPath = world.directory + "/no-validation.svm"
        if written.insert(trainPath).inserted {
            var data = train
            if !oracle { for i in data.queries.indices { data.queries[i].labels = [Float](repeating: 0, count: data.queries[i].count) } }
            try AtomicFile.write(SVMLightWriter.render(data), to: trainPath)
        }
        if written.insert(validPath).inserted { try AtomicFile.write("", to: validPath) }
        var spec = TrainingSpec(trainPath: trainPath, validPath: validPath)
        spec.clicksPath = world.clicksPath
        spec.bandsPath = world.bandsPath
        if case .judge(let i) = method.labels, objective.supervision != .clicks { spec.labelsPath = labelsPath(i, negatives: method.negatives) }
        spec.config = config
        spec.objective = objective
        return spec
    }

    private func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
