import Foundation
import Testing
@testable import Ranking

@Suite struct TianGongReaderTests {
    static let session = """
        <?xml version="1.0" encoding="utf-8"?>
        <!-- a comment with <tags> -->
        <root>
        <session num="s1">
          <interaction num="1" starttime="1397805834.5" type="new">
            <query_id>q&amp;1</query_id><query>fish &lt;and&gt; chips</query>
            <results>
              <result rank="1"><docid>d1</docid><title><![CDATA[a <b> title]]></title></result>
              <result rank="2"><docid>d2</docid></result>
              <result rank="3"><docid>d3</docid></result>
            </results>
            <clicked>
              <click num="1"><rank>3</rank></click>
              <click num="2"><docid>d1</docid><rank>1</rank></click>
              <click num="3"><docid>elsewhere</docid></click>
            </clicked>
          </interaction>
          <interaction num="2"><query>no id</query><results><result><docid>d9</docid></result></results><clicked/></interaction>
        </session>
        </root>
        """

    @Test func readsInteractionsAsImpressions() throws {
        let log = try TianGongReader.read(TestFiles.write(Self.session))
        #expect(log.impressions == [
            Impression(query: "q&1", shown: ["d1", "d2", "d3"], clicked: ["d3", "d1"], timestamp: 1397805834.5, session: "s1"),
            Impression(query: "no id", shown: ["d9"], clicked: [], session: "s1"),
        ])
        #expect(log.unshownClicks == 1)
        #expect(log.lines == [5, 18])
    }

    @Test func writerAndReaderRoundTrip() throws {
        let log = [Impression(query: "a<b", shown: ["x", "y"], clicked: ["y"], timestamp: 2, session: "s"),
                   Impression(query: "c", shown: ["z"], clicked: [], session: "s"),
                   Impression(query: "c", shown: ["z", "x"], clicked: ["x", "z"])]
        let path = TestFiles.write(ClickLog.writeTianGong(log), name: "roundtrip.xml")
        #expect(try ClickLog.read(path).impressions == log.enumerated().map { k, imp in
            var i = imp
            if i.session == nil { i.session = String(k + 1) }
            return i
        })
    }

    @Test(arguments: [
        ("<session><interaction><query_id>q</query_id><results><result><docid>d</docid></result></results>", 1, "interaction"),
        ("<session>\n<interaction>\n<query_id>q</query_id>\n</interaction></session>", 2, "results"),
        ("<session><interaction><results><result><docid>d</docid></result></results></interaction></session>", 1, "query_id"),
        ("<session><interaction><query_id>q</query>", 1, "query"),
        ("<session><interaction><query_id>q &unknown; x</query_id>", 1, nil as String?),
        ("<session>\n\n<interaction><query_id>q</query_id><clicked><click><rank>zero</rank></click></clicked>", 3, "rank"),
        ("<session><interaction foo=bar>", 1, "interaction.foo"),
    ])
    func malformedSessionsNameTheLineAndField(text: String, line: Int, field: String?) {
        let e = inputError { _ = try TianGongReader.read(TestFiles.write(text)) }
        #expect(e != nil)
        #expect(e?.line == line)
        #expect(e?.field == field)
    }

    @Test func anEmptyFileIsAnError() {
        #expect(inputError { _ = try TianGongReader.read(TestFiles.write("<root></root>")) }?.message == "no interactions")
    }

    /// Mutated sessions (bytes dropped, repeated or replaced, seeded) either read or throw an
    /// `InputError`: never a trap, whatever the damage.
    @Test func mutatedSessionsNeverTrap() {
        var rng = SplitMix64(seed: 7)
        let base = Array(Self.session.utf8)
        let alphabet = Array("<>/&;=\"' \n#x0a!-[]".utf8)
        for trial in 0..<1500 {
            var bytes = base
            for _ in 0..<(1 + trial % 6) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes.remove(at: i)
                case 1: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + Int(rng.next() % 40))], at: i)
                default: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
                if bytes.isEmpty { bytes = [60] }
            }
            let path = TestFiles.write(String(decoding: bytes, as: UTF8.self), name: "mutated.xml")
            do { _ = try TianGongReader.read(path) } catch is InputError {} catch { Issue.record("trial \(trial): \(error)") }
        }
    }
}

/// SplitMix64: a seeded generator for reproducible mutations.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
