"""The cluster across separate network hosts: three network namespaces made by this test,
joined by veth pairs on a bridge it creates, with addresses it assigns to its own namespaces.
The coordinator runs in one, a worker in each of the others, over TCP with CURVE. Needs root;
skipped with a message where namespaces cannot be made."""
import os
import re
import subprocess
import time

import pytest

from cluster_support import binary, model_hash, wait_for
from test_cluster import train_args, yahoo  # noqa: F401  (the fixture)

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

    def __init__(self):
        self.names = {h: f"famol{h}{TAG}" for h in ("c", "w1", "w2")}
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
        out = open(log, "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.names[host], binary(name), *map(str, args)],
                             stdout=out, stderr=subprocess.STDOUT)
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


@pytest.fixture
def hosts():
    why = can_make_namespaces()
    if why:
        pytest.skip(f"multi-host test skipped: {why}")
    h = Hosts()
    yield h
    h.close()


def keys(famol, tmp_path):
    for name in ("server", "w1", "w2"):
        famol("keys", "generate", "--out", tmp_path / name)
    (tmp_path / "workers.pub").write_text((tmp_path / "w1.pub").read_text() + (tmp_path / "w2.pub").read_text())


def run_cluster(hosts, tmp_path, yahoo, cut_after_epoch=None):
    endpoint = f"tcp://{hosts.addr['c']}:5555"
    coord = hosts.run("c", "famol", ["train", *train_args(yahoo, tmp_path / "run"), "--bind", endpoint, "--curve",
                                     "--curve-key", tmp_path / "server.key", "--authorized-keys", tmp_path / "workers.pub",
                                     "--min-workers", 2, "--heartbeat-ms", 100, "--liveness", 10], tmp_path / "coordinator.log")
    for w in ("w1", "w2"):
        hosts.run(w, "famol-worker", ["--connect", endpoint, "--id", w, "--curve-server-key", tmp_path / "server.pub",
                                      "--curve-key", tmp_path / f"{w}.key", "--fault", "delay-ms=5"], tmp_path / f"{w}.log")
    if cut_after_epoch:
        wait_for(lambda: f"epoch {cut_after_epoch:3d}" in coord.log_path.read_text(), timeout=120, what="the cut point")
        hosts.cut("w2")
    coord.wait(timeout=300)
    log = coord.log_path.read_text()
    assert coord.returncode == 0, log[-3000:]
    return log


def test_cluster_across_namespaces_matches_single_process(famol, yahoo, hosts, tmp_path):
    reference = model_hash(famol("train", *train_args(yahoo, tmp_path / "single")).stdout)
    keys(famol, tmp_path)
    log = run_cluster(hosts, tmp_path, yahoo)
    assert model_hash(log) == reference
    assert "(2 ready)" in log


def test_cutting_a_workers_link_mid_run_keeps_the_model(famol, yahoo, hosts, tmp_path):
    reference = model_hash(famol("train", *train_args(yahoo, tmp_path / "single")).stdout)
    keys(famol, tmp_path)
    log = run_cluster(hosts, tmp_path, yahoo, cut_after_epoch=2)
    assert re.search(r"worker w2 removed: missed \d+ heartbeats", log), log[-2000:]
    assert model_hash(log) == reference
