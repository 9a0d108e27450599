import ArgumentParser
import Ranking

/// `famol features`: BM25 candidates and features of a text collection, as SVMlight.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Retrieve BM25 top-k candidates per query and write their features as SVMlight.",
        discussion: "Writes features.svm, features.names ('index<TAB>name<TAB>group', group query-document or document), qrels.txt and queries.tsv to --out. Unjudged candidates are labelled 0."
    )

    @Option(help: "Cranfield directory (cran.all.1400, cran.qry, cranqrel).") var cranfield: String?
    @Option(help: "Documents TSV ('id<TAB>title<TAB>body').") var documents: String?
    @Option(help: "Queries TSV ('id<TAB>text').") var queries: String?
    @Option(help: "Qrels for TSV collections.") var qrels: String?
    @Option(help: "Candidates per query.") var k = 20
    @Option(help: "Output directory.") var out: String

    func validate() throws {
        guard (cranfield != nil) != (documents != nil && queries != nil) else {
            throw ValidationError("give either --cranfield DIR or --documents FILE --queries FILE")
        }
        guard k > 0 else { throw ValidationError("--k must be positive") }
    }

    func run() throws {
        try reportingInputErrors {
            let collection = try loadCollection()
            let written = try CollectionFeatures.write(collection, k: k, to: out)
            print("\(collection.name): \(collection.queries.count) queries, \(collection.documents.count) documents, top \(k) candidates")
            print("wrote \(written.joined(separator: ", "))")
        }
    }

    func loadCollection() throws -> TextCollection {
        if let cranfield { return try CranfieldReader.read(directory: cranfield) }
        return try TSVCollectionReader.read(documents: documents!, queries: queries!, qrels: qrels)
    }
}
