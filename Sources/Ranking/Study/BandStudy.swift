import Foundation

/// The paper's study: every supervision arm in simulated worlds of several document-quality
/// strengths (and a negative control), each over several simulation and training seeds,
/// evaluated per frequency band on the gold judgments, which no arm but the oracle sees.
public struct BandStudy: Sendable {
    public var config: StudyConfig
    public init(config: StudyConfig) { self.config = config }

    /// What the study needs besides its settings.
    public struct Inputs: Sendable {
        /// Candidates and features; labels are the collection's human judgments.
        public var dataset: RankingDataset
        public var features: [FeatureInfo]
        /// Training labels; the first is the primary source.
        public var labelSources: [LabelSource]
        /// Kinds of true negatives ("random negatives", "hard negatives"): documents to add
        /// to each query's list, with the candidates' feature columns.
        public var negatives: [(name: String, data: RankingDataset)]

        public init(dataset: RankingDataset, features: [FeatureInfo], labelSources: [LabelSource],
                    negatives: [(name: String, data: RankingDataset)] = []) {
            self.dataset = dataset
            self.features = features
            self.labelSources = labelSources
            self.negatives = negatives
        }
    }

    public static let controlGroup = "control"
    public static func groupName(strength: Double) -> String { "quality \(strength)" }

    /// Runs the study, writing each model's files under `directory`.
    public func run(_ inputs: Inputs, trainer: StudyTrainer, directory: String,
                    progress: (_ done: Int, _ total: Int, _ what: String) -> Void = { _, _, _ in }) throws -> StudyResult {
        guard !inputs.labelSources.isEmpty else { throw InputError(file: "labels", "the study needs a source of training labels") }
        var dataset = inputs.dataset
        if let limit = config.queryLimit { dataset.queries = Array(dataset.queries.prefix(limit)) }
        let minimum = config.studyProtocol == .crossValidation ? 2 * config.folds : 6
        guard dataset.queries.count >= minimum else {
            throw InputError(file: "queries", "\(dataset.queries.count) queries are too few for this study",
                             hint: "use at least \(minimum) queries")
        }
        guard config.simulationSeeds >= 1, config.trainingSeeds >= 1 else {
            throw InputError(file: "study", "simulation and training seeds must be at least 1")
        }
        var groups = config.world.qualityStrengths.map { (Self.groupName(strength: $0), $0, false) }
        if config.negativeControl { groups.append((Self.controlGroup, 0, true)) }
        let ids = dataset.queries.map(\.id)
        let splits = self.splits(ids)
        let files = StudyFiles(root: directory)
        let sourceNames = inputs.labelSources.map(\.name)
        let negatives = config.trueNegatives ? inputs.negatives.map { ($0.name, $0.data.subset(Set(ids))) } : []
        try files.writeLabels(inputs.labelSources, negatives: negatives)

        var plans: [[StudyMethod]] = []
        var smooths: [FamolWeighting] = []
        var frequencies: [[String: Int]] = []
        for g in groups {
            var clicks = config.world.clicks
            clicks.uniformFrequencies = g.2
            let f = ClickSimulator(config: clicks).frequencies(queryIDs: ids)
            let bands = FrequencyBands(values: f)
            let smooth = config.famolSmooth ?? Self.medianSmooth(bands, queries: ids)
            frequencies.append(f)
            smooths.append(smooth)
            plans.append(StudyMethod.plan(config, labelSources: sourceNames, smooth: smooth, control: g.2,
                                          negatives: g.2 ? [] : negatives.map(\.0)))
        }
        let total = zip(groups, plans).reduce(0) { $0 + $1.1.count * splits.count } * config.simulationSeeds * config.trainingSeeds
        var scoring = Scoring(total: total)
        var worlds: [StudyResult.WorldInfo] = []
        for (gi, g) in groups.enumerated() {
            var info = StudyResult.WorldInfo(group: g.0, qualityStrength: g.1, uniformFrequencies: g.2, simulationSeeds: [],
                                             bands: [:], frequencies: frequencies[gi], impressionsPerBand: [:], clicksPerBand: [:],
                                             unseenQueriesPerBand: [:], attractionScales: [], agreement: [:], judgeAUC: [:],
                                             famolSmooth: smooths[gi])
            for s in 0..<config.simulationSeeds {
                let seed = config.simulationSeed(s)
                let world = StudyWorld.realize(base: dataset, features: inputs.features, group: g.0, strength: g.1, seed: seed,
                                               frequencies: frequencies[gi], config: config.world)
                if s == 0 { Self.describeFirst(world, sources: inputs.labelSources, into: &info) }
                info.simulationSeeds.append(seed)
                info.attractionScales.append(world.attractionScale)
                Self.addLogCounts(world, into: &info, seeds: config.simulationSeeds)
                try trainAndScore(world, plan: plans[gi], negatives: g.2 ? [] : negatives, simulation: s, files: files, splits: splits,
                                  trainer: trainer, scoring: &scoring, progress: progress)
            }
            worlds.append(info)
        }
        progress(total, total, "done")
        return assemble(scoring, groups: groups.map(\.0), plans: plans, testSets: [StudyResult.candidates] + negatives.map(\.0),
                        worlds: worlds, sourceNames: sourceNames)
    }

