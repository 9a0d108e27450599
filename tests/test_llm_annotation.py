"""LLM annotation in one process against a real llama.cpp server (SmolLM2-135M, about chance
level: these tests check protocol, parsing, caching, budgets and failures, not label quality).
The full 15 x 10 run per strategy goes through the cluster in test_llm_cluster.py."""
import json
import sqlite3
import urllib.request

import pytest

from llm_support import LLMServer, unsent_after_kill

QUERIES, K = 4, 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = LLMServer(tmp_path_factory.mktemp("llm") / "server.log")
    yield s
    s.stop()


def annotate_args(datasets, out, server_endpoint, strategy, *extra):
    return ["annotate", "--judge", "openai", "--endpoint", server_endpoint, "--model", "smollm2",
            "--strategy", strategy, "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", QUERIES,
            "--structured-output", "json_object", "--timeout", 120, "--document-words", 20, "--max-tokens", 60,
            "--concurrency", 2, "--parse-retries", 1, "--out", out, *extra]


def annotate(famol, datasets, out, server_endpoint, strategy, *extra, check=True):
    return famol(*annotate_args(datasets, out, server_endpoint, strategy, *extra), check=check, timeout=900)


def stored(out):
    with sqlite3.connect(out / "annotations.sqlite") as db:
        return db.execute("SELECT key, labels IS NULL, raw FROM annotations").fetchall()


@pytest.mark.parametrize("strategy,calls_per_query", [("pointann", K), ("listann", 1), ("listsel", 1), ("listrank", 1)])
def test_every_key_is_asked_once_and_a_rerun_asks_nothing(famol, datasets, server, tmp_path, strategy, calls_per_query):
    before = server.count()
    out = annotate(famol, datasets, tmp_path, server.endpoint, strategy).stdout
    rows = stored(tmp_path)
    keys = {r[0] for r in rows}
    assert len(keys) == len(rows) == QUERIES * calls_per_query
    requests = server.count() - before
    with sqlite3.connect(tmp_path / "annotations.sqlite") as db:
        asked = db.execute("SELECT SUM(attempts) FROM annotations").fetchone()[0]
    assert requests == asked, f"server saw {requests} requests for {asked} attempts"
    assert f"queries annotated {QUERIES}" in out
    again = server.count()
    rerun = annotate(famol, datasets, tmp_path, server.endpoint, strategy).stdout
    assert server.count() == again, "a rerun must not call the LLM"
    assert f"cache hits {len(keys)}" in rerun
    labels = (tmp_path / "labels.qrels").read_text().splitlines()
    abstained = sum(r[1] for r in rows)
    print(f"{strategy}: {len(keys)} keys, {requests} requests, {abstained} abstentions, {len(labels)} labels")


def test_garbage_output_is_stored_as_abstentions_with_raw_text(famol, datasets, server, tmp_path):
    server.state(garbage=True)
    try:
        out = annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--max-queries", 2).stdout
    finally:
        server.state(garbage=False)
    rows = stored(tmp_path)
    assert len(rows) == 2 and all(r[1] == 1 and "blah" in r[2] for r in rows)
    assert "abstentions 2" in out
    assert (tmp_path / "labels.qrels").read_text() == ""


def test_http_500s_are_retried_and_every_request_is_accounted(famol, datasets, server, tmp_path):
    before = server.count()
    server.state(fail_next=3)
    out = annotate(famol, datasets, tmp_path, server.endpoint, "listrank", "--max-queries", 2, "--concurrency", 1).stdout
    assert server.state()["fail_next"] == 0
    assert "queries annotated 2" in out and len(stored(tmp_path)) == 2
    with sqlite3.connect(tmp_path / "annotations.sqlite") as db:
        accounted = db.execute("SELECT SUM(attempts) FROM annotations").fetchone()[0]
    # The three failed requests were sent (and maybe billed): the store counts them too.
    assert accounted == server.count() - before >= 2 + 3
    assert f"LLM calls {accounted}," in out


def test_server_down_stops_cleanly_and_keeps_what_was_stored(famol, datasets, server, tmp_path):
    annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--max-queries", 3)
    kept = stored(tmp_path)
    proc = annotate(famol, datasets, tmp_path, "http://127.0.0.1:9/v1", "listsel", "--retries", 1, check=False)
    assert proc.returncode == 69
    assert "every result obtained so far is stored" in proc.stderr
    assert set(stored(tmp_path)) >= set(kept)


