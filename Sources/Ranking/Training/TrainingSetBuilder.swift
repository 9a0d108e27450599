/// Joins a data set with its click log, judgments and bands into training examples.
public struct TrainingSetBuilder: Sendable {
    public var dataset: RankingDataset
    public var impressions: [Impression] = []
    /// Judgments replacing the data set's own labels; queries they do not cover have no labels.
    public var qrels: Qrels? = nil
    /// Given frequencies and bands; otherwise frequencies from the click log in terciles.
    public var bands: FrequencyBands? = nil
    public var maxPositions: Int = 10

    public init(dataset: RankingDataset) { self.dataset = dataset }

    /// Bands for the data set's queries: given ones, or terciles of click-log frequencies
    /// (queries without impressions have frequency 0).
    public func resolvedBands() -> FrequencyBands {
        if let bands { return bands }
        let counts = ClickLog.frequencies(impressions)
        var values: [String: Int] = [:]
        for q in dataset.queries { values[q.id] = counts[q.id] ?? 0 }
        return FrequencyBands(values: values)
    }

    public func build() -> [TrainingExample] {
        let bands = resolvedBands()
        var byQuery: [String: [Impression]] = [:]
        for imp in impressions { byQuery[imp.query, default: []].append(imp) }
        let labelled = qrels.map { dataset.relabeled(with: $0) } ?? dataset
        return labelled.queries.map { q in
            let clicks = byQuery[q.id].map { ClickStats(impressions: $0, candidates: q.docIDs, maxPositions: maxPositions) }
            let hasLabels = qrels == nil || qrels!.judgments[q.id] != nil
            return TrainingExample(query: q, hasLabels: hasLabels, clicks: clicks,
                                   frequency: bands.frequency[q.id] ?? 0, band: bands.band[q.id] ?? .low)
        }
    }
}
