"""Network hosts on one machine: network namespaces joined by veth pairs on a bridge, each
with an address of its own subnet. Used by the multi-host tests and the network benchmark;
needs root, and everything made is removed on every exit path."""
import os
import subprocess

from cluster_support import binary

TAG = str(os.getpid() % 10000)
SUBNET = f"10.177.{os.getpid() % 200 + 20}"


def sh(*args, check=True):
    return subprocess.run(list(map(str, args)), capture_output=True, text=True, check=check)


def can_make_namespaces():
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    probe = f"famolprobe{TAG}"
    r = sh("ip", "netns", "add", probe, check=False)
    if r.returncode != 0:
        return f"network namespaces are not allowed here: {r.stderr.strip()}"
    sh("ip", "netns", "del", probe, check=False)
    return None


class Hosts:
    """Namespaces c (coordinator), w1, w2 on bridge fb<TAG>; removed on every exit path."""

    def __init__(self, hosts=("c", "w1", "w2")):
        self.names = {h: f"famol{h}{TAG}" for h in hosts}
        self.addr = {h: f"{SUBNET}.{i + 1}" for i, h in enumerate(self.names)}
        self.bridge = f"fb{TAG}"
        self.procs = []
        try:
            sh("ip", "link", "add", self.bridge, "type", "bridge")
            sh("ip", "link", "set", self.bridge, "up")
            for i, (h, ns) in enumerate(self.names.items()):
                host_end, ns_end = f"fh{h}{TAG}", f"fn{h}{TAG}"
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end)
                sh("ip", "link", "set", ns_end, "netns", ns)
                sh("ip", "link", "set", host_end, "master", self.bridge)
                sh("ip", "link", "set", host_end, "up")
                sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{self.addr[h]}/24", "dev", ns_end)
                sh("ip", "netns", "exec", ns, "ip", "link", "set", ns_end, "up")
                sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        except Exception:
            self.close()
            raise

    def run(self, host, name, args, log):
        """Starts famol's binary `name` inside `host`, its output in `log`."""
        return self.run_command(host, [binary(name), *args], log)

    def run_command(self, host, argv, log, env=None):
        out = open(log, "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.names[host], *map(str, argv)],
                             stdout=out, stderr=subprocess.STDOUT, env=env)
        p.log_path = log
        self.procs.append(p)
        return p

    def cut(self, host):
        sh("ip", "link", "set", f"fh{host}{TAG}", "down")

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
        for ns in self.names.values():
            sh("ip", "netns", "del", ns, check=False)
        for h in self.names:
            sh("ip", "link", "del", f"fh{h}{TAG}", check=False)
        sh("ip", "link", "del", self.bridge, check=False)
