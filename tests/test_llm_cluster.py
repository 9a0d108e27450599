"""Annotation through a local cluster of 2 workers against the real LLM server, with a worker
SIGKILLed mid-way and the coordinator killed and restarted once: every key ends with exactly
one stored result, the server saw exactly one request per key, and a rerun asks nothing."""
import json
import signal
import sqlite3
import time

import pytest

from cluster_support import Cluster, cranfield_tsv, free_port, model_hash, wait_exit, wait_for
from llm_support import LLMServer, unsent_after_kill

# 10 list calls: the coordinator is killed with a third to 4 of them left (about 2 s each here).
QUERIES, K = 10, 8
CALLS = {"listann": QUERIES, "listsel": QUERIES, "listrank": QUERIES}


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


# PointAnn's calls are covered by the seeded-kill test below (the same
# guarantees and the request count after each kill); the list strategies run here.
@pytest.mark.parametrize("strategy", ["listann", "listsel", "listrank"])
def test_cluster_annotation_survives_worker_and_coordinator_kills(famol, datasets, server, tmp_path, strategy):
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "run"
    c = Cluster(tmp_path)
    args = ["annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2", "--strategy", strategy,
            "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", QUERIES, "--structured-output", "json_object",
            "--document-words", 20, "--max-tokens", 60, "--concurrency", 2, "--parse-retries", 0, "--timeout", 120,
            # famol raises annotation liveness to 10 s (here 100 beats): a live worker whose
            # heartbeats a loaded machine delays is not taken for dead, so no call is paid twice.
            "--bind", endpoint, *c.coordinator_curve(), "--min-workers", 2, "--heartbeat-ms", 100, "--liveness", 5, "--out", out]
    expected = CALLS[strategy]
    before = server.count()
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


def test_a_call_that_fails_for_good_fails_the_job_and_cancels_the_other_workers_calls(datasets, server, tmp_path):
    """Worker w1's API key is refused (HTTP 401: no retry can help) while w2's requests get 500s
    and back off before each retry: the coordinator fails the job at once and cancels w2's
    leases, so w2 sends no retry, and the run says why."""
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    c = Cluster(tmp_path)
    args = ["annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2", "--strategy", "listsel",
            "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", 6, "--structured-output", "json_object",
            "--document-words", 20, "--max-tokens", 60, "--concurrency", 2, "--parse-retries", 0, "--retries", 4,
            "--bind", endpoint, *c.coordinator_curve(), "--min-workers", 2, "--out", tmp_path / "run"]
    server.state(refuse_key="refused-key", fail_next=1000)
    try:
        coordinator = c.start("famol", args, "coordinator.log")
        c.worker(endpoint, "w1", "--store", tmp_path / "w1.sqlite", env={"OPENAI_API_KEY": "refused-key"})
        c.worker(endpoint, "w2", "--store", tmp_path / "w2.sqlite", env={"OPENAI_API_KEY": "good-key"})
        code = wait_exit(coordinator, timeout=120)
    finally:
        server.state(refuse_key="", fail_next=0)
        c.close()
    log = coordinator.log_path.read_text()
    assert code == 69 and "HTTP 401" in log, log[-2000:]
    with sqlite3.connect(tmp_path / "w2.sqlite") as db:
        w2 = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    # Without the cancellation each of w2's 2 calls would send all 5 of its attempts.
    assert w2 <= 2 * 2, f"w2 sent {w2} requests after the job had failed"


def all_requests(out):
    """Every request recorded anywhere in the run directory: the coordinator's store (its own
    and those it imported, by origin) and each worker's store, each counted once."""
    seen = set()
    for path in [out / "annotations.sqlite", *sorted((out / "workers").glob("*.sqlite"))]:
        if not path.exists():
            continue
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            try:
                rows = db.execute("SELECT id, source, source_id FROM requests").fetchall()
            except sqlite3.Error:
                continue
        for rid, source, source_id in rows:
            seen.add((source, source_id) if source else (path.name, rid))
    return seen


