import Foundation

/// Writes a text collection's candidates and features in the files `famol train` reads.
public enum CollectionFeatures {
    /// Writes features.svm, features.names, qrels.txt and queries.tsv; returns their paths.
    @discardableResult
    public static func write(_ collection: TextCollection, k: Int, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let data = FeatureExtractor(collection: collection).dataset(k: k)
        let files = [
            ("features.svm", SVMLightWriter.render(data)),
            ("features.names", FeatureExtractor.renderFeatureNames()),
            ("qrels.txt", collection.qrels.render()),
            ("queries.tsv", collection.queries.map { "\($0.id)\t\($0.text)\n" }.joined()),
        ]
        for (name, text) in files { try AtomicFile.write(text, to: directory + "/" + name) }
        return files.map { directory + "/" + $0.0 }
    }
}
