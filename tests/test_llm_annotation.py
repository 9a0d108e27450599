"""LLM annotation in one process against a real llama.cpp server (SmolLM2-135M, about chance
level: these tests check protocol, parsing, caching, budgets and failures, not label quality).
The full 15 x 10 run per strategy goes through the cluster in test_llm_cluster.py."""
import json
import sqlite3

import pytest

from llm_support import LLMServer

QUERIES, K = 4, 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = LLMServer(tmp_path_factory.mktemp("llm") / "server.log")
    yield s
    s.stop()


def annotate(famol, datasets, out, server_endpoint, strategy, *extra, check=True):
    return famol("annotate", "--judge", "openai", "--endpoint", server_endpoint, "--model", "smollm2",
                 "--strategy", strategy, "--cranfield", datasets / "cranfield", "--k", K, "--max-queries", QUERIES,
                 "--structured-output", "json_object", "--timeout", 120, "--document-words", 20, "--max-tokens", 60,
                 "--concurrency", 2, "--parse-retries", 1, "--out", out, *extra, check=check, timeout=900)


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
