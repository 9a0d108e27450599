import ArgumentParser
import Foundation
import Ranking

/// `famol pack`: writes a data set as a pack file, which every command that reads SVMlight
/// also reads, mapped instead of parsed.
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack", abstract: "Write an SVMlight data set as a famol pack file (binary, mapped, checksummed).",
        discussion: """
            train, rank, simulate, annotate and study read the pack wherever they read SVMlight. \
            The layout is documented in docs/pack-format.md.
            """)

    @Option(help: "Data set to pack (SVMlight, or a pack to check and rewrite).") var data: String
    @Option(help: "Pack file to write.") var out: String

    func run() throws {
        try reportingInputErrors {
            let start = Date()
            let dataset = try DatasetFile.read(data)
            let digest = try PackWriter.write(dataset, to: out, source: data)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            print(String(format: "packed %d queries, %d documents, %d features -> %@ (%.1f MB, sha256 %@, %.1f s)",
                         dataset.queries.count, dataset.documentCount, dataset.featureCount, out, Double(bytes) / 1e6, digest,
                         Date().timeIntervalSince(start)))
        }
    }
}
