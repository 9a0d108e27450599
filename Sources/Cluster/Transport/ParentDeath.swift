import CZMQ
import Foundation

/// Processes started by `famol local` (which sets FAMOL_DIE_WITH_PARENT=1) die with it, even
/// when it is SIGKILLed and cannot stop them itself.
public func dieWithParentIfAsked() {
    if ProcessInfo.processInfo.environment["FAMOL_DIE_WITH_PARENT"] == "1" {
        _ = famol_die_with_parent()
    }
}