def test_slow_responses_time_out_and_are_retried(famol, datasets, server, tmp_path):
    server.state(slow_ms=2500)
    try:
        proc = annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--max-queries", 1, "--timeout", 1,
                        "--retries", 1, check=False)
    finally:
        server.state(slow_ms=0)
    assert proc.returncode == 69 and "cannot reach" in proc.stderr
    ok = annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--max-queries", 1).stdout
    assert "queries annotated 1" in ok


def test_budget_stops_cleanly_low_frequency_first_and_resumes(famol, datasets, server, tmp_path):
    bands = tmp_path / "bands.txt"
    # Frequencies fall with the query number: the rarest queries are 211-225, all in the low band.
    bands.write_text("".join(f"{q} {1000 - q} {'high' if q <= 75 else 'mid' if q <= 150 else 'low'}\n" for q in range(1, 226)))
    out = annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--budget-calls", 2, "--bands", bands).stdout
    assert "budget used up" in out
    done = {l.split()[0] for l in (tmp_path / "labels.qrels").read_text().splitlines()}
    assert done and done <= {str(q) for q in range(226 - QUERIES, 226)}, f"low band first, got {done}"
    more = annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--bands", bands).stdout
    assert f"queries annotated {QUERIES}" in more and "cache hits" in more


def test_samples_are_separate_keys_and_labels_are_voted(famol, datasets, server, tmp_path):
    out = annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--max-queries", 2, "--samples", 3,
                   "--temperature", 0.8).stdout
    assert len(stored(tmp_path)) == 2 * 3, "each sample is its own key"
    labels = (tmp_path / "labels.jsonl").read_text().splitlines()
    assert len(labels) == 2 * K and all(json.loads(l)["label"] in (0, 1) for l in labels)
    assert "samples 3" in labels[0]


def ledger(out):
    with sqlite3.connect(out / "annotations.sqlite") as db:
        return db.execute("SELECT key, outcome, prompt_tokens, completion_tokens FROM requests ORDER BY id").fetchall()


def test_every_request_is_in_the_ledger_whatever_kills_the_process(famol, datasets, server, tmp_path):
    """Ten seeded SIGKILLs at random moments of a run, each followed by the next attempt: after
    every one the server has seen no request the store did not record, and at most the calls in
    flight were recorded but killed before they were sent; calls in flight at a kill are
    reported and not asked again; the last rerun sends nothing."""
    import os, pathlib, random, signal, subprocess, time
    rng = random.Random(20261201)
    binary = os.environ.get("FAMOL", str(pathlib.Path(__file__).resolve().parent.parent / ".build" / "release" / "famol"))
    # 6 queries x 10 documents: 60 calls, at most 2 in flight at 0.3 s or more each: every one of the
    # ten runs (0.3 to 2 s) is still going when killed.
    more = ("--max-queries", 6)
    args = [binary, *map(str, annotate_args(datasets, tmp_path, server.endpoint, "pointann", *more))]
    start = server.count()
    kills = unsent = 0
    # Each request takes at least 0.3 s, so the runs last long enough to be killed on any machine.
    server.state(slow_ms=300)
    try:
        for trial in range(10):
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 2.0))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait()
            recorded = len(ledger(tmp_path))
            unsent = unsent_after_kill(trial, server.count_after_kill(start, recorded), recorded, unsent, in_flight=2)
    finally:
        server.state(slow_ms=0)
    assert kills >= 8, f"only {kills} of the 10 runs were still going when killed"
    final = annotate(famol, datasets, tmp_path, server.endpoint, "pointann", *more).stdout
    rows = ledger(tmp_path)
    assert server.count() - start == len(rows) - unsent, "a completed run sent exactly what it recorded"
    unanswered = {k for k, outcome, _, _ in rows if outcome is None}
    with sqlite3.connect(tmp_path / "annotations.sqlite") as db:
        answered = {r[0] for r in db.execute("SELECT key FROM annotations")}
    # At most the calls in flight at each kill (concurrency 2) went unanswered; none was asked again.
    assert len(unanswered) <= 2 * kills
    assert not unanswered & answered
    if unanswered:
        assert f"{len(unanswered)} call(s) were sent by an earlier run" in final
    again = server.count()
    rerun = annotate(famol, datasets, tmp_path, server.endpoint, "pointann", *more).stdout
    assert server.count() == again, "a rerun must not send a request"
    # Asked once more on request: exactly one request per unanswered call, then none.
    retried = annotate(famol, datasets, tmp_path, server.endpoint, "pointann", *more, "--retry-unanswered").stdout
    assert server.count() - again == len(ledger(tmp_path)) - len(rows) >= len(unanswered)
    assert "unanswered calls of an earlier run" not in retried
    print(f"{kills} kills, {len(rows)} requests, {len(unanswered)} unanswered; rerun: {rerun.splitlines()[-1]}")


