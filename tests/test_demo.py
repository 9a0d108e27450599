"""famol demo: the study on a reduced configuration, the same bits through the real cluster
(famol-worker processes on 127.0.0.1) and from a config file, its report in headless Chromium,
and the same study with a real LLM server annotating through the cluster."""
import json
import shutil
import struct
import subprocess
import zlib

import pytest

from llm_support import LLMServer

# A reduced study: two quality strengths and the control, 2 simulation seeds, in process.
REDUCED_TOML = """
seed = 42
queries = 24
[study]
simulation_seeds = 2
training_seeds = 1
permutations = 300
[clicks]
impressions = 1500
[training]
epochs = 4
[world]
quality_strengths = [0, 1]
# The first 64 tokens of each text: encoding them is most of a small study's time.
[embedding]
max_tokens = 64
"""
# Smaller still, for the runs through the cluster: one world, main arms only.
TINY = ["--queries", "12", "--epochs", "3", "--simulation-seeds", "1", "--training-seeds", "1", "--permutations", "100",
        "--impressions", "600", "--no-ablation", "--no-negative-control", "--no-true-negatives"]
TINY_TOML = "[world]\nquality_strengths = [1]\n[embedding]\nmax_tokens = 64\n"
METRICS = ["ndcg@1", "ndcg@3", "ndcg@5", "ndcg@10", "err@10", "mrr"]


