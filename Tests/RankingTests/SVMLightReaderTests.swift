import Testing
@testable import Ranking

@Suite struct SVMLightReaderTests {
    @Test func readsQueriesFeaturesAndDocumentIDs() throws {
        let path = TestFiles.write("""
            2 qid:7 1:0.5 3:1.25 # d1
            0 qid:7 2:-3e-2 # docid = GX-2 inc = 1
            1 qid:9 1:1
            """)
        let data = try SVMLightReader.read(path)
        #expect(data.featureCount == 3)
        #expect(data.queries.map(\.id) == ["7", "9"])
        #expect(data.queries[0].docIDs == ["d1", "GX-2"])
        #expect(data.queries[0].labels == [2, 0])
        #expect(data.queries[0].features == [0.5, 0, 1.25, 0, -0.03, 0])
        #expect(data.queries[1].docIDs[0].hasSuffix("-3"))
    }

    @Test func takesQueryBoundariesFromGroupFile() throws {
        let path = TestFiles.write("1 1:1\n0 2:1\n3 1:2\n", name: "grouped.svm")
        _ = TestFiles.write("2\n1\n", name: "grouped.svm.query")
        let data = try SVMLightReader.read(path)
        #expect(data.queries.map(\.count) == [2, 1])
    }

    @Test func roundTripsThroughTheWriter() throws {
        let data = RankingDataset(featureCount: 2, queries: [
            RankingQuery(id: "q1", docIDs: ["a", "b"], labels: [1, 0], features: [0.25, 0, 1.5, -2]),
        ])
        let back = try SVMLightReader.parse(Array(SVMLightWriter.render(data).utf8), file: "mem")
        #expect(back == data)
    }

    @Test func parsesNumbersExactlyLikeStrtof() throws {
        let texts = ["0.1", "123.4567", "1e-3", "-7.25", "0.000123", "99999999.5", "3.4028235e38", "1234567.8"]
        let line = "0 qid:1 " + texts.enumerated().map { "\($0.offset + 1):\($0.element)" }.joined(separator: " ")
        let data = try SVMLightReader.parse(Array(line.utf8), file: "mem")
        #expect(data.queries[0].features == texts.map { Float($0)! })
    }

    @Test(arguments: [
        ("1 qid:1 1:0.5\n1 qid:1 oops\n", 2, "oops"),
        ("1 qid:1 1:0.5\n1 2:0.5\n", 2, "qid"),
        ("1 qid:1 1:0.5\n1 qid:1 2:abc\n", 2, "feature 2"),
        ("x qid:1 1:0.5\n", 1, "label"),
        ("1 qid:1 3:1 2:1\n", 1, "feature 2"),
        ("1 qid:1 0:1\n", 1, "0"),
        // Indices that used to trap: past Int32 and past Int64 (20 digits, which wrapped around).
        ("1 qid:1 1:1\n1 qid:1 3000000000:1\n", 2, "feature 3000000000"),
        ("1 qid:1 99999999999999999999:1\n", 1, "99999999999999999999"),
        ("1 qid:1 100001:1\n", 1, "feature 100001"),
    ])
    func malformedLinesNameTheLineAndField(text: String, line: Int, field: String) {
        let error = inputError { _ = try SVMLightReader.read(TestFiles.write(text)) }
        #expect(error?.line == line)
        #expect(error?.field == field)
        #expect(error?.description.contains(":\(line): ") == true)
    }

    @Test func missingQidEverywhereAsksForAGroupFile() {
        let error = inputError { _ = try SVMLightReader.read(TestFiles.write("1 1:0.5\n")) }
        #expect(error?.line == 1)
        #expect(error?.hint?.contains(".query") == true)
    }

    @Test func emptyAndMissingFilesAreClearErrors() {
        #expect(inputError { _ = try SVMLightReader.read(TestFiles.write("")) }?.message == "no data rows")
        #expect(inputError { _ = try SVMLightReader.read("/nonexistent/x.svm") }?.message == "cannot open file")
    }

    @Test func groupSizesThatDoNotAddUpAreRejected() {
        let path = TestFiles.write("1 1:1\n0 2:1\n", name: "bad-groups.svm")
        _ = TestFiles.write("3\n", name: "bad-groups.svm.query")
        let error = inputError { _ = try SVMLightReader.read(path) }
        #expect(error?.file.hasSuffix(".query") == true)
    }

    @Test func readsTheBundledYahooSample() throws {
        let train = try SVMLightReader.read(TestFiles.datasets + "/yahoo-ltr-sample/rank.train")
        #expect(train.queries.count == 201)
        #expect(train.documentCount == 3005)
        #expect(train.featureCount <= 300)
    }
}
