import Testing
@testable import Ranking

@Suite struct CranfieldReaderTests {
    @Test func readsTheBundledCollectionWithGradesTheRightWayRound() throws {
        let c = try CranfieldReader.read(directory: TestFiles.datasets + "/cranfield")
        #expect(c.documents.count == 1400)
        #expect(c.queries.count == 225)
        // Query ids are file-order numbers: the second query in cran.qry has .I 002 and id "2";
        // the third has .I 004 and id "3", matching the qrels' numbering.
        #expect(c.queries[2].id == "3" && c.queries[2].text.hasPrefix("what problems of heat conduction"))
        // cranqrel "1 184 2" (code 2, high relevance) -> grade 3; "1 13 4" (minimum interest) -> 1.
        #expect(c.qrels.judgments["1"]?["184"] == 3)
        #expect(c.qrels.judgments["1"]?["13"] == 1)
        // "1 486 -1" marks the source paper: dropped, not a judgment.
        #expect(c.qrels.judgments["1"]?["486"] == nil)
        let grades = c.qrels.judgments.values.flatMap(\.values)
        #expect(grades.count == 1837 - 225)
        #expect(Set(grades) == [1, 2, 3, 4])
    }

    @Test func malformedQrelsNameTheLine() {
        let dir = TestFiles.subdirectory("cran-bad")
        _ = TestFiles.write(".I 1\n.T\ntitle\n.W\nbody\n", name: "cran-bad/cran.all.1400")
        _ = TestFiles.write(".I 001\n.W\nquery text\n", name: "cran-bad/cran.qry")
        _ = TestFiles.write("1 1 2\n1 1 7\n", name: "cran-bad/cranqrel")
        let e = inputError { _ = try CranfieldReader.read(directory: dir) }
        #expect(e?.line == 2 && e?.field == "code")
    }
}