@pytest.mark.parametrize("workers", [0, 2])
def test_a_request_budget_is_never_exceeded_with_failures_injected(famol, datasets, server, tmp_path, workers):
    before = server.count()
    # On a cluster the first call holds the whole budget (less than its worst case): 5 failed
    # requests, then a second attempt with the 2 left, which fail too and end the run.
    failures = 7 if workers else 3
    server.state(fail_next=failures)
    prefix = ["local", "--workers", str(workers)] if workers else []
    try:
        out = famol(*prefix, *annotate_args(datasets, tmp_path, server.endpoint, "pointann", "--budget-calls", 7), timeout=900).stdout
    finally:
        server.state(fail_next=0)
    assert "budget used up" in out
    # Every request counts, the failed ones too: 7 sent, never 8. In process concurrent calls
    # reserve each request first; on a cluster each lease carries an allowance of the budget.
    assert server.count() - before == len(ledger(tmp_path)) == 7
    assert sum(1 for _, outcome, _, _ in ledger(tmp_path) if outcome == "HTTP 500") == failures


@pytest.mark.parametrize("workers", [0, 2])
def test_an_endpoint_that_cannot_keep_up_stops_the_run_instead_of_burying_it_in_retries(famol, datasets, server, tmp_path, workers):
    """Every request times out (the server answers after 2.5 s, the client waits 1 s): famol
    lowers its requests in flight, gives up after --give-up-after requests in a row without an
    answer, says so, and every request it sent is in the ledger."""
    import time
    before = server.count()
    prefix = ["local", "--workers", str(workers)] if workers else []
    server.state(slow_ms=2500)
    started = time.time()
    try:
        proc = famol(*prefix, *annotate_args(datasets, tmp_path, server.endpoint, "pointann", "--timeout", 1, "--concurrency", 4,
                                             "--give-up-after", 4, "--budget-calls", 200), check=False, timeout=600)
    finally:
        server.state(slow_ms=0)
    elapsed = time.time() - started
    seen = server.count() - before
    assert proc.returncode == 69, (proc.returncode, proc.stderr[-2000:])
    assert "did not keep up" in proc.stderr and "--concurrency" in proc.stderr
    assert seen == len(ledger(tmp_path)), "every abandoned request is recorded"
    # Each ChatClient (the process's, or each worker's) gives up after 4 overloaded requests in
    # a row; the requests already in flight then (at most --concurrency per client) end too.
    clients = max(workers, 1)
    assert seen <= clients * (4 + 4), (seen, proc.stderr[-2000:])
    assert elapsed < 120, f"took {elapsed:.0f} s to stop"
    print(f"workers {workers}: {seen} requests, stopped after {elapsed:.1f} s")


def test_a_token_budget_is_reserved_before_each_request(famol, datasets, server, tmp_path):
    out = annotate(famol, datasets, tmp_path, server.endpoint, "pointann", "--budget-tokens", 3000).stdout
    assert "budget used up" in out
    spent = sum((p or 0) + (c or 0) for _, _, p, c in ledger(tmp_path))
    assert 0 < spent <= 3000


def test_parse_retries_sample_again_instead_of_resending_the_same_request(famol, datasets, server, tmp_path):
    server.state(garbage=True, record=True)
    try:
        annotate(famol, datasets, tmp_path, server.endpoint, "listsel", "--max-queries", 1, "--parse-retries", 2, "--concurrency", 1)
        recorded = json.loads(urllib.request.urlopen(server.endpoint.replace("/v1", "/famol/requests"), timeout=10).read())
    finally:
        server.state(garbage=False, record=False)
    temperatures = [r["temperature"] for r in recorded[-3:]]
    assert temperatures == [0.0, 0.4, 0.8], temperatures


