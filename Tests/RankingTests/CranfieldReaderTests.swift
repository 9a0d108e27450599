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

    @Test func malformedCollectionFilesNameTheLine() {
        let dir = TestFiles.subdirectory("cran-bad-docs")
        _ = TestFiles.write(".I 1\n.T\ntitle\nstray\n.X\n", name: "cran-bad-docs/cran.all.1400")
        _ = TestFiles.write("text before any record\n", name: "cran-bad-docs/cran.qry")
        _ = TestFiles.write("", name: "cran-bad-docs/cranqrel")
        #expect(inputError { _ = try CranfieldReader.readQueries(dir + "/cran.qry") }?.line == 1)
        let empty = TestFiles.subdirectory("cran-empty")
        _ = TestFiles.write("", name: "cran-empty/cran.all.1400")
        #expect(inputError { _ = try CranfieldReader.read(directory: empty) }?.message.contains("no .I records") == true)
        _ = TestFiles.write(".I 1\n.W\n\n", name: "cran-bad-docs/q2")
        #expect(inputError { _ = try CranfieldReader.readQueries(dir + "/q2") }?.field == ".W")
    }

    @Test func tsvCollectionsAndTheirErrors() throws {
        let docs = TestFiles.write("d1\tA title\tsome body\nd2\tonly body\n")
        let queries = TestFiles.write("q1\tfind the body\n")
        let c = try TSVCollectionReader.read(documents: docs, queries: queries, qrels: nil)
        #expect(c.documents.map(\.id) == ["d1", "d2"] && c.documents[1].body == "only body")
        let authors = TestFiles.write("d1\tA title\tsome body\tA. Smith and B. Jones\n")
        #expect(try TSVCollectionReader.read(documents: authors, queries: queries, qrels: nil).documents[0].authors == "A. Smith and B. Jones")
        let json = TestFiles.write("{\"id\": \"d1\", \"title\": \"A\", \"text\": \"B\", \"authors\": \"C\"}\n")
        #expect(try TSVCollectionReader.read(documents: json, queries: queries, qrels: nil).documents
                == [TextDocument(id: "d1", title: "A", body: "B", authors: "C")])
        let bad = TestFiles.write("d1\tA\tB\tC\textra\n")
        #expect(inputError { _ = try TSVCollectionReader.read(documents: bad, queries: queries, qrels: nil) }?.line == 1)
        let badQ = TestFiles.write("q1\n")
        #expect(inputError { _ = try TSVCollectionReader.read(documents: docs, queries: badQ, qrels: nil) }?.line == 1)
        // A document or query given twice names both lines (it used to trap in famol annotate).
        let twice = TestFiles.write("d1\tA\tB\nd2\tC\nd1\tD\tE\n")
        let e = inputError { _ = try TSVCollectionReader.read(documents: twice, queries: queries, qrels: nil) }
        #expect(e?.line == 3 && e?.field == "id" && e?.message.contains("line 1") == true)
        let twiceQ = TestFiles.write("q1\tx\nq1\ty\n")
        #expect(inputError { _ = try TSVCollectionReader.read(documents: docs, queries: twiceQ, qrels: nil) }?.line == 2)
    }
}
