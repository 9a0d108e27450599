import Annotation
import Foundation
import Ranking

/// What an annotation job labels: a collection (a Cranfield directory, or documents and
/// queries TSV with qrels) and each query's candidate documents. Shared by the embedded-judge
/// and the LLM job specs.
struct AnnotationCandidates: Codable, Equatable {
    var cranfield: String?
    var documents: String?
    var queries: String?
    var qrels: String?
    /// An SVMlight file whose rows name the candidates (# docid); default BM25's top `k`.
    var candidates: String?
    var k = 20
    var allDocuments = false

    /// The collection the spec names.
    func loadCollection() throws -> TextCollection {
        if let cranfield { return try CranfieldReader.read(directory: cranfield) }
        guard let documents, let queries else {
            throw InputError(file: "spec", "no collection", hint: "give cranfield, or documents and queries")
        }
        return try TSVCollectionReader.read(documents: documents, queries: queries, qrels: qrels)
    }

    /// Every document (`allDocuments`), the rows of the candidates file, or BM25's top `k`.
    func lists(_ collection: TextCollection) throws -> [String: [String]] {
        if allDocuments {
            let ids = collection.documents.map(\.id)
            return Dictionary(uniqueKeysWithValues: collection.queries.map { ($0.id, ids) })
        }
        if let candidates {
            return Dictionary(uniqueKeysWithValues: try DatasetFile.read(candidates).queries.map { ($0.id, $0.docIDs) })
        }
        return AnnotationRun.bm25Candidates(collection, k: k)
    }
}
