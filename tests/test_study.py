"""famol study: the study on a user's own data. A click log written as famol JSONL and in
TianGong-ST's session layout over Cranfield documents given as text gives the same per-query
metrics, through a local cluster of 2 workers, as the demo's world it was taken from; a
features-only data set (the Yahoo sample, a simulated log, simulated judge labels, Baidu-style
buckets) runs end to end with per-band counts that match its inputs; bad inputs stop before
any training with the file, line and field."""
import collections
import json
import os
import pathlib
import subprocess
import threading
import time
import types
from xml.sax.saxutils import escape

import pytest

# The demo's world that a user's data can equal: Cranfield's own grades (strength 0), no
# quality feature, one simulation seed, main arms only.
DEMO_TOML = """
seed = 42
queries = 30
[study]
simulation_seeds = 1
training_seeds = 1
permutations = 200
ablation = false
negative_control = false
true_negatives = false
[clicks]
impressions = 1200
[training]
epochs = 4
[world]
quality_strengths = [0]
quality_signal = false
""" + "[embedding]\nmax_tokens = 64\n"
# The demo's embedding setting, for the studies that must equal its world: the first 64 tokens
# of each text (encoding them is most of a small study's time).
EMBEDDING_TOML = "[embedding]\nmax_tokens = 64\n"
STUDY_FLAGS = ["--epochs", "4", "--training-seeds", "1", "--permutations", "200", "--seed", "42", "--no-ablation",
               "--no-negative-control"]
METRICS = ["ndcg@1", "ndcg@3", "ndcg@5", "ndcg@10", "err@10", "mrr"]


@pytest.fixture(scope="session")
def famol_binary():
    return os.environ.get("FAMOL", str(pathlib.Path(__file__).resolve().parent.parent / ".build" / "release" / "famol"))


