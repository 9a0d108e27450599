"""End-to-end runs of the famol commands as a user types them, including bad input."""
import os
import pathlib
import subprocess
import threading
import json

import pytest


def test_features_simulate_train_rank_evaluate_on_cranfield(famol, datasets, tmp_path):
    out = famol("features", "--cranfield", datasets / "cranfield", "--k", 20, "--out", tmp_path).stdout
    assert "225 queries" in out
    names = (tmp_path / "features.names").read_text().splitlines()
    groups = {line.split("\t")[2] for line in names}
    assert groups == {"query-document", "document"}
    rows = (tmp_path / "features.svm").read_text().splitlines()
    assert len(rows) == 225 * 20
    assert all(len(r.split()) >= 3 for r in rows)

    clicks = tmp_path / "clicks.jsonl"
    bands = tmp_path / "bands.txt"
    out = famol("simulate", "--data", tmp_path / "features.svm", "--impressions", 5000, "--seed", 3,
                "--out", clicks, "--bands-out", bands).stdout
    assert "5000 impressions" in out
    again = tmp_path / "again.jsonl"
    famol("simulate", "--data", tmp_path / "features.svm", "--impressions", 5000, "--seed", 3, "--out", again)
    assert clicks.read_bytes() == again.read_bytes()
    first = json.loads(clicks.read_text().splitlines()[0])
    assert set(first) >= {"query", "shown", "clicked", "timestamp", "session"}

    lines = (tmp_path / "features.svm").read_text().splitlines(keepends=True)
    (tmp_path / "train.svm").write_text("".join(lines[:3000]))
    (tmp_path / "valid.svm").write_text("".join(lines[3000:]))
    hashes = []
    for _ in range(2):
        out = famol("train", "--train", tmp_path / "train.svm", "--valid", tmp_path / "valid.svm", "--clicks", clicks,
                    "--bands", bands, "--supervision", "famol", "--epochs", 5, "--out", tmp_path / "model").stdout
        last = out.strip().splitlines()[-1]
        assert last.startswith("model sha256 ") and len(last.split()[-1]) == 64
        hashes.append(last)
    assert hashes[0] == hashes[1], "same seed, same model"

    famol("rank", "--model", tmp_path / "model" / "model.json", "--data", tmp_path / "valid.svm",
          "--out", tmp_path / "valid.run")
    res = json.loads(famol("evaluate", "--qrels", tmp_path / "qrels.txt", "--run", tmp_path / "valid.run",
                           "--bands", bands, "--format", "json").stdout)
    assert res["queries"] == 75
    assert set(res["bands"]) == {"high", "mid", "low", "all"}
    assert 0.2 < res["mean"]["ndcg@10"] <= 1
    table = famol("evaluate", "--qrels", tmp_path / "qrels.txt", "--run", tmp_path / "valid.run", "--bands", bands).stdout
    assert "ndcg@10" in table and "high" in table


def test_clicks_estimates_the_real_yandex_log(famol, datasets, tmp_path):
    logs = datasets / "yandex-clicks-sample"
    out = famol("clicks", "--log", logs / "trainSample", "--test", logs / "testSample", "--model", "pbm",
                "--propensities-out", tmp_path / "p.txt", "--params-out", tmp_path / "pbm.json").stdout
    assert "on 35064 impressions" in out and "1024 query-document pairs" in out
    assert "test:  log-likelihood -0.3525, perplexity 1.4337" in out  # PyClick's figure for PBM
    assert "417 clicks on documents not shown" in out and "276 clicks" in out
    props = [float(x) for x in (tmp_path / "p.txt").read_text().split(",")]
    assert props[0] == 1.0 and abs(props[1] - 0.689) < 0.01 and props[-1] < props[0]
    # Every model at once, as JSON.
    doc = json.loads(famol("clicks", "--log", logs / "trainSample", "--test", logs / "testSample", "--model", "pbm", "ubm",
                           "sdbn", "dcm", "cascade", "--format", "json").stdout)
    perplexity = {m["model"]: round(m["test"]["perplexity"], 4) for m in doc["models"]}
    assert perplexity == {"pbm": 1.4337, "ubm": 1.4342, "sdbn": 1.4359, "dcm": 1.4416, "cascade": 1.5409}
    # The fitted examination drives the simulator.
    data = datasets / "yahoo-ltr-sample" / "rank.test"
    famol("simulate", "--data", data, "--examination-from", tmp_path / "pbm.json", "--impressions", 500, "--out", tmp_path / "c.jsonl")
    assert len((tmp_path / "c.jsonl").read_text().splitlines()) == 500
    famol("clicks", "--log", logs / "trainSample", "--model", "dcm", "--params-out", tmp_path / "dcm.json")
    bad = famol("simulate", "--data", data, "--examination-from", tmp_path / "dcm.json", "--out", tmp_path / "d.jsonl", check=False)
    assert bad.returncode == 65 and "dcm.json" in bad.stderr and "examination" in bad.stderr