    /// Per-query sums of every arm's metrics as trainings finish, and the progress count.
    struct Scoring {
        var total: Int
        var done = 0
        var sums: [String: Accumulator] = [:]

        mutating func record(_ method: String, _ section: String, group: String, _ testSet: String, _ values: [String: [String: Double]],
                             complete: Bool) {
            sums["\(method)\u{1F}\(group)\u{1F}\(testSet)", default: Accumulator(method: method, section: section, group: group, testSet: testSet)]
                .add(values, complete: complete)
        }
    }

    /// The first realisation's bands, agreement and judge quality, for the group's report.
    static func describeFirst(_ world: StudyWorld, sources: [LabelSource], into info: inout StudyResult.WorldInfo) {
        info.bands = world.bands.band.mapValues(\.rawValue)
        info.agreement = agreement(world, sources: sources)
        info.judgeAUC = judgeAUC(world, sources: sources)
        info.unseenQueriesPerBand = perBand(world.bands) { q in (world.bands.frequency[q] ?? 0) == 0 ? 1 : 0 }.mapValues { Int($0) }
    }

    /// Trains every arm of a plan in one world (every training seed and split) and scores each
    /// on the world's gold judgments, with BM25 as the reference.
    func trainAndScore(_ world: StudyWorld, plan: [StudyMethod], negatives: [(String, RankingDataset)], simulation s: Int, files: StudyFiles,
                       splits: [(train: Set<String>, test: Set<String>)], trainer: StudyTrainer, scoring: inout Scoring,
                       progress: (_ done: Int, _ total: Int, _ what: String) -> Void) throws {
        // The test sets: the candidates, and the candidates with each kind of negatives.
        var lists = [(StudyResult.candidates, world.dataset)]
        for (kind, data) in negatives { lists.append((kind, world.dataset.appending(world.extending(data, noise: config.world.qualityFeatureNoise)))) }
        for (testSet, data) in lists {
            let judgedData = world.judged.map { data.subset($0) } ?? data
            scoring.record("BM25", "main", group: world.group, testSet, evaluate(Self.bm25Run(judgedData), judgedData.qrels), complete: true)
        }
        let shared = try files.writeWorld(world, simulation: s)
        // Every training of this world: specs and files first, in order; then the
        // trainings, side by side; then the scores, in order again.
        var jobs: [(method: StudyMethod, specs: [(spec: TrainingSpec, directory: String, test: Set<String>)])] = []
        for t in 0..<config.trainingSeeds {
            for method in plan {
                var trainOn = lists.first { $0.0 == (method.negatives ?? StudyResult.candidates) }!.1
                // The oracle learns from the gold judgments, so only from judged queries.
                if method.labels == .gold, let judged = world.judged { trainOn = trainOn.subset(judged) }
                jobs.append((method, try prepare(method, data: trainOn, world: world, files: files, shared: shared, seed: t, splits: splits)))
            }
        }
        let work = jobs.flatMap { job in job.specs.map { ($0.spec, $0.directory) } }
        progress(scoring.done, scoring.total, "\(world.group)\(config.simulationSeeds > 1 ? ", simulation seed \(s + 1)" : ""): \(work.count) models")
        var trained = try Self.trainAll(work, trainer: trainer)[...]
        for (method, jobSpecs) in jobs {
            let models = jobSpecs.map { (trained.removeFirst(), $0.test) }
            // An arm trained with negatives is scored on lists with them; the main
            // single-source arms on every test set, as its reference.
            let testSets = method.negatives.map { [$0] }
                ?? (StudyMethod.scoredOnNegatives.contains(method.name) && method.features == .all ? lists.map(\.0) : [StudyResult.candidates])
            for testSet in testSets {
                let list = lists.first { $0.0 == testSet }!.1
                let data = list.selectingFeatures(method.features.columns(world.features))
                let gold = (world.judged.map { list.subset($0) } ?? list).qrels
                for (k, (model, test)) in models.enumerated() {
                    let scored = world.judged.map { test.intersection($0) } ?? test
                    scoring.record(method.name, method.section.rawValue, group: world.group, testSet, evaluate(model.run(data.subset(scored)), gold),
                                   complete: k == models.count - 1)
                }
            }
            scoring.done += models.count
        }
    }

