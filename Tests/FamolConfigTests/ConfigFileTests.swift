import Foundation
import FamolConfig
import Ranking
import Testing

/// TOML files read by famol's own reader, with each key's line found for errors.
@Suite struct ConfigFileTests {
    @Test func readsTablesArraysAndStringsWithTheirLines() throws {
        let text = """
            # a comment
            seed = 7
            judge = "embedding"   # trailing comment
            [clicks]
            zipf = 1.25
            model = 'pbm'
            [training]
            layers = [
              64,  # first
              32,
            ]
            big = 1_000
            ok = true
            [a."b c"]
            s = "tab\\there \\"q\\" \\u00e9"
            """
        let t = try ConfigFile(text: text, file: "demo.toml")
        #expect(t.entries["seed"] == .init(value: .integer(7), line: 2))
        #expect(t.entries["judge"]?.value == .string("embedding"))
        #expect(t.entries["clicks.zipf"]?.value == .float(1.25))
        #expect(t.entries["clicks.model"] == .init(value: .string("pbm"), line: 6))
        #expect(t.entries["training.layers"] == .init(value: .array([.integer(64), .integer(32)]), line: 8))
        #expect(t.entries["training.big"] == .init(value: .integer(1000), line: 12))
        #expect(t.entries["training.ok"]?.line == 13)
        #expect(t.entries["a.b c.s"] == .init(value: .string("tab\there \"q\" é"), line: 15))
    }

    @Test(arguments: [
        ("seed = 1\nseed = 2", 2, "set twice"),
        ("x = [1, 2", 1, "expected ',' or ']'"),
        ("name = unquoted", 1, "not a TOML value"),
        ("s = \"open", 1, "unterminated"),
        ("[[points]]\nx = 1", 1, "arrays of tables"),
        ("a = 1 b", 1, "unexpected text"),
        ("when = 1979-05-27", 1, "not a TOML value"),
        ("[@", 1, "expected a key"),
        ("[\r\r", 1, "control character"),
        ("x = 1\n[a]\nq = [}}}}0, 1.5]", 3, "not a TOML value"),
        ("\u{FEFF}[[\\", 1, "arrays of tables"),
        ("\u{FEFF}[x]\n = 1", 2, "expected a key"),
        ("deep = " + String(repeating: "[", count: 5000), 1, "nested more than 8 deep"),
    ])
    func badInputNamesTheLine(text: String, line: Int, message: String) {
        do {
            _ = try ConfigFile(text: text, file: "bad.toml")
            Issue.record("accepted: \(text.prefix(40).debugDescription)")
        } catch let e as InputError {
            #expect(e.file == "bad.toml")
            #expect(e.line == line, "\(e.description)")
            #expect(e.description.contains(message), "\(e.description)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    private struct Target { var n = 0; var name = "" }

    @Test func aTableAppliesItsKeysSkipsOtherCommandsKeysAndRefusesUnknownOnes() throws {
        let table = SettingsTable<Target>(command: "train", [
            Setting("training.epochs", "epochs") { t, v in t.n = try v.int(min: 1) },
            Setting("name", "a name") { t, v in t.name = try v.string() },
        ])
        var t = Target()
        let file = try ConfigFile(text: "name = \"x\"\n[training]\nepochs = 3\n[clicks]\nzipf = 1.1\n", file: "c.toml")
        let skipped = try table.apply(file, to: &t, allKeys: ["clicks.zipf"])
        #expect(t.n == 3 && t.name == "x" && skipped == ["clicks.zipf"])
        let wrongType = try ConfigFile(text: "[training]\nepochs = \"many\"\n", file: "c.toml")
        #expect(throws: InputError(file: "c.toml", line: 2, field: "training.epochs", "expected an integer, found string")) {
            try table.apply(wrongType, to: &t, allKeys: [])
        }
        let unknown = try ConfigFile(text: "\n[clicks]\nzipf = 1.1\n", file: "c.toml")
        do {
            try table.apply(unknown, to: &t, allKeys: [])
            Issue.record("an unknown key was accepted")
        } catch let e as InputError {
            #expect(e.line == 3 && e.field == "clicks.zipf" && e.message == "unknown setting")
            #expect(e.hint?.contains("name, training.epochs") == true)
        }
    }
}

/// Control characters are refused with their line; Windows line ends are line ends.
@Suite struct ConfigFileControlCharacterTests {
    @Test(arguments: ["[\r\r", "a = 1\nb = \"x\u{1}y\"", "c = 2 # \u{7F}"])
    func controlCharactersAreRefusedWithTheirLine(text: String) {
        do {
            _ = try ConfigFile(text: text, file: "bad.toml")
            Issue.record("accepted: \(text.debugDescription)")
        } catch let e as InputError {
            #expect(e.file == "bad.toml" && e.message.contains("control character"), "\(e.description)")
            #expect(e.line == (text.hasPrefix("a = 1") ? 2 : 1))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func tabsAndWindowsLineEndsAreFine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("famol-crlf-\(getpid()).toml").path
        try "a\t= 1\r\nb = 2\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t = try ConfigFile.read(path)
        #expect(t.entries["a"]?.value == .integer(1) && t.entries["b"]?.line == 2)
    }
}

private func inputError(_ body: () throws -> Void) -> InputError? {
    do { try body() } catch let e as InputError { return e } catch { return nil }
    return nil
}
