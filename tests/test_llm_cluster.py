"""Annotation through a local cluster of 2 workers against the real LLM server, with a worker
SIGKILLed mid-way and the coordinator killed and restarted once: every key ends with exactly
one stored result, the server saw exactly one request per key, and a rerun asks nothing."""
import signal
import sqlite3
import time

import pytest

from cluster_support import Cluster, free_port, wait_exit, wait_for
from llm_support import LLMServer

QUERIES, K = 15, 10
CALLS = {"pointann": QUERIES * K, "listann": QUERIES, "listsel": QUERIES, "listrank": QUERIES}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = LLMServer(tmp_path_factory.mktemp("llm") / "server.log")
    yield s
    s.stop()


def stored_rows(out):
    try:
        with sqlite3.connect(out / "annotations.sqlite") as db:
            return db.execute("SELECT key FROM annotations").fetchall()
    except sqlite3.Error:
        return []


@pytest.mark.parametrize("strategy", ["pointann", "listann", "listsel", "listrank"])
def test_cluster_annotation_survives_worker_and_coordinator_kills(famol, datasets, server, tmp_path, strategy):
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "run"
    args = ["annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2", "--strategy", strategy,
            "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", QUERIES, "--structured-output", "json_object",
            "--document-words", 20, "--max-tokens", 60, "--concurrency", 2, "--parse-retries", 0, "--timeout", 120,
            # famol raises annotation liveness to 10 s (here 100 beats): a live worker whose
            # heartbeats a loaded machine delays is not taken for dead, so no call is paid twice.
            "--bind", endpoint, "--min-workers", 2, "--heartbeat-ms", 100, "--liveness", 5, "--out", out]
    expected = CALLS[strategy]
    before = server.count()
    c = Cluster(tmp_path)
    try:
        first = c.start("famol", args, "first.log")
        # Worker 1 SIGKILLs itself when it starts its 4th call, before sending that call's request.
        w1 = c.worker(endpoint, "w1", "--fault", "crash-after=3")
        c.worker(endpoint, "w2")
        wait_for(lambda: w1.poll() is not None, timeout=300, what="worker 1's crash")
        assert w1.returncode == -signal.SIGKILL
        c.worker(endpoint, "w3")
        wait_for(lambda: len(stored_rows(out)) >= max(6, expected // 3), timeout=600, what="a third of the calls stored")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        kept = len(stored_rows(out))
        assert kept < expected, "the coordinator must die mid-way"
        second = c.start("famol", args, "second.log")
        assert wait_exit(second, timeout=900) == 0, second.log_path.read_text()[-2000:]
    finally:
        c.close()
    keys = [r[0] for r in stored_rows(out)]
    assert len(keys) == len(set(keys)) == expected
    requests = server.count() - before
    print(f"{strategy}: {expected} keys, {requests} requests at the server, {kept} stored before the coordinator died")
    assert requests == expected
    again = server.count()
    rerun = famol(*args[:args.index("--bind")], "--out", out, timeout=600)
    assert server.count() == again
    assert f"cache hits {expected}" in rerun.stdout


def test_each_worker_keeps_to_the_jobs_concurrency(famol, datasets, server, tmp_path):
    """`--concurrency 1` means one call in flight per worker, whatever the workers' training
    credit (2 by default): each worker offers exactly 1 slot for annotation."""
    proc = famol("local", "--workers", 2, "annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2",
                 "--strategy", "listsel", "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", 2,
                 "--structured-output", "json_object", "--document-words", 20, "--max-tokens", 60, "--concurrency", 1,
                 "--out", tmp_path / "run", timeout=600)
    log = proc.stdout + proc.stderr
    assert log.count("ready, 1 task(s) at once") == 2, log[-2000:]
    assert "queries annotated 2" in proc.stdout