    /// The result: evaluations in the order of groups, test sets and arms, and the arms' descriptions.
    func assemble(_ scoring: Scoring, groups: [String], plans: [[StudyMethod]], testSets: [String], worlds: [StudyResult.WorldInfo],
                  sourceNames: [String]) -> StudyResult {
        let order = ["BM25"] + plans.flatMap { $0.map(\.name) }
        let evaluations = scoring.sums.values.map(\.evaluation).sorted { a, b in
            let (ga, gb) = (groups.firstIndex(of: a.group)!, groups.firstIndex(of: b.group)!)
            let (ta, tb) = (testSets.firstIndex(of: a.testSet)!, testSets.firstIndex(of: b.testSet)!)
            return ga != gb ? ga < gb : ta != tb ? ta < tb : order.firstIndex(of: a.method)! < order.firstIndex(of: b.method)!
        }
        var methods: [StudyResult.MethodInfo] = []
        for m in plans.flatMap({ $0 }) where !methods.contains(where: { $0.name == m.name }) {
            let labels: String
            switch m.labels { case .gold: labels = "gold"; case .judge(let i): labels = sourceNames[i] }
            methods.append(.init(name: m.name, section: m.section.rawValue, supervision: m.objective.supervision.rawValue,
                                 clickEstimator: m.truePropensities ? "ips (true propensities)" : m.objective.clickEstimator.rawValue,
                                 features: m.features.rawValue, labels: labels, weighting: Self.describe(m.objective.weighting)))
        }
        return StudyResult(metrics: config.metrics.map(\.description), studyProtocol: config.studyProtocol.rawValue, methods: methods,
                           worlds: worlds, evaluations: evaluations,
                           trainingSeeds: (0..<config.trainingSeeds).map(config.trainingSeed))
    }

    /// Trains one arm in one world for one training seed, and returns its run on each split's
    /// test queries. Its inputs are the world's click log, the judge's labels and the
    /// features; only the oracle's include the gold grades.
    public func train(_ method: StudyMethod, world: StudyWorld, labelSources: [LabelSource], directory: String, seed t: Int,
                      trainer: StudyTrainer) throws -> [TrecRun] {
        let files = StudyFiles(root: directory)
        try files.writeLabels(labelSources, negatives: [])
        let work = try prepare(method, data: world.dataset, world: world, files: files, shared: try files.writeWorld(world, simulation: 0),
                               seed: t, splits: splits(world.dataset.queries.map(\.id)))
        let models = try Self.trainAll(work.map { ($0.spec, $0.directory) }, trainer: trainer)
        let variant = world.dataset.selectingFeatures(method.features.columns(world.features))
        return zip(models, work).map { $0.run(variant.subset($1.test)) }
    }

    /// The spec, model directory and test queries of each split (the training files written).
    func prepare(_ method: StudyMethod, data: RankingDataset, world: StudyWorld, files: StudyFiles, shared: StudyFiles.World, seed t: Int,
                 splits: [(train: Set<String>, test: Set<String>)]) throws -> [(spec: TrainingSpec, directory: String, test: Set<String>)] {
        let variant = data.selectingFeatures(method.features.columns(world.features))
        var trainerConfig = config.trainer
        trainerConfig.seed = config.trainingSeed(t)
        var objective = method.objective
        if method.truePropensities { objective.propensities = world.truePropensities }
        return try splits.enumerated().map { k, split in
            let spec = try files.spec(for: method, world: shared, split: k, train: variant.subset(split.train),
                                      config: trainerConfig, objective: objective)
            return (spec, files.modelDirectory(method, world: shared, split: k, of: splits.count, seed: t), split.test)
        }
    }

    /// Trains every spec, `trainer.parallelism` at a time, and returns the models in the
    /// specs' order: the same models whatever the parallelism.
    static func trainAll(_ work: [(TrainingSpec, String)], trainer: StudyTrainer) throws -> [StudyModel] {
        let results = TrainingResults(count: work.count)
        let width = min(trainer.parallelism, max(work.count, 1))
        DispatchQueue.concurrentPerform(iterations: width) { lane in
            for i in stride(from: lane, to: work.count, by: width) where !results.failed {
                do { results.set(i, .success(try trainer.train(work[i].0, directory: work[i].1))) } catch { results.set(i, .failure(error)) }
            }
        }
        return try results.values()
    }