def tiangong_xml(impressions):
    """The log in TianGong-ST's published session layout, written here, not by famol."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<root>"]
    for n, imp in enumerate(impressions):
        out.append(f'<session num="{n + 1}">')
        out.append(f'  <interaction num="1" starttime="{1397805834 + n}.0" type="reformulate">')
        out.append(f"    <query_id>{escape(imp['query'])}</query_id>")
        out.append(f"    <query>query text &amp; more</query>")
        out.append("    <results>")
        for r, d in enumerate(imp["shown"]):
            out.append(f'      <result rank="{r + 1}" id="{r}"><docid>{escape(d)}</docid><url>http://x/{r}</url>'
                       f"<title>t</title><relevance><TACM>0.5</TACM></relevance></result>")
        out.append("    </results>")
        out.append("    <clicked>")
        for c, d in enumerate(imp["clicked"]):
            # Half of the clicks name their document, the others only their rank.
            ref = f"<docid>{escape(d)}</docid>" if c % 2 == 0 else ""
            out.append(f'      <click num="{c + 1}">{ref}<rank>{imp["shown"].index(d) + 1}</rank><timestamp>1</timestamp></click>')
        out.append("    </clicked>")
        out.append("  </interaction>")
        out.append("</session>")
    out.append("</root>")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def demo_world(famol, datasets, tmp_path_factory):
    base = tmp_path_factory.mktemp("study")
    (base / "demo.toml").write_text(DEMO_TOML)
    (base / "embedding.toml").write_text(EMBEDDING_TOML)
    famol("demo", "--config", base / "demo.toml", "--cranfield", datasets / "cranfield", "--out", base / "demo", timeout=900)
    world = base / "demo" / "study" / "data" / "quality-0-0" / "sim-1"
    results = json.loads((base / "demo" / "results.json").read_text())["result"]
    # The human judgments of the study's 30 queries (Cranfield judges all 225).
    ids = {line.split("\t")[0] for line in (base / "demo" / "queries.tsv").read_text().splitlines()}
    qrels = [l for l in (base / "demo" / "qrels.txt").read_text().splitlines() if l.split()[0] in ids]
    (base / "human.qrels").write_text("\n".join(qrels) + "\n")
    return base, world, results


def per_query(results, group):
    return {e["method"]: e["perQuery"] for e in results["evaluations"] if e["group"] == group and e["testSet"] == "candidates"}


def run_counting_children(binary, *args, timeout=900):
    """Runs famol and records every process it starts (pid -> program name), polling /proc."""
    p = subprocess.Popen([binary, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    children, lines = {}, []
    reader = threading.Thread(target=lambda: lines.extend(p.stdout), daemon=True)
    reader.start()
    deadline = time.time() + timeout
    while p.poll() is None:
        assert time.time() < deadline, "famol study timed out"
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = open(f"/proc/{entry}/stat").read()
                if int(stat.rsplit(")", 1)[1].split()[1]) == p.pid:
                    # Empty while a child is between fork and exec, or exiting: keep the name seen.
                    name = os.path.basename(open(f"/proc/{entry}/cmdline").read().split("\0")[0])
                    if name:
                        children[int(entry)] = name
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(0.05)
    reader.join()
    assert p.returncode == 0, "".join(lines)[-3000:]
    return "".join(lines), children


def test_study_on_text_and_a_jsonl_log_equals_the_demo_world_it_came_from(famol, famol_binary, demo_world):
    base, world, demo = demo_world
    out = base / "jsonl"
    stdout, children = run_counting_children(
        famol_binary, "study", "--documents", base / "demo" / "documents.tsv", "--queries", base / "demo" / "queries.tsv",
        "--log", world / "clicks.jsonl", "--labels", f"embedding={base / 'demo' / 'judge.qrels'}",
        "--qrels", base / "human.qrels", "--workers", "2", "--config", base / "embedding.toml", "--out", out, *STUDY_FLAGS)
    # One cluster for the whole study: 2 workers, no per-model famol local or famol train.
    assert "training on one local cluster of 2 famol-worker processes" in stdout
    assert sorted(children.values()) == ["famol-worker", "famol-worker"], children
    proc = types.SimpleNamespace(stdout=stdout)
    assert "inputs per band" in proc.stdout and "judged queries (scored)" in proc.stdout
    study = json.loads((out / "results.json").read_text())
    got, want = per_query(study["result"], "observed"), per_query(demo, "quality 0.0")
    assert set(got) == set(want) - {"clicks (IPS, true propensities)"}  # no true propensities in a real log
    for method, values in got.items():
        for metric in METRICS:
            assert len(values[metric]) == 30
            for q, v in values[metric].items():
                assert v == pytest.approx(want[method][metric][q], abs=1e-12), (method, metric, q)
    # The report names its inputs with their hashes and counts.
    params = study["parameters"]
    assert any(k.startswith("input:") and k.endswith("clicks.jsonl") and v.startswith("sha256:") for k, v in params.items())
    w = study["result"]["worlds"][0]
    assert w["judgedQueriesPerBand"]["all"] == 30
    assert round(w["impressionsPerBand"]["all"]) == 1200
    assert (out / "report.html").read_text().count("<svg") >= 1


def test_study_on_a_tiangong_log_with_a_judged_subset_and_its_own_judge_scores_only_judged_queries(famol, demo_world):
    base, world, demo = demo_world
    impressions = [json.loads(line) for line in (world / "clicks.jsonl").read_text().splitlines()]
    (base / "sessions.xml").write_text(tiangong_xml(impressions))
    qrels = (base / "human.qrels").read_text().splitlines()
    judged_ids = sorted({line.split()[0] for line in qrels}, key=int)[:20]
    (base / "subset.qrels").write_text("\n".join(l for l in qrels if l.split()[0] in judged_ids) + "\n")
    out = base / "tiangong"
    # The embedded judge runs here instead of being read: its labels are the demo's.
    famol("study", "--documents", base / "demo" / "documents.tsv", "--queries", base / "demo" / "queries.tsv",
          "--log", base / "sessions.xml", "--judge", "embedding",
          "--qrels", base / "subset.qrels", "--workers", "2", "--config", base / "embedding.toml", "--out", out, *STUDY_FLAGS, timeout=900)
    assert (out / "judge.qrels").read_text() == (base / "demo" / "judge.qrels").read_text()
    study = json.loads((out / "results.json").read_text())["result"]
    got, want = per_query(study, "observed"), per_query(demo, "quality 0.0")
    w = study["worlds"][0]
    assert w["judgedQueriesPerBand"]["all"] == 20 and len(w["bands"]) == 30
    assert round(w["impressionsPerBand"]["all"]) == len(impressions)
    for method, values in got.items():
        for metric in METRICS:
            assert set(values[metric]) == set(judged_ids), (method, metric)
            if method == "oracle (human labels)":
                continue  # it learns from the judgments, so from fewer queries here
            for q, v in values[metric].items():
                assert v == pytest.approx(want[method][metric][q], abs=1e-12), (method, metric, q)


def yahoo_queries(path):
    """Query ids and document ids as famol names them in a LightGBM-style file with a .query file."""
    sizes = [int(x) for x in open(str(path) + ".query").read().split()]
    queries, line = {}, 1
    labels = [int(float(l.split()[0])) for l in open(path).read().splitlines()]
    for q, size in enumerate(sizes):
        queries[str(q + 1)] = [(f"{path.name}-{line + k}", labels[line + k - 1]) for k in range(size)]
        line += size
    return queries


@pytest.fixture(scope="module")
def yahoo_inputs(famol, datasets, tmp_path_factory):
    base = tmp_path_factory.mktemp("yahoo-study")
    data = datasets / "yahoo-ltr-sample" / "rank.train"
    famol("simulate", "--data", data, "--impressions", "4000", "--zipf", "1.1", "--seed", "5", "--out", base / "clicks.jsonl")
    famol("annotate", "--judge", "simulated", "--candidates", data, "--out", base / "annotate")
    queries = yahoo_queries(data)
    (base / "human.qrels").write_text("".join(f"{q} 0 {d} {g}\n" for q, docs in queries.items() for d, g in docs))
    # Baidu-style buckets: deciles of the queries by impressions, 0 the most frequent.
    freq = collections.Counter(json.loads(l)["query"] for l in (base / "clicks.jsonl").read_text().splitlines())
    order = sorted(queries, key=lambda q: (-freq[q], int(q)))
    buckets = {q: min(9, 10 * i // len(order)) for i, q in enumerate(order)}
    (base / "buckets.txt").write_text("".join(f"{q} {b}\n" for q, b in buckets.items()))
    return base, data, queries, freq, buckets


def yahoo_study_toml(base, data, epochs, study=""):
    """A study config over the Yahoo inputs, every path absolute."""
    return f"""
