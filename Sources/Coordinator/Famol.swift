import ArgumentParser
import Cluster
import Ranking
@preconcurrency import Glibc

/// The entry point: line-buffered output, so progress shows up in logs as it happens.
@main
enum FamolMain {
    static func main() {
        BLASCore.adoptBestForThisCPU()
        setvbuf(stdout, nil, _IOLBF, 0)
        tuneAllocatorForTraining()
        dieWithParentIfAsked()
        Famol.main()
    }
}

/// famol: learning to rank from clicks and LLM annotations, fused by frequency-aware
/// multi-objective learning.
struct Famol: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "famol",
        abstract: "Train search rankers from clicks and relevance labels, fused per query-frequency band (FAMOL).",
        discussion: """
            Exit codes: 0 success; 64 bad command-line usage; 65 bad input data (the message names \
            the file, line and field); 69 cluster or LLM endpoint unavailable (no workers, endpoint in use \
            or failing); 70 internal failure (a bug: please report it); 74 an output could not be written \
            (disk full, unwritable directory, the annotation store failing); 143 stopped by SIGTERM or \
            Ctrl-C after writing a checkpoint.
            """,
        subcommands: [
            DemoCommand.self, StudyCommand.self, FeaturesCommand.self, SimulateCommand.self, ClicksCommand.self,
            TrainCommand.self, RankCommand.self, PackCommand.self, EvaluateCommand.self, AnnotateCommand.self, EmbedCommand.self, LocalCommand.self, ServeCommand.self, SubmitCommand.self, KeysCommand.self, BenchCommand.self,
        ]
    )
}