    /// Per-query metrics of a run against the gold judgments.
    func evaluate(_ run: TrecRun, _ gold: Qrels) -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for (qid, values) in Evaluator(metrics: config.metrics).perQuery(qrels: gold, run: run) {
            for (m, v) in values { out[m.description, default: [:]][qid] = v }
        }
        return out
    }

    /// Train and test queries: all and all (transductive), or one pair per fold.
    func splits(_ ids: [String]) -> [(train: Set<String>, test: Set<String>)] {
        guard config.studyProtocol == .crossValidation else { return [(Set(ids), Set(ids))] }
        let folds = foldAssignment(ids)
        return (0..<config.folds).map { k in
            (Set(ids.filter { folds[$0] != k }), Set(ids.filter { folds[$0] == k }))
        }
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

    /// BM25's ranking: the candidates in retrieval order.
    static func bm25Run(_ data: RankingDataset) -> TrecRun {
        var run = TrecRun(tag: "bm25")
        for q in data.queries {
            run.results[q.id] = q.docIDs.enumerated().map { TrecRun.Entry(docID: $1, score: Double(q.count - $0)) }
        }
        return run
    }

    public static func describe(_ w: FamolWeighting) -> String {
        switch w {
        case let .bands(h, m, l): "bands high \(h), mid \(m), low \(l)"
        case let .smooth(g, t): "smooth sigmoid(\(g) (log(1+f) - \(t)))"
        }
    }

    static func perBand(_ bands: FrequencyBands, _ value: (String) -> Double) -> [String: Double] {
        var out: [String: Double] = [:]
        for (q, b) in bands.band {
            out[b.rawValue, default: 0] += value(q)
            out["all", default: 0] += value(q)
        }
        return out
    }

    static func addLogCounts(_ world: StudyWorld, into info: inout StudyResult.WorldInfo, seeds: Int) {
        var impressions: [String: Double] = [:], clicks: [String: Double] = [:]
        for imp in world.impressions {
            impressions[imp.query, default: 0] += 1
            clicks[imp.query, default: 0] += Double(imp.clicked.count)
        }
        for (band, v) in perBand(world.bands, { impressions[$0] ?? 0 }) { info.impressionsPerBand[band, default: 0] += v / Double(seeds) }
        for (band, v) in perBand(world.bands, { clicks[$0] ?? 0 }) { info.clicksPerBand[band, default: 0] += v / Double(seeds) }
    }
}

/// The models of `BandStudy.trainAll`, filled in from several threads.
final class TrainingResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<StudyModel, Error>?]
    private var failedFlag = false

    var failed: Bool { lock.lock(); defer { lock.unlock() }; return failedFlag }

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<StudyModel, Error>) {
        lock.lock(); defer { lock.unlock() }
        slots[i] = r
        if case .failure = r { failedFlag = true }
    }

    /// The models in order, or the first failure in order.
    func values() throws -> [StudyModel] {
        for case .failure(let e)? in slots { throw e }
        return slots.map { try! $0!.get() }
    }
}

/// Sums of per-query metrics over runs; a cross-validated run is complete after its last fold.
struct Accumulator {
    var method: String
    var section: String
    var group: String
    var testSet: String
    var sums: [String: [String: Double]] = [:]
    var runs = 0

    mutating func add(_ values: [String: [String: Double]], complete: Bool = true) {
        for (m, qs) in values { for (q, v) in qs { sums[m, default: [:]][q, default: 0] += v } }
        if complete { runs += 1 }
    }

    var evaluation: StudyResult.Evaluation {
        let n = Double(max(runs, 1))
        return .init(method: method, section: section, group: group, testSet: testSet, perQuery: sums.mapValues { $0.mapValues { $0 / n } },
                     runs: runs)
    }
}

extension RankingDataset {
    /// Each query's list followed by the same query's documents in `other` (same columns).
    func appending(_ other: RankingDataset) -> RankingDataset {
        let extra = Dictionary(other.queries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out = self
        for i in out.queries.indices {
            guard let e = extra[out.queries[i].id] else { continue }
            out.queries[i].docIDs += e.docIDs
            out.queries[i].labels += e.labels
            out.queries[i].features += e.features
        }
        return out
    }

    /// The queries whose ids are in `ids`, in this data set's order.
    public func subset(_ ids: Set<String>) -> RankingDataset {
        RankingDataset(featureCount: featureCount, queries: queries.filter { ids.contains($0.id) })
    }
}