@pytest.fixture
def small_disk(tmp_path, request):
    """A 2 MiB tmpfs for the run directory with `request.param` KiB free: the stores fill it mid-run."""
    import subprocess
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        (mount / "filler").write_bytes(b"\0" * (2048 * 1024 - request.param * 1024))
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


# In process the store alone fills the disk; on a cluster the coordinator's and both workers'
# stores share it, and need room to open before they fill it.
@pytest.mark.parametrize("workers,small_disk", [(0, 150), (2, 400)], indirect=["small_disk"])
def test_a_full_disk_stops_the_run_without_paying_for_what_cannot_be_kept(famol, datasets, server, small_disk, workers):
    import time
    out = small_disk / "run"
    before = server.count()
    prefix = ["local", "--workers", str(workers)] if workers else []
    started = time.time()
    proc = famol(*prefix, *annotate_args(datasets, out, server.endpoint, "pointann", "--max-queries", 15), check=False, timeout=600)
    elapsed = time.time() - started
    # In process the store fails: 74. On a cluster the first store to fail may be a worker's
    # (in the same run directory): it sends nothing and the run stops with 69, naming the disk.
    assert proc.returncode in ((69, 74) if workers else (74,)), (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "check free disk space" in proc.stderr
    seen = server.count() - before
    with sqlite3.connect(f"file:{out / 'annotations.sqlite'}?mode=ro", uri=True) as db:
        stored_attempts = db.execute("SELECT COALESCE(SUM(attempts), 0) FROM annotations").fetchone()[0]
        recorded = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    if workers:
        # Workers send the requests: what came back and could not be stored is at most the
        # calls in flight (2 workers x concurrency 2, each up to 2 requests with a parse retry).
        assert stored_attempts <= seen <= stored_attempts + 2 * 2 * 2, (seen, stored_attempts)
    else:
        # In process every request is in the ledger before it is sent.
        assert seen == recorded, (seen, recorded)
    assert seen < 15 * K, "it stopped when the disk filled"
    assert stored_attempts > 0, "the disk filled mid-run, after some answers were stored"
    assert elapsed < 30, f"took {elapsed:.0f} s to stop (start-up included)"
    print(f"workers {workers}: stopped after {elapsed:.1f} s, {seen} requests, {stored_attempts} stored attempts")


def test_llm_requests_tokens_and_cache_hits_are_prometheus_metrics(famol, datasets, server, tmp_path):
    """--metrics-port serves what the endpoint costs while the run goes: requests by outcome,
    tokens, request-time histogram, retries, cache hits and the budget left."""
    import subprocess, time
    from cluster_support import free_port, metric, metrics, wait_for
    annotate(famol, datasets, tmp_path, server.endpoint, "pointann", "--max-queries", 1)  # 10 stored: cache hits next
    port = free_port()
    server.state(slow_ms=300, fail_next=1)
    args = [str(a) for a in annotate_args(datasets, tmp_path, server.endpoint, "pointann", "--max-queries", 2,
                                          "--metrics-port", port, "--budget-calls", 1000)]
    proc = subprocess.Popen([str(famol.binary), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: metric(port, 'famol_llm_requests_total{outcome="answered"}') >= 3, timeout=120,
                 what="3 answered requests")
        values = metrics(port)
    finally:
        out, err = proc.communicate(timeout=600)
        server.state(slow_ms=0, fail_next=0)
    assert proc.returncode == 0, err[-2000:]
    assert values.get("famol_llm_cache_hits_total", 0) == 10, values
    assert values.get('famol_llm_requests_total{outcome="http_500"}', 0) == 1
    assert values.get("famol_llm_retries_total", 0) >= 1
    assert values.get('famol_llm_tokens_total{kind="prompt"}', 0) > 0 and values.get('famol_llm_tokens_total{kind="completion"}', 0) > 0
    assert values.get("famol_llm_request_seconds_count", 0) >= 3
    assert 0 < values.get("famol_llm_budget_requests_left", 0) < 1000
