import FamolConfig
import Ranking
import Testing

/// One declaration per setting: its key, its flag, its check and its help line.
@Suite struct SettingsTableTests {
    struct Target {
        var epochs = 40
        var layers = [64, 32]
        var rate = 1e-3
        var name: String? = nil
    }

    static var table: SettingsTable<Target> { SettingsTable(command: "test", [
        Setting("training.epochs", "epochs", \.epochs) { try $0.int(min: 1) },
        Setting("training.layers", "hidden layer widths", \.layers) { try $0.ints(min: 1) },
        Setting("training.learning_rate", "learning rate", flag: "--lr", \.rate) { try $0.double(in: 1e-9...10) },
        Setting("run_name", "a name", \.name) { try $0.string() },
    ]) }

    @Test func aFlagIsTheKeysLastPartUnlessDeclared() {
        #expect(Self.table.settings.map(\.flag) == ["--epochs", "--layers", "--lr", "--run-name"])
    }

    @Test func flagsAreCheckedAsTheirKeysAreInAConfigFile() throws {
        var t = Target()
        try Self.table.apply(flags: [("training.epochs", "3"), ("training.layers", "16,8,4"), ("training.learning_rate", "2e-3"),
                                     ("run_name", "42"), ("training.epochs", nil)], to: &t)
        #expect(t.epochs == 3 && t.layers == [16, 8, 4] && t.rate == 2e-3 && t.name == "42")
        let single = try { var u = Target(); try Self.table.apply(flags: [("training.layers", "16")], to: &u); return u.layers }()
        #expect(single == [16])
        for (key, text, message) in [("training.epochs", "0", "--epochs: field 'training.epochs': must be at least 1"),
                                     ("training.epochs", "x", "expected an integer, found 'x'"),
                                     ("training.layers", "64,,32", "field 'training.layers': expected an integer, found ''"),
                                     ("training.learning_rate", "11", "--lr: field 'training.learning_rate': must be in")] {
            var u = Target()
            #expect {
                try Self.table.apply(flags: [(key, text)], to: &u)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test func aFlagsHelpLineComesFromItsSettingWithKeyAndDefault() {
        #expect(Self.table.flagHelp("training.layers", defaults: Target()) == "Hidden layer widths (config training.layers, default 64,32).")
        #expect(Self.table.flagHelp("run_name", defaults: Target()) == "A name (config run_name).")
    }
}
