import Foundation
import Ranking

/// The demo's terminal table and results.json.
struct StudyReport {
    var result: BandStudy.Result
    var config: StudyConfig
    var labelSource: String

    var sourcesText: String {
        """
        Label sources:
          labels  \(labelSource)
          clicks  simulated: \(config.clicks.model.rawValue), \(result.impressions) impressions, \(result.clicks) clicks, Zipf s=\(config.clicks.zipfExponent), eta=\(config.clicks.eta), epsilon=\(config.clicks.epsilon), seed \(config.clicks.seed)
          bands   terciles of simulated query frequency; FAMOL click weights high 0.8, mid 0.5, low 0.2
          test    nDCG@10 on the human judgments (also used for early stopping on a validation split), \(config.folds)-fold cross-validation over queries, reranking BM25 top-\(config.candidates)
        """
    }

    func table() -> String {
        let bands: [Band?] = [.high, .mid, .low, nil]
        var t = TextTable(header: ["nDCG@10"] + bands.map { "\($0?.rawValue ?? "all") (\(result.count(band: $0)))" })
        for m in result.methods {
            t.rows.append([m] + bands.map { fmt(result.mean(m, band: $0)) })
        }
        return t.render()
    }

    func json() throws -> String {
        var methods: [String: Any] = [:]
        for m in result.methods {
            var bands: [String: Double] = [:]
            for b in Band.allCases { bands[b.rawValue] = result.mean(m, band: b) }
            bands["all"] = result.mean(m, band: nil)
            methods[m] = ["ndcg@10": bands, "per_query": result.perQuery[m]!]
        }
        let object: [String: Any] = [
            "methods": methods,
            "bands": result.bands.band.mapValues(\.rawValue),
            "frequencies": result.bands.frequency,
            "sources": ["labels": labelSource, "clicks": "simulated \(config.clicks.model.rawValue)", "evaluation": "human (Cranfield qrels)"],
            "parameters": [
                "seed": config.trainer.seed, "folds": config.folds, "epochs": config.trainer.epochs,
                "impressions": config.clicks.impressions, "click_seed": config.clicks.seed, "candidates": config.candidates,
                "layers": config.trainer.hidden, "learning_rate": config.trainer.optimizer.learningRate,
            ] as [String: Any],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }
}