log = "{base / 'clicks.jsonl'}"
data = "{data}"
labels = ["{base / 'annotate' / 'labels.jsonl'}"]
qrels = "{base / 'human.qrels'}"
buckets = "{base / 'buckets.txt'}"
[study]
training_seeds = 1
permutations = 200
{study}[training]
epochs = {epochs}
"""


def test_study_on_a_features_only_data_set_reports_every_band_with_its_input_counts(famol, yahoo_inputs):
    base, data, queries, freq, buckets = yahoo_inputs
    out = base / "run"
    # Inputs and settings from a config file; flags override it (epochs 3, not 50).
    (base / "study.toml").write_text(yahoo_study_toml(base, data, epochs=50))
    proc = famol("study", "--config", base / "study.toml", "--out", out, "--epochs", "3", timeout=900)
    assert "ablation: skipped" in proc.stdout
    doc = json.loads((out / "results.json").read_text())
    assert doc["parameters"]["training.epochs"] == "3" and doc["parameters"]["study.training_seeds"] == "1"
    result = doc["result"]
    assert [w["group"] for w in result["worlds"]] == ["observed", "control (shuffled bands)"]
    w = result["worlds"][0]
    band = {q: "high" if b <= 2 else "mid" if b <= 6 else "low" for q, b in buckets.items()}
    assert w["bands"] == band
    clicks = collections.Counter()
    for line in (base / "clicks.jsonl").read_text().splitlines():
        imp = json.loads(line)
        clicks[band[imp["query"]]] += len(imp["clicked"])
    for b in ["high", "mid", "low"]:
        members = [q for q in queries if band[q] == b]
        assert members, b
        assert round(w["impressionsPerBand"][b]) == sum(freq[q] for q in members)
        assert round(w["clicksPerBand"][b]) == clicks[b]
        assert w["judgedQueriesPerBand"][b] == len(members)
        assert doc["summary"]["queriesPerBand"][b] == len(members)
    # Every arm scored every judged query; the labels came with their provenance.
    for e in result["evaluations"]:
        assert set(e["perQuery"]["ndcg@10"]) == set(queries)
    assert "simulated judge" in doc["sources"]["labels:annotate"].lower()
    # The control: the same models, bands shuffled; its interaction test is reported beside the real one.
    groups = {x["group"] for x in doc["summary"]["interactions"]}
    assert groups == {"observed", "control (shuffled bands)"}
    assert sorted(result["worlds"][1]["bands"].values()) == sorted(band.values())


@pytest.mark.parametrize("case", ["unknown document", "unknown query", "judged query without candidates", "empty band",
                                  "bucket out of range", "malformed log line", "label for an unknown document",
                                  "truncated tiangong", "missing frequency"])
def test_bad_study_inputs_stop_before_training_with_file_line_and_field(famol, yahoo_inputs, case):
    base, data, queries, freq, buckets = yahoo_inputs
    bad = base / f"bad-{case.replace(' ', '-')}"
    bad.mkdir(exist_ok=True)
    log, qrels, labels, bucket_file = base / "clicks.jsonl", base / "human.qrels", base / "annotate" / "labels.jsonl", base / "buckets.txt"
    lines = log.read_text().splitlines()
    expect = ""
    if case == "unknown document":
        imp = json.loads(lines[6]); imp["shown"][1] = "no-such-doc"; lines[6] = json.dumps(imp)
        log = bad / "clicks.jsonl"; log.write_text("\n".join(lines) + "\n")
        expect = f"{log}:7: field 'shown': document 'no-such-doc' shown for query"
    elif case == "unknown query":
        imp = json.loads(lines[3]); imp["query"] = "9999"; lines[3] = json.dumps(imp)
        log = bad / "clicks.jsonl"; log.write_text("\n".join(lines) + "\n")
        expect = f"{log}:4: field 'query': query '9999' has no candidates"
    elif case == "judged query without candidates":
        qrels = bad / "human.qrels"; qrels.write_text((base / "human.qrels").read_text() + "777 0 x 1\n")
        expect = f"{qrels}:{len((base / 'human.qrels').read_text().splitlines()) + 1}: field 'qid': query '777' is judged but has no candidates"
    elif case == "empty band":
        bucket_file = bad / "buckets.txt"; bucket_file.write_text("".join(f"{q} {min(b, 2) if b < 7 else b}\n" for q, b in buckets.items()))
        expect = f"{bucket_file}: the mid band has no query"
    elif case == "bucket out of range":
        bucket_file = bad / "buckets.txt"; bucket_file.write_text("".join(f"{q} {12 if q == '5' else b}\n" for q, b in buckets.items()))
        expect = "field 'bucket': bucket 12 is not in 0-9"
    elif case == "malformed log line":
        lines[9] = lines[9][:-5]
        log = bad / "clicks.jsonl"; log.write_text("\n".join(lines) + "\n")
        expect = f"{log}:10: not a JSON object"
    elif case == "label for an unknown document":
        labels = bad / "labels.jsonl"
        labels.write_text((base / "annotate" / "labels.jsonl").read_text()
                          + json.dumps({"query": "3", "document": "ghost", "label": 1, "judge": "x"}) + "\n")
        expect = f"field 'document': document 'ghost' of query '3' is not among its candidates"
    elif case == "truncated tiangong":
        imps = [json.loads(l) for l in lines[:40]]
        log = bad / "sessions.xml"; log.write_text(tiangong_xml(imps)[:-200])
        expect = f"{log}:"
    elif case == "missing frequency":
        bucket_file = bad / "buckets.txt"; bucket_file.write_text("".join(f"{q} {b}\n" for q, b in buckets.items() if q != "8"))
        expect = f"{bucket_file}: field 'query': query '8' has no bucket"
    proc = famol("study", "--data", data, "--log", log, "--labels", labels, "--qrels", qrels, "--buckets", bucket_file,
                 "--out", bad / "run", "--epochs", "2", "--training-seeds", "1", check=False, timeout=120)
    assert proc.returncode == 65, (case, proc.stdout, proc.stderr)
    assert expect in proc.stderr, (case, proc.stderr)
    assert "training in this process" not in proc.stdout  # stopped before any training
    assert not (bad / "run" / "results.json").exists()


def test_a_study_config_with_an_unknown_key_names_its_line(famol, tmp_path):
    (tmp_path / "bad.toml").write_text('log = "x.jsonl"\n\n[study]\nsimulation_sedes = 3\n')
    proc = famol("study", "--config", tmp_path / "bad.toml", check=False)
    assert proc.returncode == 65
    assert f"{tmp_path / 'bad.toml'}:4: field 'study.simulation_sedes': unknown setting" in proc.stderr
    assert "famol study knows:" in proc.stderr and "training.epochs" in proc.stderr


def test_a_worker_killed_mid_study_changes_no_model(famol, famol_binary, yahoo_inputs):
    """SIGKILL one of the shared cluster's workers during the study: the job it was in
    finishes on the other, the pool starts it again, and results.json equals the in-process run's."""
    base, data, queries, freq, buckets = yahoo_inputs
    common = ["study", "--data", data, "--log", base / "clicks.jsonl", "--labels", base / "annotate" / "labels.jsonl",
              "--qrels", base / "human.qrels", "--buckets", base / "buckets.txt", "--epochs", "12", "--training-seeds", "1",
              "--permutations", "200", "--no-ablation"]
    famol(*common, "--out", base / "in-process", timeout=600)
    p = subprocess.Popen([famol_binary, *map(str, common), "--out", base / "killed", "--workers", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    killed, deadline = None, time.time() + 600
    while p.poll() is None and killed is None:
        assert time.time() < deadline
        log = base / "killed" / "cluster.log"
        # Once the third model's job has started, kill the first worker.
        if log.exists() and log.read_text().count("joined run") >= 6:
            for entry in os.listdir("/proc"):
                try:
                    if entry.isdigit() and int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1]) == p.pid:
                        os.kill(int(entry), 9)
                        killed = int(entry)
                        break
                except (OSError, ValueError, IndexError):
                    pass
        time.sleep(0.02)
    out, _ = p.communicate(timeout=600)
    assert p.returncode == 0, out[-3000:]
    assert killed is not None, "the study ended before a worker could be killed"
    assert "starting it again" in (base / "killed" / "cluster.log").read_text()
    assert (base / "killed" / "results.json").read_text() == (base / "in-process" / "results.json").read_text()


