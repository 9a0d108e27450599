import Foundation

/// Writes a text collection's candidates and features in the files `famol train` reads.
public enum CollectionFeatures {
    /// A feature computed outside the extractor (such as an embedding similarity): its name and
    /// group, and its values for a query's candidates.
    public struct ExtraFeature: Sendable {
        public var info: FeatureInfo
        public var values: @Sendable (TextQuery, [TextDocument]) throws -> [Float]
        public init(info: FeatureInfo, values: @escaping @Sendable (TextQuery, [TextDocument]) throws -> [Float]) {
            self.info = info
            self.values = values
        }
    }

    /// Writes features.svm, features.names, qrels.txt, queries.tsv and documents.tsv; returns
    /// their paths. The TSV files hold the text with tabs and line breaks as spaces, so that
    /// `famol study --documents --queries` reads the same collection back.
    @discardableResult
    public static func write(_ collection: TextCollection, k: Int, to directory: String, extra: [ExtraFeature] = []) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var data = FeatureExtractor(collection: collection).dataset(k: k)
        if !extra.isEmpty { data = try appending(extra, to: data, collection: collection) }
        let names = FeatureExtractor.features + extra.map(\.info)
        let files = [
            ("features.svm", SVMLightWriter.render(data)),
            ("features.names", names.enumerated().map { "\($0.offset + 1)\t\($0.element.name)\t\($0.element.group.rawValue)\n" }.joined()),
            ("qrels.txt", collection.qrels.render()),
            ("queries.tsv", collection.queries.map { "\($0.id)\t\(oneLine($0.text))\n" }.joined()),
            ("documents.tsv", collection.documents.map {
                "\($0.id)\t\(oneLine($0.title))\t\(oneLine($0.body))" + ($0.authors.isEmpty ? "" : "\t" + oneLine($0.authors)) + "\n"
            }.joined()),
        ]
        for (name, text) in files { try AtomicFile.write(text, to: directory + "/" + name) }
        return files.map { directory + "/" + $0.0 }
    }

    static func appending(_ extra: [ExtraFeature], to data: RankingDataset, collection: TextCollection) throws -> RankingDataset {
        let docs = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        let queries = Dictionary(uniqueKeysWithValues: collection.queries.map { ($0.id, $0) })
        let width = data.featureCount + extra.count
        var out = RankingDataset(featureCount: width, queries: [])
        for q in data.queries {
            let candidates = q.docIDs.map { docs[$0]! }
            let columns = try extra.map { try $0.values(queries[q.id]!, candidates) }
            var r = q
            r.features = []
            for d in 0..<q.count {
                r.features += q.features[(d * data.featureCount)..<((d + 1) * data.featureCount)]
                r.features += columns.map { $0[d] }
            }
            out.queries.append(r)
        }
        return out
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