def test_famol_local_kills_cost_no_unrecorded_request(famol, datasets, server, tmp_path):
    """Six trials of SIGKILLs at seeded random moments of `famol local --workers 2 annotate` (a
    worker mid-request, the coordinator mid-run, or both; each twice), each followed by the next
    run: after every one the server saw no request that was not recorded; answers the workers got are
    recovered by the next run; keys asked twice are few and reported; a last rerun sends none."""
    import os, pathlib, random, subprocess
    rng = random.Random(1201)
    binary = os.environ.get("FAMOL", str(pathlib.Path(__file__).resolve().parent.parent / ".build" / "release" / "famol"))
    out = tmp_path / "run"
    args = [binary, "local", "--workers", "2", "annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2",
            "--strategy", "pointann", "--cranfield", str(datasets / "cranfield"), "--k", "8", "--max-queries", "12",
            "--structured-output", "json_object", "--document-words", "20", "--max-tokens", "40", "--concurrency", "2",
            "--parse-retries", "0", "--timeout", "120", "--out", str(out)]
    start = server.count()
    kills = unsent = 0
    # Each request takes at least 0.3 s, so the runs last long enough to be killed on any machine.
    server.state(slow_ms=300)
    try:
        for trial in range(6):
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(rng.uniform(1.5, 3.5))
            target = ("worker", "coordinator", "both")[trial % 3]  # each twice, at random moments
            if p.poll() is None:
                children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
                names = {c: open(f"/proc/{c}/cmdline").read().split("\0")[0] for c in children if os.path.exists(f"/proc/{c}")}
                workers = [c for c, n in names.items() if n.endswith("famol-worker")]
                coordinators = [c for c, n in names.items() if not n.endswith("famol-worker")]
                if target == "both":
                    os.killpg(p.pid, signal.SIGKILL)
                for c in (workers[:1] if target == "worker" else coordinators if target == "coordinator" else []):
                    os.kill(int(c), signal.SIGKILL)
                if target == "worker":
                    # The other worker takes over the dead one's calls; then the whole run dies
                    # too, so that every trial ends mid-run.
                    time.sleep(rng.uniform(0.5, 1.5))
                    os.killpg(p.pid, signal.SIGKILL)
                kills += 1
            try:
                p.wait(timeout=300)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            time.sleep(0.3)  # children that outlived famol local die with it (parent-death signal)
            recorded = len(all_requests(out))
            # In flight at a kill: 2 workers x 2 calls.
            unsent = unsent_after_kill(f"{trial} ({target})", server.count_after_kill(start, recorded), recorded, unsent, in_flight=4)
    finally:
        server.state(slow_ms=0)
    assert kills >= 5, f"only {kills} of the 6 runs were still going when killed"
    final = famol(*args[1:], timeout=900)
    assert server.count() - start == len(all_requests(out)) - unsent
    with sqlite3.connect(out / "annotations.sqlite") as db:
        recorded = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        twice = db.execute("SELECT COUNT(DISTINCT key) FROM requests WHERE outcome IS NULL AND key IN (SELECT key FROM annotations)").fetchone()[0]
    assert recorded - unsent == server.count() - start, "every worker's requests reach the coordinator's store"
    # Asked twice only when a worker died with the request in flight and its call went to the
    # other (at most 2 workers x 2 calls per kill), and reported.
    assert twice <= 4 * kills
    if twice:
        assert "asked again after a worker died" in final.stdout
    again = server.count()
    famol(*args[1:], timeout=900)
    assert server.count() == again, "a rerun must not send a request"
    print(f"{kills} kills, {recorded} requests; {final.stdout.splitlines()[-1]}")


