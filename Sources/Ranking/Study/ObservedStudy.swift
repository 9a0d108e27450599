/// A user's own data for the study: candidates and features, a real click log, its bands,
/// the queries with human judgments and the training labels.
public struct ObservedStudyData: Sendable {
    /// Candidates and features; labels are the gold grades of the judged queries (0 elsewhere).
    public var dataset: RankingDataset
    public var features: [FeatureInfo]
    public var impressions: [Impression]
    public var bands: FrequencyBands
    public var judged: Set<String>
    /// Training labels; the first is the primary source.
    public var labelSources: [LabelSource]

    public init(dataset: RankingDataset, features: [FeatureInfo], impressions: [Impression], bands: FrequencyBands,
                judged: Set<String>, labelSources: [LabelSource]) {
        self.dataset = dataset
        self.features = features
        self.impressions = impressions
        self.bands = bands
        self.judged = judged
        self.labelSources = labelSources
    }
}

extension BandStudy {
    public static let observedGroup = "observed"
    /// The negative control of an observed study: the same models, their queries' bands
    /// shuffled, so no band can explain a difference; its interaction test must show nothing.
    public static let shuffledControlGroup = "control (shuffled bands)"

    /// Runs the study on observed data: every arm once per training seed in the one world
    /// there is, scored on the judged queries.
    public func run(observed data: ObservedStudyData, trainer: StudyTrainer, directory: String,
                    progress: (_ done: Int, _ total: Int, _ what: String) -> Void = { _, _, _ in }) throws -> StudyResult {
        guard !data.labelSources.isEmpty else { throw InputError(file: "labels", "the study needs a source of training labels") }
        let ids = data.dataset.queries.map(\.id)
        let minimum = config.studyProtocol == .crossValidation ? 2 * config.folds : 6
        guard data.judged.count >= minimum else {
            throw InputError(file: "qrels", "\(data.judged.count) judged queries are too few for this study",
                             hint: "judge at least \(minimum) of the log's queries")
        }
        guard config.trainingSeeds >= 1 else { throw InputError(file: "study", "training seeds must be at least 1") }
        let splits = self.splits(ids)
        let files = StudyFiles(root: directory)
        try files.writeLabels(data.labelSources, negatives: [])
        let names = data.labelSources.map(\.name)
        let smooth = config.famolSmooth ?? Self.medianSmooth(data.bands, queries: ids)
        let plan = StudyMethod.plan(config, labelSources: names, smooth: smooth, observed: true)
        let world = StudyWorld.observed(group: Self.observedGroup, dataset: data.dataset, features: data.features,
                                        impressions: data.impressions, bands: data.bands, judged: data.judged)
        let info = Self.info(world, sources: data.labelSources, smooth: smooth)
        var scoring = Scoring(total: plan.count * splits.count * config.trainingSeeds)
        try trainAndScore(world, plan: plan, negatives: [], simulation: 0, files: files, splits: splits, trainer: trainer,
                          scoring: &scoring, progress: progress)
        var groups = [Self.observedGroup], plans = [plan], worlds = [info]
        if config.negativeControl {
            var control = world
            control.group = Self.shuffledControlGroup
            control.bands = Self.shuffled(data.bands, ids: ids, seed: config.trainer.seed)
            let controlPlan = StudyMethod.plan(config, labelSources: names, smooth: smooth, control: true)
            // The control's models are the observed ones: only the bands that group their queries differ.
            for name in ["BM25"] + controlPlan.map(\.name) {
                for (key, sum) in scoring.sums where sum.method == name && sum.group == Self.observedGroup {
                    var copy = sum
                    copy.group = Self.shuffledControlGroup
                    scoring.sums[key.replacingOccurrences(of: Self.observedGroup, with: Self.shuffledControlGroup)] = copy
                }
            }
            groups.append(Self.shuffledControlGroup)
            plans.append(controlPlan)
            worlds.append(Self.info(control, sources: data.labelSources, smooth: smooth))
        }
        progress(scoring.total, scoring.total, "done")
        return assemble(scoring, groups: groups, plans: plans, testSets: [StudyResult.candidates], worlds: worlds, sourceNames: names)
    }

    static func info(_ world: StudyWorld, sources: [LabelSource], smooth: FamolWeighting) -> StudyResult.WorldInfo {
        var info = StudyResult.WorldInfo(group: world.group, qualityStrength: 0, uniformFrequencies: false, simulationSeeds: [],
                                         bands: [:], frequencies: world.bands.frequency, impressionsPerBand: [:], clicksPerBand: [:],
                                         unseenQueriesPerBand: [:], attractionScales: [], agreement: [:], judgeAUC: [:], famolSmooth: smooth)
        describeFirst(world, sources: sources, into: &info)
        addLogCounts(world, into: &info, seeds: 1)
        info.judgedQueriesPerBand = perBand(world.bands) { world.isJudged($0) ? 1 : 0 }.mapValues { Int($0) }
        return info
    }

    /// Each query takes the frequency and band of another, by a seeded permutation.
    static func shuffled(_ bands: FrequencyBands, ids: [String], seed: UInt64) -> FrequencyBands {
        let sorted = ids.sorted(by: naturalOrder)
        let perm = CounterRandom(seed: seed).permutation(sorted.count, 0x5B0F, 0)
        var out = bands
        for (i, j) in perm.enumerated() {
            out.frequency[sorted[i]] = bands.frequency[sorted[j]]
            out.band[sorted[i]] = bands.band[sorted[j]]
        }
        return out
    }
}
