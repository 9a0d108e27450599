/// Trains each method with k-fold cross-validation over queries and scores every query once,
/// per frequency band: the per-band comparison of click, label and fused supervision.
public struct BandStudy: Sendable {
    public var config: StudyConfig
    public init(config: StudyConfig) { self.config = config }

    public struct Result: Sendable {
        public var methods: [String]
        /// Method -> query -> nDCG@10.
        public var perQuery: [String: [String: Double]]
        public var bands: FrequencyBands
        public var impressions: Int
        public var clicks: Int

        /// Mean nDCG@10 of a method over a band (nil = all queries).
        public func mean(_ method: String, band: Band?) -> Double {
            let values = perQuery[method]!.filter { band == nil || bands.band[$0.key] == band }
            let ordered = values.keys.sorted(by: naturalOrder).map { values[$0]! }
            return ordered.isEmpty ? 0 : ordered.reduce(0, +) / Double(ordered.count)
        }

        public func count(band: Band?) -> Int {
            perQuery.values.first.map { $0.keys.filter { band == nil || bands.band[$0] == band }.count } ?? 0
        }
    }

    /// Runs the study on a candidate data set whose labels are the reference judgments.
    public func run(_ full: RankingDataset, log: (String) -> Void = { _ in }) throws -> Result {
        guard config.folds >= 2 else { throw InputError(file: "--folds", "cross-validation needs at least 2 folds") }
        var dataset = full
        if let limit = config.queryLimit { dataset.queries = Array(dataset.queries.prefix(limit)) }
        let impressions = ClickSimulator(config: config.clicks).simulate(dataset)
        var builder = TrainingSetBuilder(dataset: dataset)
        builder.impressions = impressions
        let bands = builder.resolvedBands()
        builder.bands = bands
        builder.qrels = config.trainingLabels
        let examples = builder.build()
        let folds = foldAssignment(dataset.queries.map(\.id))
        let metric = Metric.ndcg(10)
        var perQuery: [String: [String: Double]] = ["BM25": [:]]
        // The candidate order is BM25's: score by reverse rank.
        var bm25 = TrecRun(tag: "bm25")
        for q in dataset.queries {
            bm25.results[q.id] = q.docIDs.enumerated().map { TrecRun.Entry(docID: $1, score: Double(q.count - $0)) }
        }
        for (qid, v) in Evaluator(metrics: [metric]).perQuery(qrels: dataset.qrels, run: bm25) { perQuery["BM25"]![qid] = v[metric]! }
        for method in config.methods {
            perQuery[method.name] = [:]
            for fold in 0..<config.folds {
                // Of the queries outside the test fold, every fifth validates, the rest train.
                let rest = dataset.queries.map(\.id).filter { folds[$0] != fold }.sorted(by: naturalOrder)
                let validIDs = Set(rest.enumerated().filter { $0.offset % 5 == 4 }.map(\.element))
                let train = examples.filter { folds[$0.query.id] != fold && !validIDs.contains($0.query.id) }
                let valid = RankingDataset(featureCount: dataset.featureCount,
                                           queries: dataset.queries.filter { validIDs.contains($0.id) })
                let test = RankingDataset(featureCount: dataset.featureCount,
                                          queries: dataset.queries.filter { folds[$0.id] == fold })
                let trainer = Trainer(config: config.trainer, objective: method.objective, examples: train, validation: valid)
                let state = try trainer.train()
                let run = Scoring.run(ranker: trainer.ranker, parameters: state.best, dataset: test)
                for (qid, v) in Evaluator(metrics: [metric]).perQuery(qrels: test.qrels, run: run) {
                    perQuery[method.name]![qid] = v[metric]!
                }
                log("\(method.name): fold \(fold + 1)/\(config.folds), best epoch \(state.bestEpoch + 1), valid nDCG@10 \(state.bestScore)")
            }
        }
        return Result(methods: ["BM25"] + config.methods.map(\.name), perQuery: perQuery, bands: bands,
                      impressions: impressions.count, clicks: impressions.reduce(0) { $0 + $1.clicked.count })
    }

    /// Fold of each query: a seeded permutation dealt round-robin, so folds differ by at most one query.
    func foldAssignment(_ ids: [String]) -> [String: Int] {
        let sorted = ids.sorted(by: naturalOrder)
        let perm = CounterRandom(seed: config.trainer.seed).permutation(sorted.count, 0xF01D, 0)
        var out: [String: Int] = [:]
        for (k, i) in perm.enumerated() { out[sorted[i]] = k % config.folds }
        return out
    }
}
