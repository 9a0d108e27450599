import Foundation

/// The assumptions of the simulated world, each a named parameter that the report prints.
public struct WorldConfig: Sendable {
    /// Users and traffic: PBM clicks from the gold grades, the logging policy, impressions
    /// and their Zipf tail, noise clicks (`epsilon`: attraction of a non-relevant document).
    public var clicks = ClickSimulationConfig()
    /// Clicks per impression the log is calibrated to (a real log's); nil keeps scale 1.
    public var clicksPerImpression: Double? = nil
    /// Where the examination curve and the click rate come from, for the report.
    public var examinationSource = "1/(k+1)^eta"
    /// Strengths of the latent document quality, swept; 0 is the control of the document-signal claims.
    public var qualityStrengths: [Double] = [0, 0.5, 1]
    /// Standard deviation of the noise on the document feature that reveals quality.
    public var qualityFeatureNoise = 0.5
    /// Gives the ranker the document feature that reveals quality; without it the world's
    /// features are the collection's own (with strength 0: a world a user's data can equal).
    public var qualitySignal = true

    public init() {
        clicks.impressions = 8_000
        clicks.zipfExponent = 1.3
        clicks.loggingTemperature = 4
        clicks.seed = 43
    }

    /// The examination curve and click rate of a real log: famol's PBM (50 EM iterations)
    /// fitted on it, relative to rank 1, and its clicks per impression.
    public mutating func fit(toLog path: String) throws {
        let log = try ClickLog.read(path).impressions
        let sessions = ClickSessions(training: log, positions: clicks.shown)
        var pbm = PositionBasedModel()
        pbm.fit(sessions, iterations: 50)
        clicks.examinationCurve = pbm.examination.map { $0 / pbm.examination[0] }
        let rate = Double(log.reduce(0) { $0 + min($1.clicked.count, clicks.shown) }) / Double(max(log.count, 1))
        clicksPerImpression = rate
        examinationSource = "PBM fitted by famol on \(path) (\(log.count) impressions; examination relative to rank 1: "
            + clicks.examinationCurve!.map { String(format: "%.3f", $0) }.joined(separator: ", ")
            + String(format: "; %.3f clicks per impression)", rate)
    }
}

/// One realisation of the simulated world: gold judgments, the document-quality feature,
/// the click log and the frequency bands, for one quality strength and simulation seed.
public struct StudyWorld: Sendable {
    /// The world's group in reports: "quality 0.5", "control".
    public var group: String
    public var strength: Double
    public var simulationSeed: UInt64
    /// Candidates with every feature (the quality signal last); labels are the gold grades.
    public var dataset: RankingDataset
    public var features: [FeatureInfo]
    public var impressions: [Impression]
    public var bands: FrequencyBands
    public var attractionScale: Double
    /// The simulation's examination per rank relative to rank 1 (the IPS reference arm's).
    public var truePropensities: [Double]
    /// Queries with gold judgments; nil: every query (a simulated world). The others train
    /// (clicks and judge labels) but are neither scored nor seen by the oracle.
    public var judged: Set<String>? = nil

    /// Every candidate of each judged query with its gold grade (0 when unjudged).
    public var gold: Qrels {
        guard let judged else { return dataset.qrels }
        return dataset.subset(judged).qrels
    }

    public func isJudged(_ query: String) -> Bool { judged?.contains(query) ?? true }

    /// A world that was observed, not simulated: a user's candidates (labels: the gold grades
    /// of the judged queries), their click log and bands.
    public static func observed(group: String, dataset: RankingDataset, features: [FeatureInfo], impressions: [Impression],
                                bands: FrequencyBands, judged: Set<String>) -> StudyWorld {
        StudyWorld(group: group, strength: 0, simulationSeed: 0, dataset: dataset, features: features, impressions: impressions,
                   bands: bands, attractionScale: 1, truePropensities: [], judged: judged)
    }

    public static let qualityFeature = FeatureInfo("quality_signal", .document)

    /// Builds the world. The gold grade of a document the collection judges relevant (g >= 1)
    /// is `clamp(round(g + strength z_d), 1, 4)`, z_d ~ N(0, 1) its latent quality; other
    /// documents stay 0, so strength 0 gives the collection's own grades. The ranker sees z
    /// only through `quality_signal = z_d + N(0, qualityFeatureNoise)`; the text judge never.
    /// Users click by PBM on the gold grades. `frequencies` fixes each query's impressions so
    /// that a query keeps its band across simulation seeds.
    public static func realize(base: RankingDataset, features: [FeatureInfo], group: String, strength: Double,
                               seed: UInt64, frequencies: [String: Int], config: WorldConfig) -> StudyWorld {
        let data = withQuality(base, strength: strength, seed: seed, noise: config.qualityFeatureNoise, signal: config.qualitySignal)
        var clicks = config.clicks
        clicks.seed = seed
        clicks.frequencies = frequencies
        if let target = config.clicksPerImpression {
            clicks.attractionScale = ClickSimulator.calibrate(clicks, dataset: data, clicksPerImpression: target)
        }
        let log = ClickSimulator(config: clicks).simulate(data)
        var values: [String: Int] = [:]
        for q in data.queries { values[q.id] = frequencies[q.id] ?? 0 }
        return StudyWorld(group: group, strength: strength, simulationSeed: seed, dataset: data,
                          features: features + (config.qualitySignal ? [qualityFeature] : []), impressions: log,
                          bands: FrequencyBands(values: values),
                          attractionScale: clicks.attractionScale,
                          truePropensities: (0..<clicks.shown).map { clicks.examination($0) / clicks.examination(0) })
    }

    /// The same documents' gold grades and quality signal for other lists of this world (the
    /// true negatives): a document has one latent quality whatever list it is in.
    public func extending(_ other: RankingDataset, noise: Double) -> RankingDataset {
        Self.withQuality(other, strength: strength, seed: simulationSeed, noise: noise, signal: features.last == Self.qualityFeature)
    }

    /// Gold grades and the appended quality feature of a data set's documents.
    static func withQuality(_ base: RankingDataset, strength: Double, seed: UInt64, noise: Double, signal: Bool) -> RankingDataset {
        let random = CounterRandom(seed: seed)
        func normal(_ doc: String, _ stream: UInt64) -> Double {
            let h = fnv1a(doc)
            let u1 = max(random.uniform(h, stream, 1), 1e-300), u2 = random.uniform(h, stream, 2)
            return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        var data = RankingDataset(featureCount: base.featureCount + (signal ? 1 : 0), queries: [])
        data.queries = base.queries.map { q in
            var r = q
            r.features = []
            r.features.reserveCapacity(q.count * data.featureCount)
            for d in 0..<q.count {
                let z = normal(q.docIDs[d], 0x9A1)
                r.features += q.features[(d * base.featureCount)..<((d + 1) * base.featureCount)]
                if signal { r.features.append(Float(z + noise * normal(q.docIDs[d], 0x5E7))) }
                if q.labels[d] >= 1 { r.labels[d] = Float(min(4, max(1, (Double(q.labels[d]) + strength * z).rounded()))) }
            }
            return r
        }
        return data
    }

    /// FNV-1a of a string: a stable 64-bit key for per-document randomness.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
