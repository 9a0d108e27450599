import Cluster
import Foundation
import Testing

/// Which binds a coordinator accepts without CURVE: decisions as plain values.
@Suite struct BindPolicyTests {
    private func decide(_ endpoint: String, curve: Bool = false, insecure: Bool = false,
                        mode: mode_t = 0o40700, owner: uid_t = getuid()) -> BindPolicy.Decision {
        BindPolicy.decide(endpoint: endpoint, curve: curve, insecure: insecure) { _ in (mode, owner) }
    }

    @Test func aPlainTCPBindIsRefusedOnLoopbackToo() {
        for endpoint in ["tcp://127.0.0.1:5555", "tcp://localhost:5555", "tcp://*:5555", "tcp://[::1]:5555"] {
            guard case .refused(let why) = decide(endpoint) else { Issue.record("\(endpoint) accepted"); continue }
            #expect(why.contains("--curve") && why.contains("--insecure"))
        }
    }

    @Test func curveOrAnExplicitInsecureAllowsTCP() {
        #expect(decide("tcp://*:5555", curve: true) == .allowed)
        #expect(decide("tcp://127.0.0.1:5555", insecure: true) == .allowed)
    }

    @Test func anIPCSocketMustBeInAPrivateDirectoryOfThisUser() {
        #expect(decide("ipc:///run/user/famol/c.sock") == .allowed)
        guard case .refused(let open) = decide("ipc:///tmp/c.sock", mode: 0o41777) else { Issue.record("world-open dir accepted"); return }
        #expect(open.contains("mode 1777") && open.contains("0700"))
        #expect(decide("ipc:///srv/famol/c.sock", mode: 0o40750) != .allowed)
        #expect(decide("ipc:///srv/famol/c.sock", owner: getuid() &+ 1) != .allowed)
        let missing = BindPolicy.decide(endpoint: "ipc:///no/such/dir/c.sock", curve: false, insecure: false) { _ in nil }
        guard case .refused(let why) = missing else { Issue.record("missing dir accepted"); return }
        #expect(why.contains("does not exist"))
    }

    @Test func theRealDirectoryModeIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("famol-bind-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o700)
        #expect(BindPolicy.decide(endpoint: "ipc://\(dir)/c.sock", curve: false, insecure: false) == .allowed)
        chmod(dir, 0o755)
        #expect(BindPolicy.decide(endpoint: "ipc://\(dir)/c.sock", curve: false, insecure: false) != .allowed)
    }
}
