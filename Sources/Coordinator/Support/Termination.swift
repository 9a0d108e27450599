import Foundation

/// SIGTERM / SIGINT requests a clean stop: the trainer checkpoints at the next step and exits.
enum Termination {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0

    static func install() {
        signal(SIGTERM) { _ in Termination.requested = 1 }
        signal(SIGINT) { _ in Termination.requested = 1 }
    }

    struct Stopped: Error {}
}
