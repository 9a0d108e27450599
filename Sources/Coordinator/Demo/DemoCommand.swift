import Annotation
import ArgumentParser
import Cluster
import FamolLog
import Foundation
import Ranking

/// `famol demo`: the paper's study on Cranfield, end to end, on a local cluster.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the study on Cranfield: clicks, judge labels, schedules and FAMOL per frequency band, in simulated worlds with controls, a report and results.json.",
        discussion: """
            Training labels come from the embedded all-MiniLM-L6-v2 judge (--judge embedding, the default), from an \
            OpenAI-compatible LLM (--judge openai --endpoint URL --model NAME, every strategy annotated through the \
            cluster) or from Cranfield's human judgments (--judge human). Clicks are simulated, with the examination \
            curve and click rate of famol's PBM fitted on the bundled Yandex log. Transductive by default: clicks and \
            labels of the evaluated queries train, gold judgments only evaluate, and no arm but the oracle sees them. \
            Models train in this process by default (--workers N: all on one local cluster of N famol-worker \
            processes, the same bits). Writes results.json and report.html to --out. --config FILE (TOML) sets any \
            parameter; flags override it.
            """ + "\n\n" + DemoSettings.table.configHelp
    )

    @OptionGroup var options: StudyOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions
    @Option(help: help("cranfield")) var cranfield: String?
    @Option(help: help("out")) var out: String?
    @Option(help: help("study.simulation_seeds")) var simulationSeeds: String?
    @Option(help: help("clicks.impressions")) var impressions: String?
    @Option(help: help("seed")) var seed: String?
    @Option(help: help("queries")) var queries: String?
    @Option(help: help("judge")) var judge: String?
    @Flag(help: "Skip the true-negative analysis (random and hard negatives; config study.true_negatives = false).") var noTrueNegatives = false
    @Option(help: help("embedding.threads")) var threads: String?

    private static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(DemoSettings.table.flagHelp(key, defaults: DemoSettings()))
    }

    /// Defaults, then the config file, then flags, each checked as its config key is.
    func settings() throws -> DemoSettings {
        var s = DemoSettings()
        if let config = options.config { try ConfigFiles.apply(config, DemoSettings.table, to: &s) }
        try DemoSettings.table.applyCommandLine(options.given + [
            ("cranfield", cranfield), ("out", out), ("study.simulation_seeds", simulationSeeds), ("clicks.impressions", impressions),
            ("seed", seed), ("queries", queries), ("judge", judge), ("study.true_negatives", noTrueNegatives ? "false" : nil),
            ("embedding.threads", threads),
        ], to: &s)
        try StudyOptions.validate(s.study, judging: s.judging, workers: s.workers, llm: s.judge == .openai)
        return s
    }

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        try reportingInputErrors {
            pinBLASToOneThread()
            var s = try settings()
            let started = Date()
            var collection = try CranfieldReader.read(directory: s.cranfield)
            if let n = s.study.queryLimit { collection.queries = Array(collection.queries.prefix(n)) }
            print("Cranfield: \(collection.documents.count) documents, \(collection.queries.count) queries; BM25 top-\(s.study.candidates) candidates")
            if let log = s.resolvedReferenceLog {
                try s.study.world.fit(toLog: log)
                print("clicks: \(s.study.world.examinationSource)")
            }
            // The semantic feature is the embedded model's cosine, whatever the judge.
            let embedding = try EmbeddingStudyJudge(settings: s.judging)
            let semantic = embedding.semanticFeature
            let written = try CollectionFeatures.write(collection, k: s.study.candidates, to: s.out, extra: [semantic])
            let dataset = try SVMLightReader.read(written[0])
            let (sources, aucs) = try labelSources(s, collection: collection, dataset: dataset, candidatesFile: written[0], embedding: embedding)
            // True negatives: BM25 ranks past the candidates (hard), and other queries' candidates (random).
            var negatives: [(name: String, data: RankingDataset)] = []
            if s.study.trueNegatives {
                let k = s.study.candidates
                let hardRanks = (k + 1)...(k + s.hardNegatives)
                let pool = NegativeCandidates(collection, depth: hardRanks.upperBound)
                negatives = [
                    ("random negatives", try pool.random(candidates: dataset, perQuery: s.randomNegatives, seed: s.seed &+ 0x7E, extra: [semantic])),
                    ("hard negatives", try pool.hard(ranks: hardRanks, extra: [semantic])),
                ]
            }
            let trainer = try options.trainer(workers: s.workers, logPath: s.out + "/cluster.log")
            defer { trainer.close() }
            let trainStarted = Date()
            let result = try BandStudy(config: s.study).run(
                .init(dataset: dataset, features: FeatureExtractor.features + [EmbeddingStudyJudge.semanticFeature], labelSources: sources,
                      negatives: negatives),
                trainer: trainer, directory: s.out + "/study") { done, total, what in
                    Progress.bar("train", done, total, started: trainStarted, extra: what)
                }
            print(String(format: "\ntrained the study's models in %.2f s", Date().timeIntervalSince(trainStarted)))
            let summary = StudySummary.make(result, permutations: s.study.permutations, seed: s.study.trainer.seed)
            let report = StudyReport(result: result, summary: summary, description: s.reportDescription,
                                     labelSources: sources.map { ($0.name, $0.provenance) }, judgeAUC: aucs)
            print("")
            print(report.sourcesText)
            print("")
            print(report.tables())
            try AtomicFile.write(try report.json(), to: s.out + "/results.json")
            try AtomicFile.write(HTMLReport(report: report).render(), to: s.out + "/report.html")
            print(String(format: "\nresults -> %@/results.json, report -> %@/report.html (%.0f s)", s.out, s.out, Date().timeIntervalSince(started)))
        }
    }

    /// The training labels: the embedded judge's, an LLM's per strategy, or the human ones.
    func labelSources(_ s: DemoSettings, collection: TextCollection, dataset: RankingDataset,
                      candidatesFile: String, embedding: EmbeddingStudyJudge) throws -> ([LabelSource], [String: Double]) {
        switch s.judge {
        case .human:
            // Every candidate with its grade: an unjudged candidate is a 0, not a missing label.
            return ([LabelSource(name: "human", provenance: "human judgments (Cranfield qrels; \(collection.gradeMapping)) — the labels arm then sees the human grades, as the oracle does", qrels: dataset.qrels)], [:])
        case .embedding:
            let (source, judgments) = try embedding.labels(collection: collection, dataset: dataset, shares: s.judging.judgeShares,
                                                           qrelsPath: s.out + "/judge.qrels")
            let auc = AnnotationRun.auc(judgments, reference: collection.qrels)
            print(String(format: "judge labels: ROC AUC %.4f against the human judgments over the candidates", auc))
            return ([source], ["embedding": auc])
        case .openai:
            return try LLMStudyJudge(settings: s.judging.openai, workers: s.workers, collectionArguments: ["--cranfield", s.cranfield],
                                     maxQueries: s.study.queryLimit)
                .labels(candidatesFile: candidatesFile, directory: s.out, reference: collection.qrels)
        }
    }
}
