import ArgumentParser

/// famol: learning to rank from clicks and LLM annotations, fused by frequency-aware
/// multi-objective learning.
@main
struct Famol: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "famol",
        abstract: "Train search rankers from clicks and relevance labels, fused per query-frequency band (FAMOL).",
        discussion: """
            Exit codes: 0 success; 64 bad command-line usage; 65 bad input data (the message names \
            the file, line and field); 69 cluster unavailable (no workers, endpoint in use); \
            70 internal failure; 143 stopped by SIGTERM or Ctrl-C after writing a checkpoint.
            """,
        subcommands: [
            DemoCommand.self, FeaturesCommand.self, SimulateCommand.self, ClicksCommand.self,
            TrainCommand.self, RankCommand.self, EvaluateCommand.self, LocalCommand.self, KeysCommand.self,
        ]
    )
}
