import Foundation

/// The paper's study: every supervision mode, the feature ablation, true negatives and the
/// annotation strategies, each trained with k-fold cross-validation over queries so that
/// every query is tested once, evaluated per frequency band on the reference judgments.
public struct BandStudy: Sendable {
    public var config: StudyConfig
    public init(config: StudyConfig) { self.config = config }

    /// What the study needs besides its settings.
    public struct Inputs: Sendable {
        /// Candidates and features; labels are the reference (human) judgments.
        public var dataset: RankingDataset
        public var features: [FeatureInfo]
        /// The text collection, to compute the features of true negatives.
        public var collection: TextCollection
        /// Training labels; the first is the primary source.
        public var labelSources: [LabelSource]

        public init(dataset: RankingDataset, features: [FeatureInfo], collection: TextCollection, labelSources: [LabelSource]) {
            self.dataset = dataset
            self.features = features
            self.collection = collection
            self.labelSources = labelSources
        }
    }

    /// Runs the study, writing each model's files under `directory`.
    public func run(_ inputs: Inputs, trainer: StudyTrainer, directory: String,
                    progress: (_ done: Int, _ total: Int, _ what: String) -> Void = { _, _, _ in }) throws -> StudyResult {
        guard config.folds >= 2 else { throw InputError(file: "folds", "cross-validation needs at least 2 folds", hint: "set folds to 2 or more") }
        guard !inputs.labelSources.isEmpty else { throw InputError(file: "labels", "the study needs a source of training labels") }
        var dataset = inputs.dataset
        if let limit = config.queryLimit { dataset.queries = Array(dataset.queries.prefix(limit)) }
        // Each fold needs test queries, and the other folds a training and a validation query.
        guard dataset.queries.count >= 2 * config.folds else {
            throw InputError(file: "queries", "\(dataset.queries.count) queries are too few for \(config.folds) folds",
                             hint: "use at least \(2 * config.folds) queries or fewer folds")
        }
        let impressions = ClickSimulator(config: config.clicks).simulate(dataset)
        var builder = TrainingSetBuilder(dataset: dataset)
        builder.impressions = impressions
        let bands = builder.resolvedBands()
        let folds = foldAssignment(dataset.queries.map(\.id))
        let smooth = config.famolSmooth ?? Self.medianSmooth(bands, queries: dataset.queries.map(\.id))
        let methods = StudyMethod.plan(config, labelSources: inputs.labelSources, smooth: smooth)

        let files = StudyFiles(root: directory)
        try files.writeShared(impressions: impressions, bands: bands, labelSources: inputs.labelSources)
        let withNegatives = config.trueNegatives > 0
            ? TrueNegatives(perQuery: config.trueNegatives, seed: config.trainer.seed &+ 0x7E).adding(to: dataset, collection: inputs.collection)
            : nil

        var evaluations: [String: StudyResult.Evaluation] = [:]
        func record(_ method: String, _ section: StudySection, _ testSet: String, _ run: TrecRun, _ qrels: Qrels) {
            let key = method + "\u{1F}" + testSet
            var e = evaluations[key] ?? .init(method: method, section: section.rawValue, testSet: testSet, perQuery: [:])
            for (qid, values) in Evaluator(metrics: config.metrics).perQuery(qrels: qrels, run: run) {
                for (m, v) in values { e.perQuery[m.description, default: [:]][qid] = v }
            }
            evaluations[key] = e
        }
        record("BM25", .main, "standard", Self.bm25Run(dataset), dataset.qrels)
        if let withNegatives { record("BM25", .main, "true-negatives", Self.bm25Run(withNegatives), withNegatives.qrels) }

        var infos: [StudyResult.MethodInfo] = []
        let total = methods.count * config.folds
        var done = 0
        for method in methods {
            var info = StudyResult.MethodInfo(name: method.name, section: method.section.rawValue, supervision: method.objective.supervision.rawValue,
                                              features: method.features.rawValue, trueNegatives: method.trueNegatives,
                                              labelSource: inputs.labelSources[method.labelSource].name, curves: [], bestEpochs: [])
            let columns = method.features.columns(inputs.features)
            let variant = (method.trueNegatives ? withNegatives! : dataset).selectingFeatures(columns)
            for fold in 0..<config.folds {
                progress(done, total, "\(method.name), fold \(fold + 1)/\(config.folds)")
                let split = split(variant, folds: folds, fold: fold)
                let spec = try files.spec(for: method, fold: fold, train: split.train, valid: split.valid, config: config.trainer)
                let model = try trainer.train(spec, directory: files.modelDirectory(method, fold: fold))
                info.curves.append(model.history.map(\.validation))
                info.bestEpochs.append(model.bestEpoch + 1)
                let testSet = method.trueNegatives ? "true-negatives" : "standard"
                record(method.name, method.section, testSet, Scoring.run(ranker: model.ranker, parameters: model.parameters, dataset: split.test), split.test.qrels)
                if let withNegatives, !method.trueNegatives, method.features == .all {
                    let test = self.split(withNegatives, folds: folds, fold: fold).test
                    record(method.name, method.section, "true-negatives", Scoring.run(ranker: model.ranker, parameters: model.parameters, dataset: test), test.qrels)
                }
                done += 1
            }
            infos.append(info)
        }
        progress(total, total, "done")
        let order = ["BM25"] + methods.map(\.name)
        let sorted = evaluations.values.sorted { a, b in
            let (ia, ib) = (order.firstIndex(of: a.method)!, order.firstIndex(of: b.method)!)
            return ia != ib ? ia < ib : a.testSet > b.testSet  // "standard" before "true-negatives"
        }
        return StudyResult(metrics: config.metrics.map(\.description), methods: infos, evaluations: sorted,
                           bands: bands.band.filter { folds[$0.key] != nil }.mapValues(\.rawValue),
                           frequencies: bands.frequency.filter { folds[$0.key] != nil }, folds: folds,
                           agreement: Self.agreement(dataset, impressions: impressions, bands: bands, sources: inputs.labelSources),
                           impressions: impressions.count, clicks: impressions.reduce(0) { $0 + $1.clicked.count },
                           famolSmooth: smooth)
    }