@pytest.mark.parametrize("content,where", [
    ("1 qid:1 1:0.5\n1 qid:1 2:abc\n", ":2: field 'feature 2'"),
    ("1 qid:1 1:0.5\n1 1:0.5\n", ":2: field 'qid'"),
    ("", "no data rows"),
    # Decisions for odd-but-legal input (README, "Odd input"): grades as LightGBM takes them,
    # each query's rows in one block.
    ("1 qid:1 1:0.5\n-1 qid:1 1:0.2\n", ":2: field 'label'"),
    ("1 qid:1 1:0.5\n31 qid:1 1:0.2\n", ":2: field 'label'"),
    ("1 qid:1 1:0.5\n1 qid:2 1:0.2\n0 qid:1 1:0.1\n", ":3: field 'qid'"),
])
def test_bad_training_data_names_the_line(famol, tmp_path, content, where):
    bad = tmp_path / "bad.svm"
    bad.write_text(content)
    proc = famol("train", "--train", bad, "--valid", bad, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 65
    assert str(bad) in proc.stderr and where in proc.stderr
    assert "Fatal" not in proc.stderr and "Traceback" not in proc.stderr


def test_missing_click_log_for_click_supervision_is_a_clear_error(famol, datasets, tmp_path):
    data = datasets / "yahoo-ltr-sample" / "rank.test"
    proc = famol("train", "--train", data, "--valid", data, "--supervision", "clicks", "--out", tmp_path, check=False)
    assert proc.returncode == 65 and "--clicks" in proc.stderr


def test_unknown_metric_and_bad_usage(famol, tmp_path):
    q = tmp_path / "q"
    q.write_text("1 0 a 1\n")
    r = tmp_path / "r"
    r.write_text("1 Q0 a 1 1.0 x\n")
    proc = famol("evaluate", "--qrels", q, "--run", r, "--metrics", "ndcg@10,infAP", check=False)
    assert proc.returncode == 65 and "infAP" in proc.stderr and "ndcg_cut.K" in proc.stderr
    assert famol("train", "--epochs", "x", check=False).returncode == 64


def test_every_train_setting_is_one_flag_checked_as_its_config_key(famol, tmp_path):
    """famol train's settings are declared once: every config key has its flag, whose help
    names the key and its default, and a flag's value is checked as the key's is in a file."""
    import re
    out = famol("train", "--help").stdout
    keys = re.findall(r"^\s*([a-z_]+(?:\.[a-z_]+)*): ", out.split("Keys of --config FILE")[1], re.M)
    assert len(keys) >= 20 and "training.learning_rate" in keys, keys
    flat = " ".join(out.split())
    for key in keys:
        assert f"(config {key}" in flat, f"{key} has no flag"
    assert "--lr <lr> Learning rate (config training.learning_rate, default 0.001)" in flat
    data = tmp_path / "t.svm"
    data.write_text("1 qid:1 1:0.5 # a\n0 qid:1 1:0.1 # b\n")
    for flag, value, key, message in [("--epochs", "0", "training.epochs", "must be at least 1"),
                                      ("--layers", "64,x", "training.layers", "expected an integer, found 'x'"),
                                      ("--famol-weights", "0.5,0.5,2", "famol.weights", "must be in 0.0...1.0")]:
        proc = famol("train", "--train", data, "--valid", data, "--out", tmp_path / "o", flag, value, check=False)
        assert proc.returncode == 64 and f"{flag}: field '{key}': {message}" in proc.stderr, proc.stderr
        config = tmp_path / "c.toml"
        config.write_text(f"{key} = [64, \"x\"]\n" if flag == "--layers" else f"{key} = {value if flag != '--famol-weights' else '[0.5, 0.5, 2]'}\n")
        proc = famol("train", "--train", data, "--valid", data, "--out", tmp_path / "o", "--config", config, check=False)
        assert proc.returncode == 65 and f"{config}:1: field '{key}'" in proc.stderr, proc.stderr


def test_demo_and_study_flags_are_their_config_keys_checked_the_same_way(famol, tmp_path):
    """Each flag of famol demo and famol study is a setting of its config table: its help names
    a key the table has, and a bad value exits 64 naming the flag, the key and what is wrong."""
    import re
    for cmd in ("demo", "study"):
        out = famol(cmd, "--help").stdout
        keys = set(re.findall(r"^\s*([a-z_]+(?:\.[a-z_]+)*): ", out.split("Keys of --config FILE")[1], re.M))
        named = re.findall(r"\(config ([a-z_.]+)", " ".join(out.split()))
        assert len(named) >= 15 and set(named) <= keys, set(named) - keys
    for cmd, flag, value, key, message in [("demo", "--folds", "1", "study.folds", "must be at least 2"),
                                           ("demo", "--impressions", "0", "clicks.impressions", "must be at least 1"),
                                           ("demo", "--judge", "oracle", "judge", "must be one of embedding, human, openai"),
                                           ("study", "--permutations", "x", "study.permutations", "expected an integer, found 'x'"),
                                           ("study", "--click-log-format", "csv", "log_format", "must be one of jsonl, yandex, tiangong")]:
        # With no data (a missing Cranfield, no click log) a flag left unchecked fails fast, differently.
        proc = famol(cmd, flag, value, *(["--cranfield", "/nonexistent"] if cmd == "demo" else []), check=False, timeout=60)
        assert proc.returncode == 64 and f"{flag}: field '{key}': {message}" in proc.stderr, proc.stderr


def test_every_annotate_setting_is_one_flag_checked_as_its_config_key(famol, datasets, tmp_path):
    """famol annotate's settings, the LLM job's included, are declared once: every config key
    has its flag, whose help names the key and its default; a bad value exits 64 naming the
    flag and the key, the same value in a file 65 naming file:line and the key. A spec written
    from a file equals the spec written from the same settings as flags."""
    import re
    out = famol("annotate", "--help").stdout
    keys = re.findall(r"^\s*([a-z_]+(?:\.[a-z_]+)*): ", out.split("Keys of --config FILE")[1].split("USAGE:")[0], re.M)
    assert len(keys) >= 25 and "openai.parse_retries" in keys and "annotate.calibration" in keys, keys
    flat = " ".join(out.split())
    for key in keys:
        assert f"(config {key}" in flat, f"{key} has no flag"
    assert "--parse-retries <parse-retries> Retries of output that does not parse, before an abstention is stored (config openai.parse_retries, default 2)" in flat
    cran = ["--cranfield", datasets / "cranfield", "--judge", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
            "--write-spec", tmp_path / "spec.json", "--out", tmp_path / "o"]
    for flag, value, toml, key, message in [("--strategy", "pairwise", '"pairwise"', "openai.strategy", "must be one of pointann, listann"),
                                            ("--window", "0", "0", "openai.window", "must be at least 1"),
                                            ("--calibration", "0.5,0.2,0.9", "[0.5, 0.2, 0.9]", "annotate.calibration", "the thresholds must increase"),
                                            ("--k", "x", '"x"', "study.candidates", "expected an integer")]:
        proc = famol("annotate", *cran, flag, value, check=False, timeout=60)
        assert proc.returncode == 64 and f"{flag}: field '{key}': {message}" in proc.stderr, proc.stderr
        config = tmp_path / "c.toml"
        section, _, name = key.rpartition(".")
        config.write_text((f"[{section}]\n" if section else "") + f"{name} = {toml}\n")
        proc = famol("annotate", *cran, "--config", config, check=False, timeout=60)
        line = 2 if section else 1
        assert proc.returncode == 65 and f"{config}:{line}: field '{key}'" in proc.stderr, proc.stderr
    famol("annotate", *cran, "--strategy", "listrank", "--window", 6, "--step", 3, "--parse-retries", 0, "--max-queries", 5)
    from_flags = json.loads((tmp_path / "spec.json").read_text())
    config.write_text('[openai]\nstrategy = "listrank"\nwindow = 6\nstep = 3\nparse_retries = 0\nmax_queries = 5\n')
    famol("annotate", *cran, "--config", config)
    from_file = json.loads((tmp_path / "spec.json").read_text())
    assert from_file == from_flags and (from_file["strategy"], from_file["window"], from_file["parseRetries"]) == ("listrank", 6, 0)


def test_an_installed_famol_finds_its_prompts_from_any_directory(famol, datasets, tmp_path):
    """The installed layout the Dockerfile builds: PREFIX/bin/famol with PREFIX/share/famol/prompts
    and no FAMOL_PROMPTS, run from another directory, writes an LLM job whose prompts come from
    the share directory; with the share directory gone the error says how to give them."""
    import shutil
    prefix = tmp_path / "usr"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy(famol.binary, prefix / "bin" / "famol")
    shutil.copytree(pathlib.Path(__file__).resolve().parent.parent / "prompts", prefix / "share" / "famol" / "prompts")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "FAMOL_PROMPTS"}
    args = [str(prefix / "bin" / "famol"), "annotate", "--judge", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
            "--cranfield", str(datasets / "cranfield"), "--out", "o", "--write-spec", "spec.json"]
    proc = subprocess.run(args, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((elsewhere / "spec.json").read_text())["prompts"] == str(prefix / "share" / "famol" / "prompts")
    shutil.rmtree(prefix / "share")
    proc = subprocess.run(args, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 65 and "prompts directory not found" in proc.stderr and "FAMOL_PROMPTS" in proc.stderr, proc.stderr


def test_demo_prints_the_per_band_table(famol, datasets, tmp_path):
    """The quickest study: human labels, in process, one world, main table only (test_demo.py runs the rest)."""
    config = tmp_path / "one-world.toml"
    config.write_text("[world]\nquality_strengths = [1]\n[embedding]\nmax_tokens = 64\n")
    out = famol("demo", "--config", config, "--cranfield", datasets / "cranfield", "--queries", 30, "--epochs", 5, "--simulation-seeds", 1,
                "--training-seeds", 1, "--judge", "human", "--no-ablation", "--no-negative-control", "--permutations", 200,
                "--out", tmp_path).stdout
    for row in ("BM25", "oracle (human labels)", "clicks (DLA)", "labels", "FAMOL (bands)", "FAMOL (smooth)", "schedule labels->clicks"):
        assert row in out
    assert "high (10)" in out and "simulated pbm" in out and "human judgments" in out
    results = json.loads((tmp_path / "results.json").read_text())
    famol_row = next(r for r in results["summary"]["tables"][0]["rows"] if r["method"] == "FAMOL (bands)")
    assert set(famol_row["means"]["ndcg@10"]) == {"high", "mid", "low", "all"}
    assert (tmp_path / "report.html").exists()


def test_inputs_that_used_to_crash_are_clear_errors(famol, tmp_path):
    """Regressions of issue 20: a huge SVMlight feature index trapped, a documents file with a
    duplicate id trapped in annotate. Both are bad input now: exit 65, file, line and field."""
    big = tmp_path / "big.svm"
    big.write_text("1 qid:1 1:1\n0 qid:1 3000000000:1\n")
    for args in (["train", "--train", big, "--valid", big, "--out", tmp_path / "t"],
                 ["simulate", "--data", big, "--out", tmp_path / "c.jsonl"]):
        proc = famol(*args, check=False)
        assert proc.returncode == 65 and f"{big}:2: field 'feature 3000000000'" in proc.stderr, proc.stderr
    docs, queries = tmp_path / "docs.tsv", tmp_path / "queries.tsv"
    docs.write_text("d1\tA\tB\nd1\tC\tD\n")
    queries.write_text("q1\tfind\n")
    proc = famol("annotate", "--judge", "bm25", "--documents", docs, "--queries", queries, "--k", 1, "--out", tmp_path / "a",
                 check=False)
    assert proc.returncode == 65 and f"{docs}:2: field 'id'" in proc.stderr and "line 1" in proc.stderr, proc.stderr


def test_odd_judgments_and_runs_are_decided_as_trec_eval_does(famol, tmp_path):
    """A document judged or ranked twice is an error (as in trec_eval); a negative grade is
    judged non-relevant, like 0; ids that are not UTF-8 are refused rather than merged."""
    qrels, run = tmp_path / "q.qrels", tmp_path / "r.run"
    qrels.write_text("1 0 a 2\n1 0 b 1\n2 0 c 1\n")
    run.write_text("1 Q0 a 1 2 t\n1 Q0 a 2 1 t\n2 Q0 c 1 1 t\n")
    proc = famol("evaluate", "--qrels", qrels, "--run", run, check=False)
    assert proc.returncode == 65 and f"{run}:2: field 'docid'" in proc.stderr and "line 1" in proc.stderr, proc.stderr
    run.write_text("1 Q0 b 1 2 t\n1 Q0 a 2 1 t\n2 Q0 c 1 1 t\n")
    twice = tmp_path / "twice.qrels"
    twice.write_text("1 0 a 2\n1 0 b 1\n1 0 a 0\n")
    proc = famol("evaluate", "--qrels", twice, "--run", run, check=False)
    assert proc.returncode == 65 and f"{twice}:3: field 'docid'" in proc.stderr, proc.stderr
    negative, zero = tmp_path / "neg.qrels", tmp_path / "zero.qrels"
    negative.write_text("1 0 a 2\n1 0 b -2\n2 0 c 1\n")
    zero.write_text("1 0 a 2\n1 0 b 0\n2 0 c 1\n")
    table = lambda q: famol("evaluate", "--qrels", q, "--run", run).stdout.splitlines()[-1]
    assert table(negative) == table(zero)
    latin = tmp_path / "latin.qrels"
    latin.write_bytes(b"1 0 a 2\nq\xe9 0 a 1\nq\xe8 0 a 1\n")
    proc = famol("evaluate", "--qrels", latin, "--run", run, check=False)
    assert proc.returncode == 65 and f"{latin}:2:" in proc.stderr and "UTF-8" in proc.stderr, proc.stderr


def test_repeated_clicks_are_read_as_pyclick_reads_them_and_counted(famol, tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"query": "q", "shown": ["a", "b", "a"], "clicked": ["a", "a"]}\n{"query": "q", "shown": ["a", "b"], "clicked": ["b"]}\n')
    out = famol("clicks", "--log", log, "--model", "pbm").stdout
    assert "1 impression(s) click a document twice (counted once) and 1 show a document twice" in out, out


def test_a_huge_file_of_zeros_is_refused_at_once_by_every_reader(famol, tmp_path):
    """Issue 20: a 2 GB file of NUL bytes (sparse: `truncate -s 2G`) given as text made readers
    hang with gigabytes resident, or echo the whole 'line'. Every reader refuses it at once
    (within 5 s, under 100 MiB resident), with a short message naming the file."""
    import time
    zeros = tmp_path / "zeros"
    with open(zeros, "wb") as f:
        f.truncate(2 << 30)
    ok = tmp_path / "ok.svm"
    ok.write_text("1 qid:1 1:1 # d1\n0 qid:1 1:0 # d2\n")
    qrels, queries = tmp_path / "ok.qrels", tmp_path / "q.tsv"
    qrels.write_text("1 0 d1 1\n")
    queries.write_text("1\tfind\n")
    cases = [
        ["evaluate", "--qrels", zeros, "--run", zeros],
        ["clicks", "--log", zeros, "--model", "pbm"],
        ["train", "--train", zeros, "--valid", ok, "--out", tmp_path / "t1"],
        ["train", "--train", ok, "--valid", ok, "--clicks", zeros, "--supervision", "clicks", "--out", tmp_path / "t2"],
        ["simulate", "--data", zeros, "--out", tmp_path / "c.jsonl"],
        ["annotate", "--judge", "bm25", "--documents", zeros, "--queries", queries, "--out", tmp_path / "a"],
        ["demo", "--config", zeros, "--out", tmp_path / "d"],
        ["study", "--log", zeros, "--data", ok, "--qrels", qrels, "--labels", qrels, "--out", tmp_path / "s"],
    ]
    binary = os.environ.get("FAMOL", str(pathlib.Path(__file__).resolve().parent.parent / ".build/release/famol"))
    for args in cases:
        started = time.time()
        with open(tmp_path / "stderr", "w+") as err:
            p = subprocess.Popen([binary, *map(str, args)], stdout=subprocess.DEVNULL, stderr=err)
            guard = threading.Timer(60, p.kill)  # bounded, whatever happens
            guard.start()
            # wait4 gives this child's own peak resident memory (ru_maxrss, KiB).
            _, status, usage = os.wait4(p.pid, 0)
            guard.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read()
        assert p.returncode == 65, (args, p.returncode, stderr[-500:])
        assert str(zeros) in stderr and len(stderr) < 1000, (args, stderr[-500:])
        assert time.time() - started < 5, args
        assert usage.ru_maxrss < 100 * 1024, (args, usage.ru_maxrss)


def test_every_exit_code_means_what_the_help_says(famol, tmp_path):
    """64 usage, 65 bad input, 69 no cluster or endpoint, 70 internal failure, 74 an output that
    cannot be written (143, stopped by a signal, is driven by the cluster tests)."""
    data = tmp_path / "d.svm"
    data.write_text("1 qid:1 1:1 # a\n0 qid:1 1:0 # b\n")
    assert famol("train", "--no-such-flag", check=False).returncode == 64
    bad = tmp_path / "bad.svm"
    bad.write_text("x qid:1 1:1\n")
    assert famol("train", "--train", bad, "--valid", data, "--out", tmp_path / "t", check=False).returncode == 65
    # A diverging run stops with what to change, not as an internal failure at the end.
    # (--lr and the config key refuse 1e30 up front; a spec file carries it as written.)
    famol("train", "--train", data, "--valid", data, "--clip", "0", "--epochs", 3, "--out", tmp_path / "nan", "--write-spec", tmp_path / "nan.json")
    spec = json.loads((tmp_path / "nan.json").read_text())
    spec["config"]["optimizer"]["learningRate"] = 1e30
    (tmp_path / "nan.json").write_text(json.dumps(spec))
    proc = famol("train", "--spec", tmp_path / "nan.json", "--out", tmp_path / "nan", check=False)
    assert proc.returncode == 65 and "training diverged" in proc.stderr and "--lr" in proc.stderr, proc.stderr
    assert not (tmp_path / "nan" / "model.json").exists()
    proc = famol("train", "--train", data, "--valid", data, "--out", tmp_path / "c", "--bind", "tcp://127.0.0.1:0", "--insecure",
                 "--min-workers", "1", "--no-worker-timeout", "1", check=False, timeout=60)
    assert proc.returncode == 69 and "workers joined" in proc.stderr, proc.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = famol("simulate", "--data", data, "--out", blocker / "clicks.jsonl", check=False)
    assert proc.returncode == 74 and "cannot create the file" in proc.stderr, proc.stderr
    assert "74" in famol("--help").stdout
    # 70: no input reaches it (every known error has its code); the fault seam shows what a bug looks like.
    proc = subprocess.run([os.environ.get("FAMOL", str(pathlib.Path(__file__).resolve().parent.parent / ".build/release/famol")),
                           "train", "--train", data, "--valid", data, "--out", tmp_path / "f"], capture_output=True, text=True,
                          env={**os.environ, "FAMOL_INJECT_FAILURE": "internal"}, timeout=60)
    assert proc.returncode == 70 and "internal failure (please report it)" in proc.stderr, proc.stderr


def test_a_bind_any_local_user_could_join_is_refused(famol, tmp_path):
    """A plain tcp bind, loopback included, or an ipc socket in a directory others can open,
    would let any local user join as a worker and change the model: refused with what to do."""
    data = tmp_path / "d.svm"
    data.write_text("1 qid:1 1:1 # a\n0 qid:1 1:0 # b\n")
    train = ["train", "--train", data, "--valid", data, "--out", tmp_path / "o", "--no-worker-timeout", "1"]
    proc = famol(*train, "--bind", "tcp://127.0.0.1:0", check=False)
    assert proc.returncode == 64 and "--curve" in proc.stderr and "loopback" in proc.stderr, proc.stderr
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    proc = famol(*train, "--bind", f"ipc://{shared}/c.sock", check=False)
    assert proc.returncode == 64 and "mode 777" in proc.stderr and "0700" in proc.stderr, proc.stderr
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    # Three times: a coordinator left running after no worker joined used to crash famol on its
    # way out about half the time (exit 134 instead of 69).
    for _ in range(3):
        proc = famol(*train, "--bind", f"ipc://{private}/c.sock", check=False, timeout=60)
        assert proc.returncode == 69 and "workers joined" in proc.stderr, proc.stderr


def test_one_config_file_drives_train_annotate_study_and_demo(famol, datasets, tmp_path):
    """The same TOML file: each command takes the keys it knows, passes over (and names) the
    other commands' keys, and flags override the file; a wrong value names file:line and key."""
    data = tmp_path / "d.svm"
    data.write_text("".join(f"{(q + d) % 3} qid:{q} 1:{d / 10} 2:{(q * d) % 7 / 7} # d{d}\n" for q in range(1, 9) for d in range(6)))
    shared = ("seed = 7\n"
              "[training]\nepochs = 2\nlayers = [8]\nbatch = 4\npatience = 0\nloss = \"listmle\"\n"
              "[study]\ncandidates = 5\n"
              "[clicks]\nzipf = 1.1\n"
              "[embedding]\nthreads = 1\n")
    config = tmp_path / "famol.toml"
    config.write_text(shared)
    proc = famol("train", "--config", config, "--train", data, "--valid", data, "--out", tmp_path / "t")
    assert "passes over clicks.zipf, embedding.threads, study.candidates" in proc.stderr, proc.stderr
    model = json.loads((tmp_path / "t" / "model.json").read_text())
    assert len(json.loads((tmp_path / "t" / "history.json").read_text())) == 2
    assert model["layout"]["hidden"] == [8] and model["metadata"]["seed"] == "7", model["metadata"]
    famol("train", "--config", config, "--epochs", 3, "--train", data, "--valid", data, "--out", tmp_path / "t3")
    assert len(json.loads((tmp_path / "t3" / "history.json").read_text())) == 3  # the flag wins
    famol("annotate", "--config", config, "--judge", "bm25", "--cranfield", datasets / "cranfield", "--out", tmp_path / "a")
    assert len((tmp_path / "a" / "labels.qrels").read_text().splitlines()) == 225 * 5
    # study and demo read the same keys (their runs are tested elsewhere): a value they refuse,
    # on a key sorted after every other one, shows they passed over train's and annotate's keys.
    for command, tail, line, needle in (("demo", "[world]\nquality_strengths = []\n", 15, "at least one number"),
                                        ("study", "workers = -1\n", 13, "must be at least 0")):
        bad = tmp_path / f"{command}.toml"
        bad.write_text(shared + tail if command == "demo" else tail + shared)
        proc = famol(command, "--config", bad, "--out", tmp_path / command, check=False)
        assert proc.returncode == 65, proc.stderr
        where = line if command == "demo" else 1
        assert f"{bad}:{where}" in proc.stderr and needle in proc.stderr, proc.stderr
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[training]\nepochs = \"many\"\n")
    proc = famol("train", "--config", wrong, "--train", data, "--valid", data, "--out", tmp_path / "w", check=False)
    assert proc.returncode == 65 and f"{wrong}:2: field 'training.epochs': expected an integer" in proc.stderr, proc.stderr


def test_famol_runs_the_blas_kernels_its_cpu_allows(famol):
    """Debian's OpenBLAS falls back to SSE3 kernels (Prescott) on CPUs newer than it knows, a
    quarter of AVX-512's speed; famol then runs itself with the kernels the CPU's features
    allow. An OPENBLAS_CORETYPE the user sets is kept."""
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    if not {"avx2", "fma"} <= flags:
        pytest.skip("a CPU without AVX2 keeps OpenBLAS's own choice")
    fallbacks = {"unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington", "nehalem"}

    def core(**env):
        # The machine's own OPENBLAS_CORETYPE (some CI images set one) is left out unless given.
        base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        return json.loads(famol("bench", "sgemm", "--size", 128, "--repeats", 1, timeout=60, env=dict(base, **env)).stdout)

    chosen = core()
    assert chosen["core"].lower() not in fallbacks, chosen
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        assert chosen["core"] in ("SkylakeX", "Cooperlake", "SapphireRapids"), chosen
    kept = core(OPENBLAS_CORETYPE="Prescott")
    assert kept["core"] == "Prescott", kept
