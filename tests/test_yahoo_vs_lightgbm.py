"""On the bundled Yahoo! LTR sample, famol's MLP trained on human labels is within 0.03 test
nDCG@10 of LightGBM lambdarank trained in the same run on the same split."""
import json

import lightgbm as lgb
import numpy as np

VALID_QUERIES = 40  # the last 40 training queries validate both learners


def load(path):
    """SVMlight rows with LightGBM group sizes, as (labels, dense features, group sizes, lines)."""
    sizes = [int(x) for x in open(str(path) + ".query").read().split()]
    labels, rows, lines = [], [], []
    for line in open(path):
        parts = line.split("#")[0].split()
        if not parts:
            continue
        labels.append(float(parts[0]))
        rows.append({int(k): float(v) for k, v in (p.split(":") for p in parts[1:])})
        lines.append(line)
    width = max(max(r) for r in rows if r)
    x = np.zeros((len(rows), width), dtype=np.float32)
    for i, r in enumerate(rows):
        for k, v in r.items():
            x[i, k - 1] = v
    return np.array(labels), x, sizes, lines


def write_split(lines, sizes, path, qid_offset=0):
    """Writes rows with explicit qids so that famol reads the same queries."""
    out, i = [], 0
    for q, n in enumerate(sizes):
        for _ in range(n):
            label, rest = lines[i].split(" ", 1)
            out.append(f"{label} qid:{q + 1 + qid_offset} {rest}")
            i += 1
    path.write_text("".join(out))


def test_famol_mlp_is_close_to_lightgbm(famol, datasets, tmp_path):
    data = datasets / "yahoo-ltr-sample"
    y, x, sizes, lines = load(data / "rank.train")
    cut_queries = len(sizes) - VALID_QUERIES
    cut_rows = sum(sizes[:cut_queries])
    write_split(lines[:cut_rows], sizes[:cut_queries], tmp_path / "train.svm")
    write_split(lines[cut_rows:], sizes[cut_queries:], tmp_path / "valid.svm", qid_offset=cut_queries)

    out = famol("train", "--train", tmp_path / "train.svm", "--valid", tmp_path / "valid.svm",
                "--test", data / "rank.test", "--supervision", "labels", "--epochs", 60, "--seed", 1,
                "--out", tmp_path / "famol").stdout
    assert out.strip().splitlines()[-1].startswith("model sha256 ")
    famol_run = tmp_path / "famol" / "test.run"

    ty, tx, tsizes, _ = load(data / "rank.test")
    width = max(x.shape[1], tx.shape[1])
    x = np.pad(x, ((0, 0), (0, width - x.shape[1])))
    tx = np.pad(tx, ((0, 0), (0, width - tx.shape[1])))
    train = lgb.Dataset(x[:cut_rows], y[:cut_rows], group=sizes[:cut_queries])
    valid = lgb.Dataset(x[cut_rows:], y[cut_rows:], group=sizes[cut_queries:], reference=train)
    params = {"objective": "lambdarank", "metric": "ndcg", "ndcg_eval_at": [10], "learning_rate": 0.05,
              "num_leaves": 31, "min_data_in_leaf": 50, "verbose": -1, "seed": 1, "num_threads": 1,
              "deterministic": True}
    booster = lgb.train(params, train, num_boost_round=500, valid_sets=[valid],
                        callbacks=[lgb.early_stopping(50, verbose=False)])
    scores = booster.predict(tx, num_iteration=booster.best_iteration)
    # famol names rows of a qid-less file FILE-LINE and queries by group number.
    run, row = [], 0
    for q, n in enumerate(tsizes):
        for _ in range(n):
            run.append(f"{q + 1} Q0 rank.test-{row + 1} 0 {scores[row]:.9g} lightgbm\n")
            row += 1
    (tmp_path / "lgb.run").write_text("".join(run))
    qrels = tmp_path / "test.qrels"
    row = 0
    with open(qrels, "w") as f:
        for q, n in enumerate(tsizes):
            for _ in range(n):
                f.write(f"{q + 1} 0 rank.test-{row + 1} {int(ty[row])}\n")
                row += 1

    def ndcg(run_path):
        res = json.loads(famol("evaluate", "--qrels", qrels, "--run", run_path, "--metrics", "ndcg@10",
                               "--format", "json").stdout)
        assert res["queries"] == 50
        return res["mean"]["ndcg@10"]

    ours, theirs = ndcg(famol_run), ndcg(tmp_path / "lgb.run")
    print(f"Yahoo LTR sample test nDCG@10: famol MLP {ours:.4f}, LightGBM lambdarank {theirs:.4f} "
          f"({booster.best_iteration} trees)")
    assert ours >= theirs - 0.03, f"famol {ours:.4f} vs LightGBM {theirs:.4f}"