@pytest.fixture(scope="module")
def reduced_run(famol, datasets, tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    config = base / "reduced.toml"
    config.write_text(REDUCED_TOML)
    out = base / "run"
    proc = famol("demo", "--config", config, "--cranfield", datasets / "cranfield", "--out", out, timeout=900)
    return out, proc


def test_study_runs_every_arm_in_every_world_and_names_its_sources(reduced_run):
    out, proc = reduced_run
    doc = json.loads((out / "results.json").read_text())
    result, summary = doc["result"], doc["summary"]
    groups = [w["group"] for w in result["worlds"]]
    assert groups == ["quality 0.0", "quality 1.0", "control"]
    names = {m["name"] for m in result["methods"]}
    for expected in ["oracle (human labels)", "clicks (naive)", "clicks (IPS, true propensities)", "clicks (DLA)", "labels",
                     "uniform mix", "schedule clicks->labels", "schedule labels->clicks", "FAMOL (bands)", "FAMOL (smooth)",
                     "FAMOL (reversed)", "labels [document features]", "clicks (DLA) [query-document features]",
                     "labels + random negatives", "labels + hard negatives", "FAMOL (bands) + hard negatives"]:
        assert expected in names
    for w in result["worlds"]:
        queries = set(w["bands"])
        assert len(queries) == 24 and len(w["simulationSeeds"]) == 2
        # Per-band traffic adds up to the impressions of the log; the control gives every query the same.
        if w["group"] == "control":
            # One count for every query: 1500 // 24 each.
            assert set(w["frequencies"].values()) == {62} and round(w["impressionsPerBand"]["all"]) == 62 * 24
        else:
            assert round(w["impressionsPerBand"]["all"]) == 1500
            assert max(w["frequencies"].values()) > 10 * max(1, sorted(w["frequencies"].values())[12])
        arms = [e for e in result["evaluations"] if e["group"] == w["group"] and e["testSet"] == "candidates"]
        assert {e["method"] for e in arms} >= {"BM25", "oracle (human labels)", "clicks (DLA)", "labels"}
        for e in arms:
            assert e["runs"] == 2  # 2 simulation seeds x 1 training seed, averaged per query
            for metric in METRICS:
                assert set(e["perQuery"][metric]) == queries, (e["method"], metric)
                assert all(0 <= v <= 1 for v in e["perQuery"][metric].values())
    # Every comparison has an interval around its mean and a corrected p-value.
    names = {(c["group"], c["name"]) for c in summary["comparisons"]}
    for g in groups:
        assert (g, "oracle - BM25 (headroom)") in names and (g, "clicks - labels") in names
    for c in summary["comparisons"]:
        for d in c["bands"].values():
            assert d["low"] <= d["mean"] <= d["high"] and 0 < d["p"] <= d["pHolm"] <= 1 and d["mde"] > 0
    assert [x["group"] for x in summary["interactions"]] == groups
    assert all(0 < x["p"] <= x["pHolm"] <= 1 and 0 < x["correlationP"] <= x["correlationPHolm"] <= 1 for x in summary["interactions"])
    assert {t["section"] for t in summary["tables"]} == {"main", "ablation", "negatives:random negatives", "negatives:hard negatives"}
    # True negatives: scored on lists of 20 candidates plus 10 random or 30 hard negatives, never shown to users.
    hard = [e for e in result["evaluations"] if e["testSet"] == "hard negatives" and e["group"] == "quality 1.0"]
    assert {e["method"] for e in hard} == {"BM25", "oracle (human labels)", "clicks (DLA)", "labels", "FAMOL (bands)",
                                           "labels + hard negatives", "FAMOL (bands) + hard negatives"}
    assert not [e for e in result["evaluations"] if e["group"] == "control" and e["testSet"] != "candidates"]
    # Sources and parameters: enough to know what produced the numbers and to rerun them.
    assert "all-MiniLM-L6-v2" in doc["sources"]["labels:embedding"] and "collection-wide" in doc["sources"]["labels:embedding"]
    assert "PBM fitted by famol" in doc["sources"]["clicks"] and "Plackett-Luce" in doc["sources"]["clicks"]
    assert "gold" in doc["sources"]["evaluation"] and "transductive" in doc["sources"]["protocol"]
    for key in ["seed", "study.simulation_seeds", "clicks.impressions", "clicks.zipf", "clicks.examination", "world.quality_strengths",
                "pair_terms.label_evidence", "training.epochs", "training.model_selection", "famol.weights", "metric"]:
        assert key in doc["parameters"]
    assert doc["parameters"]["metric"] == "ndcg@10 (gain 2^g-1)"
    assert 0.5 < doc["judgeAUC"]["embedding"] <= 1
    for w in result["worlds"]:
        assert set(w["agreement"]) == {"clicks~gold", "judge:embedding~gold", "clicks~judge:embedding"}
        assert set(w["judgeAUC"]["embedding"]) == {"high", "mid", "low", "all"}
        assert all(0.5 < v <= 1 for v in w["judgeAUC"]["embedding"].values())
    # The terminal shows the tables, the intervals and the interaction tests.
    for needle in ["ndcg@10 (gain 2^g-1) — Supervision arms, quality 1.0", "difference [95% interval], control",
                   "minimum detectable effect", "interaction of clicks - labels", "Cohen's kappa", "p < 0.05 after Holm",
                   "judge ROC AUC against gold"]:
        assert needle in proc.stdout, needle


def test_same_seed_gives_identical_results_on_a_cluster_and_via_config(famol, datasets, tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML)
    args = ["demo", "--cranfield", datasets / "cranfield", "--config", config, *TINY]
    famol(*args, "--out", tmp_path / "in-process", timeout=900)
    famol(*args, "--out", tmp_path / "cluster", "--workers", "2", timeout=900)
    first = (tmp_path / "in-process" / "results.json").read_bytes()
    assert (tmp_path / "cluster" / "results.json").read_bytes() == first
    # The cluster ran each model from its spec file.
    specs = list((tmp_path / "cluster" / "study").rglob("spec.json"))
    assert len(specs) == 11 and all(json.loads(p.read_text())["objective"]["pairTerms"] for p in specs)


def test_cross_validation_protocol_tests_every_query_on_its_fold(famol, datasets, tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML)
    famol("demo", "--cranfield", datasets / "cranfield", "--config", config, *TINY, "--protocol", "cross-validation",
          "--folds", "3", "--out", tmp_path / "cv", timeout=600)
    doc = json.loads((tmp_path / "cv" / "results.json").read_text())
    assert doc["result"]["studyProtocol"] == "cross-validation" and "cross-validation" in doc["sources"]["protocol"]
    queries = set(doc["result"]["worlds"][0]["bands"])
    for e in doc["result"]["evaluations"]:
        assert set(e["perQuery"]["ndcg@10"]) == queries and e["runs"] == 1
    # No pair terms: a query's own supervision never reaches its ranking.
    specs = list((tmp_path / "cv" / "study").rglob("*.svm"))
    assert specs and not any("pairTerms" in p.read_text() for p in (tmp_path / "cv" / "study").rglob("spec.json"))
    models = list((tmp_path / "cv" / "study").rglob("model.json"))
    assert len(models) == 11 * 3 and all("pairTerms" not in m.read_text() for m in models)


def test_another_seed_changes_the_results(famol, datasets, tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML)
    runs = {}
    for seed in ("42", "7"):
        famol("demo", "--cranfield", datasets / "cranfield", "--config", config, *TINY, "--seed", seed,
              "--out", tmp_path / seed, timeout=600)
        runs[seed] = json.loads((tmp_path / seed / "results.json").read_text())
    def values(doc, method):
        e = next(e for e in doc["result"]["evaluations"] if e["method"] == method)
        return e["perQuery"]["ndcg@10"]
    # Clicks, their simulated users and the trained models change; BM25 against the gold grades of
    # quality 1.0 changes too, since the latent quality is redrawn.
    assert values(runs["7"], "clicks (DLA)") != values(runs["42"], "clicks (DLA)")
    assert runs["7"]["parameters"]["seed"] == "7"
    assert runs["7"]["result"]["worlds"][0]["simulationSeeds"] != runs["42"]["result"]["worlds"][0]["simulationSeeds"]


@pytest.mark.parametrize("text,line,needle", [
    ("seed = 1\n[study]\nfolds = 1\n", 3, "study.folds"),
    ("seed = 1\nmystery = 3\n", 2, "unknown setting"),
    ("[clicks]\nimpressions = \"many\"\n", 2, "expected an integer"),
    ("judge = \"oracle\"\n", 1, "embedding, human, openai"),
    ("[famol]\nweights = [0.8, 0.5]\n", 2, "expected 3 numbers"),
    ("[world]\nquality_strengths = []\n", 2, "at least one number"),
    ("[study]\nprotocol = \"inductive\"\n", 2, "transductive or cross-validation"),
    ("[embedding]\ngrade_shares = [0.5, 0.4, 0.3]\n", 2, "at most 1"),
])
def test_bad_config_names_file_line_and_key(famol, tmp_path, text, line, needle):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    proc = famol("demo", "--config", config, "--out", tmp_path / "out", check=False, timeout=60)
    assert proc.returncode == 65, proc.stderr
    assert f"{config}:{line}" in proc.stderr and needle in proc.stderr, proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_openai_judge_needs_endpoint_and_model(famol, tmp_path):
    proc = famol("demo", "--judge", "openai", "--out", tmp_path / "o", check=False, timeout=60)
    assert proc.returncode == 64 and "--endpoint" in proc.stderr


def png_size_and_colours(path):
    """Width, height and the number of distinct colours of an 8-bit RGB(A) PNG (no PIL here)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        pos += 12 + n
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    i = 0
    for _ in range(height):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    colours = set()
    for r in rows[::4]:
        for x in range(0, stride, channels * 4):
            colours.add(r[x:x + 3])
    return width, height, colours


def test_report_renders_in_headless_chromium(reduced_run, tmp_path):
    out, _ = reduced_run
    html = (out / "report.html").read_text()
    assert html.count("<svg") == 3 and "<rect" in html  # one chart per world
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is installed by make setup (scripts/setup.sh)"
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,1400",
                    f"--screenshot={shot}", (out / "report.html").as_uri()], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1000, 1400)
    # The bar chart's series colours reached the screen (the first screen holds the bar chart).
    palette = {bytes.fromhex(c) for c in ["4e79a7", "f28e2b", "e15759", "76b7b2", "59a14f"]}
    assert len(palette & colours) >= 4, sorted(c.hex() for c in colours)[:40]
    # Dumped DOM after layout: the charts are inline SVG with bars and a legend.
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", (out / "report.html").as_uri()],
                         check=True, timeout=120, capture_output=True, text=True).stdout
    assert dom.count("<rect") >= 12 * 4 and "class=\"legend\"" in dom


@pytest.fixture(scope="module")
def llm(tmp_path_factory):
    s = LLMServer(tmp_path_factory.mktemp("llm") / "server.log")
    yield s
    s.stop()


def test_openai_judge_annotates_each_strategy(famol, datasets, llm, tmp_path):
    """The study with a real LLM server as the judge, annotating through a local cluster of 2
    workers as a user runs it; kills and restarts of that path are tested by test_llm_cluster.py."""
    out = tmp_path / "llm"
    config = tmp_path / "llm.toml"
    # 6 candidates per query, 20 words each: the LLM calls are most of this test's time.
    config.write_text("[openai]\nmax_tokens = 60\nconcurrency = 2\ntimeout = 120\ndocument_words = 20\n[study]\ncandidates = 6\n" + TINY_TOML)
    args = ["demo", "--config", config, "--cranfield", datasets / "cranfield", "--out", out, "--judge", "openai",
            "--endpoint", llm.endpoint, "--model", "smollm2", "--strategies", "pointann,listrank", "--workers", "2",
            *TINY, "--queries", "6"]
    before = llm.count()
    famol(*args, timeout=900)
    doc = json.loads((out / "results.json").read_text())
    assert set(doc["judgeAUC"]) == {"pointann", "listrank"}
    assert "smollm2" in doc["sources"]["labels:pointann"] and "listrank" in doc["sources"]["labels:listrank"]
    strategies = next(t for t in doc["summary"]["tables"] if t["section"] == "strategies")
    assert [r["method"] for r in strategies["rows"]] == ["labels [pointann]", "labels [listrank]"]
    calls = llm.count() - before
    assert calls >= 6 * 6  # PointAnn: one call per candidate at least
    # A rerun pays for nothing: every judgment comes from the stores in the run directory.
    famol(*args, timeout=900)
    assert llm.count() - before == calls
