"""The cluster across separate network hosts: three network namespaces made by this test,
joined by veth pairs on a bridge it creates, with addresses it assigns to its own namespaces.
The coordinator runs in one, a worker in each of the others, over TCP with CURVE. Needs root;
skipped with a message where namespaces cannot be made."""
import re

import pytest

from cluster_support import model_hash, wait_for
from netns_hosts import Hosts, can_make_namespaces
from test_cluster import train_args, yahoo  # noqa: F401  (the fixture)


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
