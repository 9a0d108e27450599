import ArgumentParser
import Cluster
import FamolLog
import Foundation
import Ranking

/// `famol serve`: a standing pool. Workers connect to --bind and stay; clients queue jobs on
/// --submit with `famol submit`; jobs run one after another on the same workers, and a job's
/// failure fails that job, not the server.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Keep a pool of workers and run the jobs famol submit queues, one after another.",
        discussion: "Workers (famol-worker --connect BIND) stay connected between jobs and get each job in a new Welcome; each job's outputs go to OUT/job-N/. With --curve the submit socket admits the same keys as the worker socket (--authorized-keys lists workers and submitting clients). SIGTERM stops the server after the running job (exit 143)." + "\n\n"
            + "Keys of --config FILE (TOML; flags override them):\n" + ServeSettings.table.helpText + "\n" + ClusterSettings.table.helpText
    )

    @Option(help: "TOML file of settings (serve.*, cluster.*; one file may also carry the other commands' keys); flags override it.")
    var config: String?
    @Option(help: help("serve.submit")) var submit: String?
    @Option(help: help("serve.out")) var out: String?
    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions

    private static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(ServeSettings.table.flagHelp(key, defaults: ServeSettings()))
    }

    /// Defaults, then the config file, then the flags given; both endpoints checked.
    func settings() throws -> (cluster: ClusterSettings, submit: String, out: String) {
        var own = ServeSettings()
        var pool = ClusterSettings()
        if let config { try ConfigFiles.apply(config, ServeSettings.table, to: &own, cluster: &pool) }
        try ServeSettings.table.applyCommandLine([("serve.submit", submit), ("serve.out", out)], to: &own)
        pool = try cluster.resolved(over: pool)
        guard pool.bind != nil else { throw ValidationError("famol serve needs --bind ENDPOINT (cluster.bind) for its workers") }
        guard let submit = own.submit, let out = own.out else {
            throw ValidationError("famol serve needs --submit ENDPOINT (serve.submit) and --out DIR (serve.out)")
        }
        if case .refused(let why) = BindPolicy.decide(endpoint: submit, curve: pool.curve, insecure: pool.insecure) {
            throw ValidationError(why.replacingOccurrences(of: "--bind", with: "--submit"))
        }
        return (pool, submit, out)
    }

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        try reportingInputErrors {
            let (options, submit, out) = try settings()
            pinBLASToOneThread()
            Termination.install()
            let settings = try options.coordinatorSettings(bind: options.bind!)
            let server = try SubmitServer(bind: submit, curve: settings.curve, logger: Log.famol)
            let pool = ServedJobs(settings: settings, minWorkers: options.minWorkers, outputDirectory: out)
            let metrics = try options.metricsPort.map { try MetricsServer(host: options.metricsHost, port: $0) { FamolMetrics.text() } }
            print("famol serve: workers on \(settings.bind), jobs on \(server.boundEndpoint), outputs in \(out)"
                  + (metrics.map { ", metrics on http://\(options.metricsHost):\($0.port)/metrics" } ?? ""))
            defer {
                pool.stop()
                server.stop()
                metrics?.stop()
            }
            while Termination.requested == 0 {
                guard let submission = server.next(timeout: 0.5) else { continue }
                pool.run(submission) { server.send($0, to: submission.client) }
                server.finished()
            }
            print("famol serve: stopped by signal")
            throw ExitCode(143)
        }
    }
}
