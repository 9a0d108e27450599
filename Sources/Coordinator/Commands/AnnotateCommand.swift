import Annotation
import ArgumentParser
import Cluster
import FamolLog
import Foundation
import Ranking

/// `famol annotate`: relevance labels for every candidate from a judge.
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Label every query's candidates with a judge: embedding (all-MiniLM-L6-v2, embedded), bm25 or simulated.",
        discussion: "Writes labels.qrels (TREC qrels) and labels.jsonl (query, document, label, score, judge) to --out. With reference judgments (Cranfield's, or --qrels), prints the ROC AUC of the judge's scores between judged-relevant and other candidates." + "\n\n" + AnnotateSettings.table.configHelp + "\n" + ClusterSettings.table.helpText
    )

    enum JudgeKind: String, ExpressibleByArgument, CaseIterable { case embedding, bm25, simulated, openai }

    @Option(help: "Judge: embedding, bm25, simulated or openai (any OpenAI-compatible chat-completions endpoint).")
    var judge: JudgeKind = .embedding
    @Option(help: "TOML file of settings (cranfield, study.candidates, embedding.*, openai.*: the keys famol study and demo take, and cluster.*); flags override it.")
    var config: String?
    @Option(help: help("cranfield")) var cranfield: String?
    @Option(help: "Documents TSV ('id<TAB>title<TAB>body').") var documents: String?
    @Option(help: "Queries TSV ('id<TAB>text').") var queries: String?
    @Option(help: "Reference qrels (TSV collections); the simulated judge draws from them.") var qrels: String?
    @Option(help: "Candidates: an SVMlight file whose rows name them (# docid); default BM25 top --k.") var candidates: String?
    @Option(help: help("study.candidates")) var k: String?
    @Flag(help: "Every document is a candidate of every query (to measure a judge over the whole collection).")
    var allDocuments = false
    @Option(help: help("annotate.calibration")) var calibration: String?
    @Option(help: help("embedding.model_dir")) var modelDir: String?
    @Option(help: help("embedding.threads")) var threads: String?
    @Option(help: help("embedding.max_tokens")) var embeddingMaxTokens: String?
    @Option(help: "Output directory.") var out: String
    @Option(help: "Write the embedding or LLM judge job the flags and --config describe as a spec file (for famol submit annotate) and stop.")
    var writeSpec: String?
    @OptionGroup(title: "LLM judge (--judge openai)") var llm: LLMOptions
    @OptionGroup(title: "Cluster (--judge openai or embedding with --bind: calls or encoding run on famol-worker processes)") var cluster: ClusterOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        try reportingInputErrors {
            let (settings, cluster) = try self.settings()
            if judge == .embedding { return try runEmbedding(settings: settings, cluster: cluster) }
            if judge == .openai { return try runLLM(settings: settings, cluster: cluster) }
            if writeSpec != nil { throw ValidationError("--write-spec writes embedding and LLM judge jobs (--judge embedding or openai)") }
            let collection = try loadCollection(settings)
            let cal = try GradeCalibration.parse(settings.calibration)
            let cands = try AnnotationCandidates(candidates: candidates, k: settings.candidates, allDocuments: allDocuments).lists(collection)
            let selected: Judge = judge == .bm25 ? BM25Judge(collection: collection, calibration: cal) : try SimulatedJudge(reference: collection.qrels)
            let started = Date()
            let judgments = try AnnotationRun(collection: collection, candidates: cands).run(selected) { done, total in
                Progress.bar("annotate", done, total, started: started)
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try AtomicFile.write(AnnotationRun.qrels(judgments).render(), to: out + "/labels.qrels")
            try AtomicFile.write(AnnotationRun.jsonl(judgments, judge: selected.provenance), to: out + "/labels.jsonl")
            for line in AnnotationRun.summary(judgments, judge: selected.provenance, reference: collection.qrels, out: out) { print(line) }
        }
    }

    static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(AnnotateSettings.table.flagHelp(key, defaults: AnnotateSettings()))
    }

    /// Each flag with its key (nil: not given).
    var given: [(key: String, text: String?)] {
        [("cranfield", cranfield), ("study.candidates", k), ("annotate.calibration", calibration), ("embedding.model_dir", modelDir),
         ("embedding.threads", threads), ("embedding.max_tokens", embeddingMaxTokens)] + llm.given
    }

    /// Defaults, then the config file, then the flags given (the cluster's too).
    func settings() throws -> (AnnotateSettings, ClusterSettings) {
        var s = AnnotateSettings()
        var c = ClusterSettings()
        if let config { try ConfigFiles.apply(config, AnnotateSettings.table, to: &s, cluster: &c) }
        try AnnotateSettings.table.applyCommandLine(given, to: &s)
        return (s, try cluster.resolved(over: c))
    }

    /// The collection and candidates the flags and config name, as a job spec carries them.
    func annotationCandidates(_ settings: AnnotateSettings) throws -> AnnotationCandidates {
        guard settings.cranfield != nil || (documents != nil && queries != nil) else {
            throw ValidationError("give --cranfield DIR or --documents FILE --queries FILE")
        }
        return AnnotationCandidates(cranfield: settings.cranfield, documents: documents, queries: queries, qrels: qrels,
                                    candidates: candidates, k: settings.candidates, allDocuments: allDocuments)
    }

    func loadCollection(_ settings: AnnotateSettings) throws -> TextCollection {
        if let cranfield = settings.cranfield { return try CranfieldReader.read(directory: cranfield) }
        if judge == .simulated, documents == nil, queries == nil, let candidates {
            // The simulated judge reads no text: a features-only data set (SVMlight with
            // graded labels, or --qrels) is enough.
            let data = try DatasetFile.read(candidates)
            var ids: [String] = [], seen = Set<String>()
            for q in data.queries { for d in q.docIDs where seen.insert(d).inserted { ids.append(d) } }
            return TextCollection(name: URL(fileURLWithPath: candidates).lastPathComponent, documents: ids.map { TextDocument(id: $0, title: "", body: "") },
                                  queries: data.queries.map { TextQuery(id: $0.id, text: "") }, qrels: try qrels.map(Qrels.read) ?? data.qrels,
                                  gradeMapping: qrels == nil ? "the labels of \(candidates)" : "grades as given in the qrels")
        }
        guard let documents, let queries else {
            throw ValidationError("give --cranfield DIR or --documents FILE --queries FILE (the simulated judge also takes --candidates FILE alone)")
        }
        return try TSVCollectionReader.read(documents: documents, queries: queries, qrels: qrels)
    }

}
