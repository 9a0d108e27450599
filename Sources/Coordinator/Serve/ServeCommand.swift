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
        discussion: "Workers (famol-worker --connect BIND) stay connected between jobs and get each job in a new Welcome; each job's outputs go to OUT/job-N/. With --curve the submit socket admits the same keys as the worker socket (--authorized-keys lists workers and submitting clients). SIGTERM stops the server after the running job (exit 143)."
    )

    @Option(help: "Endpoint famol submit sends jobs to (e.g. tcp://*:5556 with --curve, or ipc://DIR/submit.sock in a directory of mode 0700).")
    var submit: String
    @Option(help: "Directory of the jobs' outputs (OUT/job-N/model.json, history.json).") var out: String
    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions

    func validate() throws {
        guard cluster.bind != nil else { throw ValidationError("famol serve needs --bind ENDPOINT for its workers") }
        if case .refused(let why) = BindPolicy.decide(endpoint: submit, curve: cluster.curve, insecure: cluster.insecure) {
            throw ValidationError(why.replacingOccurrences(of: "--bind", with: "--submit"))
        }
    }

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        try reportingInputErrors {
            pinBLASToOneThread()
            Termination.install()
            let settings = try cluster.settings(bind: cluster.bind!)
            let server = try SubmitServer(bind: submit, curve: settings.curve, logger: Log.famol)
            let pool = ServedJobs(settings: settings, minWorkers: cluster.minWorkers, outputDirectory: out)
            let metrics = try cluster.metricsPort.map { try MetricsServer(host: cluster.metricsHost, port: $0) { FamolMetrics.text() } }
            print("famol serve: workers on \(settings.bind), jobs on \(server.boundEndpoint), outputs in \(out)"
                  + (metrics.map { ", metrics on http://\(cluster.metricsHost):\($0.port)/metrics" } ?? ""))
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
