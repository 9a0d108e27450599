extension BandStudy {
    /// Cohen's kappa per band between binary relevance from clicks (clicked at least once),
    /// from each label source (grade >= 1) and from the world's gold judgments (grade >= 1),
    /// over every candidate. A candidate a source did not label is left out of its pairs.
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
        for q in data.queries { human[q.id] = Dictionary(uniqueKeysWithValues: zip(q.docIDs, q.labels.map { $0 >= 1 })) }
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