    /// Train, validation and test queries of a fold: of the queries outside the test fold,
    /// every fifth (in natural order) validates, at least one, and the rest train.
    func split(_ data: RankingDataset, folds: [String: Int], fold: Int) -> (train: RankingDataset, valid: RankingDataset, test: RankingDataset) {
        let rest = data.queries.map(\.id).filter { folds[$0] != fold }.sorted(by: naturalOrder)
        var validIDs = Set(rest.enumerated().filter { $0.offset % 5 == 4 }.map(\.element))
        if validIDs.isEmpty, rest.count >= 2 { validIDs.insert(rest.last!) }
        func subset(_ keep: (String) -> Bool) -> RankingDataset {
            RankingDataset(featureCount: data.featureCount, queries: data.queries.filter { keep($0.id) })
        }
        return (subset { folds[$0] != fold && !validIDs.contains($0) }, subset { validIDs.contains($0) }, subset { folds[$0] == fold })
    }

    /// Fold of each query: a seeded permutation dealt round-robin, so folds differ by at most one query.
    func foldAssignment(_ ids: [String]) -> [String: Int] {
        let sorted = ids.sorted(by: naturalOrder)
        let perm = CounterRandom(seed: config.trainer.seed).permutation(sorted.count, 0xF01D, 0)
        var out: [String: Int] = [:]
        for (k, i) in perm.enumerated() { out[sorted[i]] = k % config.folds }
        return out
    }

    /// Smooth FAMOL with gamma 2 and the threshold at the median log(1 + f).
    static func medianSmooth(_ bands: FrequencyBands, queries: [String]) -> FamolWeighting {
        let logs = queries.map { log(1 + Double(bands.frequency[$0] ?? 0)) }.sorted()
        let mid = logs.count / 2
        let median = logs.isEmpty ? 0 : (logs.count % 2 == 1 ? logs[mid] : (logs[mid - 1] + logs[mid]) / 2)
        return .smooth(gamma: 2, threshold: (median * 1e6).rounded() / 1e6)
    }

    /// BM25's ranking: the candidates in retrieval order, then any added documents.
    static func bm25Run(_ data: RankingDataset) -> TrecRun {
        var run = TrecRun(tag: "bm25")
        for q in data.queries {
            run.results[q.id] = q.docIDs.enumerated().map { TrecRun.Entry(docID: $1, score: Double(q.count - $0)) }
        }
        return run
    }
}
