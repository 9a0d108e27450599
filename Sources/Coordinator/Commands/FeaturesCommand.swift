import Annotation
import ArgumentParser
import Ranking

/// `famol features`: BM25 candidates and features of a text collection, as SVMlight.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Retrieve BM25 top-k candidates per query and write their features as SVMlight.",
        discussion: "Writes features.svm, features.names ('index<TAB>name<TAB>group', group query-document or document), qrels.txt, queries.tsv and documents.tsv to --out. Unjudged candidates are labelled 0."
    )

    @Option(help: "Cranfield directory (cran.all.1400, cran.qry, cranqrel).") var cranfield: String?
    @Option(help: "Documents TSV ('id<TAB>title<TAB>body').") var documents: String?
    @Option(help: "Queries TSV ('id<TAB>text').") var queries: String?
    @Option(help: "Qrels for TSV collections.") var qrels: String?
    @Option(help: "Candidates per query.") var k = 20
    @Option(help: "Output directory.") var out: String
    @Flag(help: "Add 'semantic_similarity': the all-MiniLM-L6-v2 cosine of query and document (a query-document feature).")
    var semantic = false
    @Option(help: "Model directory for --semantic.") var modelDir: String?
    @Option(help: "BLAS threads for --semantic.") var threads = 2

    func validate() throws {
        guard (cranfield != nil) != (documents != nil && queries != nil) else {
            throw ValidationError("give either --cranfield DIR or --documents FILE --queries FILE")
        }
        guard k > 0 else { throw ValidationError("--k must be positive") }
    }

    func run() throws {
        try reportingInputErrors {
            let collection = try loadCollection()
            var extra: [CollectionFeatures.ExtraFeature] = []
            if semantic {
                let judge = EmbeddingJudge(cache: EmbeddingCache(encoder: try loadEncoder(modelDir: modelDir, maxTokens: 256, threads: threads)))
                extra.append(.init(info: FeatureInfo("semantic_similarity", .queryDocument)) { q, docs in
                    judge.similarities(query: q, documents: docs).map { Float($0) }
                })
            }
            let written = try CollectionFeatures.write(collection, k: k, to: out, extra: extra)
            print("\(collection.name): \(collection.queries.count) queries, \(collection.documents.count) documents, top \(k) candidates")
            print("wrote \(written.joined(separator: ", "))")
        }
    }

    func loadCollection() throws -> TextCollection {
        if let cranfield { return try CranfieldReader.read(directory: cranfield) }
        return try TSVCollectionReader.read(documents: documents!, queries: queries!, qrels: qrels)
    }
}
