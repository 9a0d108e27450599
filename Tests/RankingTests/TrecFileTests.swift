import Testing
@testable import Ranking

@Suite struct TrecFileTests {
    @Test func readsQrelsAndRuns() throws {
        let q = try Qrels.read(TestFiles.write("1 0 a 2\n1 0 b 0\n2 0 c 1\n"))
        #expect(q.judgments["1"]?["a"] == 2)
        #expect(q.judgments["2"]?["c"] == 1)
        let r = try TrecRun.read(TestFiles.write("1 Q0 a 1 2.5 x\n1 Q0 b 2 2.5 x\n"))
        #expect(TrecRun.trecOrder(r.results["1"]!).map(\.docID) == ["b", "a"])
    }

    @Test(arguments: [
        ("1 0 a 2\n1 0 b\n", 2, nil as String?),
        ("1 0 a high\n", 1, "rel"),
    ])
    func malformedQrels(text: String, line: Int, field: String?) {
        let e = inputError { _ = try Qrels.read(TestFiles.write(text)) }
        #expect(e?.line == line)
        #expect(e?.field == field)
    }

    @Test(arguments: [
        ("1 Q0 a 1 2.5 x\n1 Q0 b 2 x\n", 2, nil as String?),
        ("1 Q0 a 1 fast x\n", 1, "score"),
        ("1 Q0 a one 2 x\n", 1, "rank"),
    ])
    func malformedRuns(text: String, line: Int, field: String?) {
        let e = inputError { _ = try TrecRun.read(TestFiles.write(text)) }
        #expect(e?.line == line)
        #expect(e?.field == field)
    }

    @Test func emptyFiles() {
        #expect(inputError { _ = try Qrels.read(TestFiles.write("\n")) }?.message == "no judgments")
        #expect(inputError { _ = try TrecRun.read(TestFiles.write("")) }?.message == "no results")
    }

    /// An error names file and line and quotes at most 200 characters of a long value, in the
    /// field and in the message, whatever the reader passed in.
    @Test func errorsQuoteAtMost200CharactersOfInput() throws {
        let long = String(repeating: "x", count: 5000)
        let path = try TestFiles.write("1 0 a 2\n1 0 b \(long)\n")
        let e = try #require(inputError { _ = try Qrels.read(path) })
        let text = e.description
        #expect(text.hasPrefix("\(path):2: field 'rel': "))
        #expect(text.contains(String(repeating: "x", count: 200)) && !text.contains(String(repeating: "x", count: 201)))
        #expect(text.contains("4800 more characters"))
        let built = InputError(file: "f", line: 1, field: long, "value '\(long)' and '\(long)' are bad", hint: "not '\(long)'")
        #expect(!built.description.contains(String(repeating: "x", count: 201)))
        #expect(built.description.utf8.count < 1500)
    }

    /// Windows line ends: "\r\n" is one Character in Swift, and splitting at "\n" kept such a
    /// file as one line ("expected 4 fields, found 7").
    @Test func crlfFilesReadAsTheirLines() throws {
        let lf = try Qrels.read(TestFiles.write("1 0 a 2\n1 0 b 0\n2 0 c 1\n"))
        let crlf = try Qrels.read(TestFiles.write("1 0 a 2\r\n1 0 b 0\r\n2 0 c 1\r\n"))
        #expect(crlf.judgments == lf.judgments)
        let e = inputError { _ = try Qrels.read(TestFiles.write("1 0 a 2\r\n1 0 b\r\n")) }
        #expect(e?.line == 2)
    }
}
