import FamolConfig

/// `famol serve`'s own settings, `serve.*` keys and flags; its cluster's are `cluster.*`.
struct ServeSettings {
    var submit: String? = nil
    var out: String? = nil

    static var table: SettingsTable<ServeSettings> {
        SettingsTable(command: "serve", [
            Setting("serve.submit", "endpoint famol submit sends jobs to (e.g. tcp://*:5556 with --curve, or ipc://DIR/submit.sock in a directory of mode 0700)",
                    \.submit) { try $0.string() },
            Setting("serve.out", "directory of the jobs' outputs (OUT/job-N/model.json, labels.jsonl, results.json)", \.out) { try $0.string() },
        ])
    }
}