def test_serve_runs_every_job_kind_on_one_pool_through_a_kill_and_a_failing_job(famol, datasets, server, tmp_path):
    """famol serve with 2 workers: a training, an embedded-judge annotation during which a worker
    is SIGKILLed, an LLM annotation against the llama.cpp server (its calls on the workers, each
    stored before it is acknowledged, asked once), a job that fails, and a training again; each
    result equals its in-process twin, byte for byte, and the failing job fails alone. The LLM job
    resubmitted sends no request: the pool's store already holds every judgment."""
    c = Cluster(tmp_path)
    try:
        keys = c._keys()
        famol("keys", "generate", "--out", keys / "client")
        (keys / "admitted.pub").write_text((keys / "worker.pub").read_text() + (keys / "client.pub").read_text())
        spec = {name: tmp_path / f"{name}.json" for name in ("train", "embed", "llm", "broken")}
        data = tmp_path / "train.svm"
        famol("bench", "generate", "--queries", 60, "--out", data)
        train = ["train", "--train", data, "--valid", data, "--epochs", 4, "--patience", 0]
        reference = model_hash(famol(*train, "--out", tmp_path / "train-here").stdout)
        famol(*train, "--out", tmp_path / "unused", "--write-spec", spec["train"])
        broken = json.loads(spec["train"].read_text())
        broken["trainPath"] = str(tmp_path / "missing.svm")
        spec["broken"].write_text(json.dumps(broken))
        docs, queries = cranfield_tsv(datasets, tmp_path, documents=250, queries=12)
        embed = ["annotate", "--judge", "embedding", "--documents", docs, "--queries", queries, "--k", 25, "--embedding-max-tokens", 64]
        famol(*embed, "--out", tmp_path / "embed-here", timeout=300)
        famol(*embed, "--out", tmp_path / "unused", "--write-spec", spec["embed"])
        llm = ["annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2", "--strategy", "listsel",
               "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", 4, "--structured-output", "json_object",
               "--document-words", 20, "--max-tokens", 60, "--concurrency", 2, "--parse-retries", 0, "--timeout", 120]
        famol(*llm, "--out", tmp_path / "llm-here", timeout=600)
        famol(*llm, "--out", tmp_path / "unused", "--write-spec", spec["llm"])

        endpoint, submit = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
        served = tmp_path / "served"
        serve = c.start("famol", ["serve", "--bind", endpoint, "--submit", submit, "--curve", "--curve-key", keys / "coordinator.key",
                                  "--authorized-keys", keys / "admitted.pub", "--min-workers", 2, "--heartbeat-ms", 100,
                                  "--liveness", 5, "--out", served], "serve.log")
        for w in ("w1", "w2"):
            c.worker(endpoint, w, "--store", tmp_path / f"{w}.sqlite")
        client = ["--to", submit, "--curve-server-key", keys / "coordinator.pub", "--curve-key", keys / "client.key"]

        def submitted(kind, name, **kw):
            return famol("submit", kind, "--spec", spec[name], *client, timeout=600, **kw)

        def same_file(job, here, name):
            return (served / f"job-{job}" / name).read_bytes() == (tmp_path / here / name).read_bytes()

        assert model_hash(submitted("train", "train").stdout) == reference
        assert same_file(1, "train-here", "model.json")
        # A third worker joins for job 2 only, and SIGKILLs itself as it starts its second batch
        # (it is leased two at once): its batches are leased again to the two others.
        doomed = c.worker(endpoint, "w3", "--fault", "crash-after=1")
        wait_for(lambda: "worker w3 ready" in serve.log_path.read_text(), what="worker 3 in the pool")
        embedded = submitted("annotate", "embed").stdout
        assert doomed.wait(timeout=10) == -signal.SIGKILL, embedded
        assert "batches on the workers" in embedded and "w3 removed" in serve.log_path.read_text()
        assert same_file(2, "embed-here", "labels.jsonl")
        before = server.count()
        annotated = submitted("annotate", "llm").stdout
        assert server.count() - before == 4, annotated  # ListSel: one call per query, each asked once
        assert same_file(3, "llm-here", "labels.jsonl"), "temperature 0: the same answers as in process"
        assert len(stored_rows(served)) == 4
        failed = famol("submit", "train", "--spec", spec["broken"], *client, timeout=300, check=False)
        assert failed.returncode == 65 and "job 4 failed" in failed.stderr + failed.stdout and "missing.svm" in failed.stderr + failed.stdout
        assert model_hash(submitted("train", "train").stdout) == reference
        paid = server.count()
        resubmitted = submitted("annotate", "llm").stdout
        assert server.count() == paid, resubmitted
        assert same_file(6, "llm-here", "labels.jsonl")
        assert "LLM calls 0, cache hits 4," in resubmitted, resubmitted
        assert "liveness raised" in annotated and serve.poll() is None
        serve.send_signal(signal.SIGTERM)
        assert wait_exit(serve, timeout=30) == 143
        assert "job 4 failed" in serve.log_path.read_text() and "job 6 done" in serve.log_path.read_text()
    finally:
        c.close()