def test_a_study_submitted_to_famol_serve_trains_on_the_pool_and_equals_the_in_process_study(famol, yahoo_inputs, tmp_path):
    """famol submit study --spec study.toml: famol serve trains every model of the study on its
    2 standing workers (the same 2 processes from the first model to the last, each model a new
    job) and its results.json is byte-identical to the in-process study's; a spec with an
    unknown key is refused by famol submit with its file and line, before it is sent."""
    import hashlib
    from cluster_support import Cluster, free_port
    base, data, queries, freq, buckets = yahoo_inputs
    spec = tmp_path / "study.toml"
    spec.write_text(yahoo_study_toml(base, data, epochs=4, study="ablation = false\n"))
    famol("study", "--config", spec, "--out", tmp_path / "in-process", timeout=600)
    expected = (tmp_path / "in-process" / "results.json").read_bytes()
    c = Cluster(tmp_path)
    try:
        keys = c._keys()
        famol("keys", "generate", "--out", keys / "client")
        (keys / "admitted.pub").write_text((keys / "worker.pub").read_text() + (keys / "client.pub").read_text())
        endpoint, submit = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
        serve = c.start("famol", ["serve", "--bind", endpoint, "--submit", submit, "--curve", "--curve-key", keys / "coordinator.key",
                                  "--authorized-keys", keys / "admitted.pub", "--min-workers", 2, "--out", tmp_path / "served"], "serve.log")
        workers = [c.worker(endpoint, w) for w in ("w1", "w2")]
        client = ["--to", submit, "--curve-server-key", keys / "coordinator.pub", "--curve-key", keys / "client.key"]
        out = famol("submit", "study", "--spec", spec, *client, timeout=900).stdout
        served = tmp_path / "served" / "job-1" / "results.json"
        assert served.read_bytes() == expected, out[-2000:]
        assert f"results sha256 {hashlib.sha256(expected).hexdigest()}" in out
        models = len(list((tmp_path / "served" / "job-1" / "study").rglob("spec.json")))
        assert models >= 10
        for w in workers:  # the same two processes ran every model, each as its own job
            assert w.poll() is None
            assert w.log_path.read_text().count("joined run") >= models - 1, w.log_path.read_text()[-1500:]
        bad = tmp_path / "bad.toml"
        bad.write_text(spec.read_text().replace("permutations", "permutatons"))
        refused = famol("submit", "study", "--spec", bad, *client, check=False)
        assert refused.returncode == 65 and f"{bad}:9: field 'study.permutatons': unknown setting" in refused.stderr, refused.stderr
        assert "job 2" not in refused.stdout and serve.poll() is None
    finally:
        c.close()
