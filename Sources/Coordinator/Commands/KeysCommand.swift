import ArgumentParser
import Cluster
import Ranking

/// `famol keys generate`: CURVE key pairs for the coordinator and workers.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage CURVE keys.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public).",
            discussion: "Give the coordinator its .key with --curve-key and the workers' .pub files, concatenated, with --authorized-keys; give each worker its own .key and the coordinator's .pub.")

        @Option(help: "Path prefix of the key files.") var out: String

        func run() throws {
            try reportingInputErrors {
                try CurveKeyPair.generate().write(prefix: out)
                print("wrote \(out).key (secret) and \(out).pub")
            }
        }
    }
}
