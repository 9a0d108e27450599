"""famol demo: the study on a reduced configuration through the real cluster (famol-worker
processes on 127.0.0.1), its reproducibility, its config file, its report in headless Chromium,
and the same study with a real LLM server annotating through the cluster."""
import json
import shutil
import struct
import subprocess
import zlib

import pytest

from llm_support import LLMServer

REDUCED = ["--queries", "16", "--folds", "2", "--epochs", "4", "--true-negatives", "5",
           "--permutations", "300", "--impressions", "3000"]


@pytest.fixture(scope="module")
def reduced_run(famol, datasets, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    proc = famol("demo", "--cranfield", datasets / "cranfield", "--out", out, "--workers", "2", *REDUCED, timeout=900)
    return out, proc


def test_study_tests_every_query_once_and_names_its_sources(reduced_run):
    out, proc = reduced_run
    doc = json.loads((out / "results.json").read_text())
    result, summary = doc["result"], doc["summary"]
    queries = set(result["bands"])
    assert len(queries) == 16 and set(result["folds"]) == queries and set(result["folds"].values()) == {0, 1}
    names = {m["name"] for m in result["methods"]}
    for expected in ["clicks (DLA)", "labels", "schedule clicks->labels", "schedule labels->clicks", "FAMOL (bands)",
                     "FAMOL (smooth)", "labels [document features]", "clicks (DLA) [query-document features]",
                     "labels + true negatives"]:
        assert expected in names
    for e in result["evaluations"]:
        for metric in ["ndcg@1", "ndcg@3", "ndcg@5", "ndcg@10", "err@10", "mrr"]:
            # Cross-validation: every query has exactly one value per method (it was tested once).
            assert set(e["perQuery"][metric]) == queries, (e["method"], metric)
            assert all(0 <= v <= 1 for v in e["perQuery"][metric].values())
    for m in result["methods"]:
        assert len(m["curves"]) == 2 and all(1 <= len(c) <= 4 for c in m["curves"])
    main = next(t for t in summary["tables"] if t["section"] == "main")
    assert summary["bestSingleSource"] in ("clicks (DLA)", "labels")
    ps = [p for row in main["rows"] for band in row["pValues"].values() for p in band.values()]
    assert ps and all(0 < p <= 1 for p in ps)
    assert {t["section"] for t in summary["tables"]} == {"main", "ablation", "true-negatives"}
    # Sources and parameters: enough to know what produced the numbers and to rerun them.
    assert "all-MiniLM-L6-v2" in doc["sources"]["labels:embedding"]
    assert "simulated pbm" in doc["sources"]["clicks"] and "human" in doc["sources"]["evaluation"]
    for key in ["seed", "folds", "clicks.impressions", "clicks.zipf", "training.epochs", "famol.weights", "famol.smooth"]:
        assert key in doc["parameters"]
    assert 0.5 < doc["judgeAUC"]["embedding"] <= 1
    pairs = set(result["agreement"])
    assert {"clicks~human", "judge:embedding~human", "clicks~judge:embedding"} == pairs
    # The terminal shows the tables with the bands and a significance legend.
    assert "nDCG@10 — Supervision modes" in proc.stdout and "Cohen's kappa" in proc.stdout
    assert "p < 0.05" in proc.stdout


def test_same_seed_gives_identical_results_whatever_the_workers_and_via_config(famol, datasets, reduced_run, tmp_path):
    out, _ = reduced_run
    config = tmp_path / "demo.toml"
    config.write_text(f"""
# The reduced study as a config file: the same parameters as the flags of the first run.
cranfield = "{datasets / 'cranfield'}"
seed = 42
workers = 1
queries = 16
[study]
folds = 2
true_negatives = 5
permutations = 300
[clicks]
impressions = 3000
[training]
epochs = 4
""")
    famol("demo", "--config", config, "--out", tmp_path / "again", timeout=900)
    assert (tmp_path / "again" / "results.json").read_bytes() == (out / "results.json").read_bytes()


def test_another_seed_changes_the_results(famol, datasets, reduced_run, tmp_path):
    out, _ = reduced_run
    famol("demo", "--cranfield", datasets / "cranfield", "--out", tmp_path / "s", "--workers", "0", "--judge", "human",
          "--seed", "7", "--no-ablation", "--queries", "16", "--folds", "2", "--epochs", "2", "--true-negatives", "0",
          "--permutations", "50", "--impressions", "2000", timeout=600)
    other = json.loads((tmp_path / "s" / "results.json").read_text())
    first = json.loads((out / "results.json").read_text())
    assert other["result"]["folds"] != first["result"]["folds"]
    assert other["parameters"]["seed"] == "7" and "human" in other["sources"]["labels:human"]


@pytest.mark.parametrize("text,line,needle", [
    ("seed = 1\n[study]\nfolds = 1\n", 3, "study.folds"),
    ("seed = 1\nmystery = 3\n", 2, "unknown setting"),
    ("[clicks]\nimpressions = \"many\"\n", 2, "expected an integer"),
    ("judge = \"oracle\"\n", 1, "embedding, human, openai"),
    ("[famol]\nweights = [0.8, 0.5]\n", 2, "expected 3 numbers"),
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
    assert html.count("<svg") == 3 and "<rect" in html and "<polyline" in html
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
    assert dom.count("<rect") >= 7 * 4 and "class=\"legend\"" in dom


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
    config.write_text("[openai]\nmax_tokens = 60\nconcurrency = 2\ntimeout = 120\n")
    args = ["demo", "--config", config, "--cranfield", datasets / "cranfield", "--out", out, "--judge", "openai",
            "--endpoint", llm.endpoint, "--model", "smollm2", "--strategies", "pointann,listrank", "--workers", "2",
            "--queries", "4", "--folds", "2", "--epochs", "2", "--true-negatives", "0", "--no-ablation",
            "--permutations", "50", "--impressions", "1000"]
    before = llm.count()
    famol(*args, timeout=900)
    doc = json.loads((out / "results.json").read_text())
    assert set(doc["judgeAUC"]) == {"pointann", "listrank"}
    assert "smollm2" in doc["sources"]["labels:pointann"] and "listrank" in doc["sources"]["labels:listrank"]
    strategies = next(t for t in doc["summary"]["tables"] if t["section"] == "strategies")
    assert [r["method"] for r in strategies["rows"]] == ["labels [pointann]", "labels [listrank]"]
    calls = llm.count() - before
    assert calls >= 4 * 20  # PointAnn: one call per candidate at least
    # A rerun pays for nothing: every judgment comes from the stores in the run directory.
    famol(*args, timeout=900)
    assert llm.count() - before == calls
