import Foundation
import FamolConfig
import Ranking
import Testing

/// TOML files read through TOMLKit, with each key's line found for errors.
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
            note = \"\"\"
            not = a key
            \"\"\"
            [a."b c"]
            s = "tab\\there \\"q\\" \\u00e9"
            inline = { x = 1, y = [2.5] }
            """
        let t = try ConfigFile(text: text, file: "demo.toml")
        #expect(t.entries["seed"] == .init(value: .integer(7), line: 2))
        #expect(t.entries["judge"]?.value == .string("embedding"))
        #expect(t.entries["clicks.zipf"]?.value == .float(1.25))
        #expect(t.entries["clicks.model"] == .init(value: .string("pbm"), line: 6))
        #expect(t.entries["training.layers"] == .init(value: .array([.integer(64), .integer(32)]), line: 8))
        #expect(t.entries["training.big"] == .init(value: .integer(1000), line: 12))
        #expect(t.entries["training.ok"]?.line == 13)
        #expect(t.entries["training.not"] == nil)
        #expect(t.entries["a.b c.s"] == .init(value: .string("tab\there \"q\" é"), line: 18))
        #expect(t.entries["a.b c.inline.y"] == .init(value: .array([.float(2.5)]), line: 19))
    }

    @Test(arguments: [
        ("seed = 1\nseed = 2", 2, "not valid TOML"),
        ("x = [1, 2", 1, "not valid TOML"),
        ("name = unquoted", 1, "not valid TOML"),
        ("s = \"open", 1, "not valid TOML"),
        ("[[points]]\nx = 1", 1, "a table in an array"),
        ("a = 1 b", 1, "not valid TOML"),
        ("when = 1979-05-27", 1, "date"),
        ("m = [[1], [2]]", 1, "nested array"),
    ])
    func badInputNamesTheLine(text: String, line: Int, message: String) {
        do {
            _ = try ConfigFile(text: text, file: "bad.toml")
            Issue.record("accepted: \(text)")
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

/// Text that toml++ must never see: it asserted (and aborted famol) on a lone carriage return.
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

    /// toml++ asserted (and aborted) on a table header whose first key starts badly; famol
    /// refuses it first. Nested arrays on lines of their own are not headers.
    @Test(arguments: ["[@", "[ @]", "x = 1\n[[ +a ]]", "[[['l-", "\u{FEFF}[[\\", "\u{00A0}[\u{00A0}@"])
    func aHeaderThatStartsWithoutAKeyIsRefused(text: String) {
        do {
            _ = try ConfigFile(text: text, file: "bad.toml")
            Issue.record("accepted: \(text.debugDescription)")
        } catch let e as InputError {
            #expect(e.line == (text.hasPrefix("x") ? 2 : 1) && e.message.contains("table header"), "\(e.description)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func nestedArraysOnTheirOwnLinesAreNotHeaders() throws {
        // Parsed by toml++ (no header error), then refused by famol: no setting takes one.
        let e = inputError { _ = try ConfigFile(text: "m = [\n  [+1, 2],\n  [{ a = 1 }],\n]\n", file: "ok.toml") }
        #expect(e?.message.contains("nested array") == true && e?.line == 1)
        let t = try ConfigFile(text: "m = [\n  1,\n]\n[\"quoted key\"]\nb = 2\n", file: "ok.toml")
        #expect(t.entries["quoted key.b"]?.line == 5)
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
