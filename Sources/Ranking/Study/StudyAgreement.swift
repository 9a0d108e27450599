extension BandStudy {
    /// Cohen's kappa per band between binary relevance from clicks (clicked at least once),
    /// from each label source (grade >= 1) and from the world's gold judgments (grade >= 1),
    /// over every candidate. A candidate a source did not label is left out of its pairs.
    /// ROC AUC per band of each label source's grades against the world's gold relevance
    /// (grade >= 1), over the candidates the source labelled.
    static func judgeAUC(_ world: StudyWorld, sources: [LabelSource]) -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for s in sources {
            for band in Band.allCases.map(\.rawValue) + ["all"] {
                var pos: [Double] = [], neg: [Double] = []
                for q in world.dataset.queries where world.isJudged(q.id) && (band == "all" || world.bands.band[q.id]?.rawValue == band) {
                    for (d, gold) in zip(q.docIDs, q.labels) {
                        guard let g = s.qrels.judgments[q.id]?[d] else { continue }
                        if gold >= 1 { pos.append(Double(g)) } else { neg.append(Double(g)) }
                    }
                }
                let auc = rocAUC(positives: pos, negatives: neg)
                if !auc.isNaN { out[s.name, default: [:]][band] = auc }
            }
        }
        return out
    }

    static func agreement(_ world: StudyWorld, sources: [LabelSource]) -> [String: [String: Double]] {
        let data = world.dataset, bands = world.bands
        var clicked: [String: Set<String>] = [:]
        for imp in world.impressions { clicked[imp.query, default: []].formUnion(imp.clicked) }
        typealias Rater = (String, String) -> Bool?
        var raters: [(String, Rater)] = [
            ("clicks", { q, d in clicked[q]?.contains(d) ?? false }),
        ]
        for s in sources {
            raters.append(("judge:\(s.name)", { q, d in s.qrels.judgments[q]?[d].map { $0 >= 1 } }))
        }
        var human: [String: [String: Bool]] = [:]
        for q in data.queries where world.isJudged(q.id) { human[q.id] = Dictionary(uniqueKeysWithValues: zip(q.docIDs, q.labels.map { $0 >= 1 })) }
        raters.append(("gold", { q, d in human[q]?[d] }))
        var out: [String: [String: Double]] = [:]
        for i in raters.indices {
            for j in raters.indices where j > i {
                let (a, b) = (raters[i], raters[j])
                var values: [String: Double] = [:]
                for band in Band.allCases.map(\.rawValue) + ["all"] {
                    var x: [Bool] = [], y: [Bool] = []
                    for q in data.queries where band == "all" || bands.band[q.id]?.rawValue == band {
                        for d in q.docIDs {
                            guard let u = a.1(q.id, d), let v = b.1(q.id, d) else { continue }
                            x.append(u)
                            y.append(v)
                        }
                    }
                    if let k = Agreement.cohensKappa(x, y) { values[band] = k }
                }
                out["\(a.0)~\(b.0)"] = values
            }
        }
        return out
    }
}

/// ROC AUC of scores between positives and negatives (ties count one half).
public func rocAUC(positives: [Double], negatives: [Double]) -> Double {
    guard !positives.isEmpty, !negatives.isEmpty else { return .nan }
    let all = positives.map { ($0, true) } + negatives.map { ($0, false) }
    let sorted = all.sorted { $0.0 < $1.0 }
    var rankSum = 0.0
    var i = 0
    while i < sorted.count {
        var j = i
        while j + 1 < sorted.count && sorted[j + 1].0 == sorted[i].0 { j += 1 }
        let averageRank = Double(i + j) / 2 + 1
        for k in i...j where sorted[k].1 { rankSum += averageRank }
        i = j + 1
    }
    let p = Double(positives.count), q = Double(negatives.count)
    return (rankSum - p * (p + 1) / 2) / (p * q)
}
