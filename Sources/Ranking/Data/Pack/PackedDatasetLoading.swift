extension PackedDataset {
    /// The whole data set in memory, every byte checked: checksums, ids (UTF-8, not empty,
    /// query ids unique), grades in 0...maxLabel and finite features.
    public func dataset() throws -> RankingDataset {
        for section in PackSection.allCases where section != .documentStarts { try verify(section) }
        try checkStarts(.queryIDStarts, count: queryCount, last: sections[.queryIDBytes]!.count, field: "queryIDStarts")
        try checkStarts(.documentIDStarts, count: documentCount, last: sections[.documentIDBytes]!.count, field: "documentIDStarts")
        let labels = sections[.labels]!.lowerBound, features = sections[.features]!.lowerBound
        var seen = Set<String>(minimumCapacity: queryCount)
        var queries: [RankingQuery] = []
        queries.reserveCapacity(queryCount)
        for q in 0..<queryCount {
            let id = try text(.queryIDStarts, .queryIDBytes, q, field: "query \(q) id")
            guard seen.insert(id).inserted else {
                throw InputError(file: path, field: "query \(q) id", "query '\(id)' appears twice", hint: "pack the source again with this famol")
            }
            let documents = start(.documentStarts, q)..<start(.documentStarts, q + 1)
            var query = RankingQuery(id: id, docIDs: [], labels: [], features: [])
            query.docIDs.reserveCapacity(documents.count)
            for d in documents { query.docIDs.append(try text(.documentIDStarts, .documentIDBytes, d, field: "query '\(id)' document \(d - documents.lowerBound) id")) }
            query.labels = floats(at: labels + 4 * documents.lowerBound, count: documents.count)
            for (i, label) in query.labels.enumerated() where !(label >= 0 && label <= Float(SVMLightReader.maxLabel)) {
                throw InputError(file: path, field: "query '\(id)' document '\(query.docIDs[i])' label",
                                 "label \(label) is outside 0...\(SVMLightReader.maxLabel)", hint: "the file is damaged; pack it again from its source")
            }
            query.features = floats(at: features + 4 * featureCount * documents.lowerBound, count: featureCount * documents.count)
            if let bad = query.features.firstIndex(where: { !$0.isFinite }) {
                throw InputError(file: path, field: "query '\(id)' document '\(query.docIDs[bad / featureCount])' feature \(bad % featureCount + 1)",
                                 "\(query.features[bad]) is not a finite number", hint: "the file is damaged; pack it again from its source")
            }
            queries.append(query)
        }
        return RankingDataset(featureCount: featureCount, queries: queries)
    }

    /// String `i` of an id section, its bounds checked by `checkStarts`.
    private func text(_ starts: PackSection, _ bytes: PackSection, _ i: Int, field: String) throws -> String {
        let base = sections[bytes]!.lowerBound
        let slice = UnsafeRawBufferPointer(rebasing: file.bytes[(base + start(starts, i))..<(base + start(starts, i + 1))])
        guard let s = String(validating: slice.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw InputError(file: path, field: field, "not UTF-8", hint: "the file is damaged; pack it again from its source")
        }
        return s
    }

    /// `count` little-endian floats from `offset`.
    private func floats(at offset: Int, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            #if _endian(little)
            UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: file.bytes[offset..<(offset + 4 * count)]))
            #else
            for i in 0..<count { out[i] = Float(bitPattern: file.u32(offset + 4 * i)) }
            #endif
            initialized = count
        }
    }
}
