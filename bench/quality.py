"""Quality at equal budget (bench workload 6): test nDCG@10 on the Yahoo! LTR sample of famol's
MLP, LightGBM lambdarank and the same MLP in PyTorch, on the same split (the last 40 training
queries validate all three; each stops early on them). Scored by pytrec_eval (ir-measures)."""
import argparse
import os
import subprocess
import sys
import tempfile

import ir_measures
import lightgbm as lgb
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)
from test_yahoo_vs_lightgbm import VALID_QUERIES, load, write_split  # noqa: E402
from bench_results import record  # noqa: E402

FAMOL = os.environ.get("FAMOL", os.path.join(ROOT, ".build", "release", "famol"))


def run_lines(scores, sizes):
    out, row = [], 0
    for q, n in enumerate(sizes):
        for _ in range(n):
            out.append(ir_measures.ScoredDoc(str(q + 1), f"rank.test-{row + 1}", float(scores[row])))
            row += 1
    return out


def torch_mlp(x, y, sizes, vx, vy, vsizes, epochs, seed):
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    mean, sd = x.mean(0), x.std(0)
    sd[sd < 1e-6] = 1
    def prep(a): return torch.tensor((a - mean) / sd, dtype=torch.float32)
    xt, vxt = prep(x), prep(vx)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ELU(), torch.nn.Linear(64, 32), torch.nn.ELU(),
                                torch.nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gains = torch.tensor(2.0 ** y - 1, dtype=torch.float32)
    best, best_state, since = -1, None, 0
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(sizes))
        for s in range(0, len(order), 32):
            opt.zero_grad()
            loss = 0
            for q in order[s:s + 32]:
                a, b = offsets[q], offsets[q + 1]
                g = gains[a:b]
                if g.sum() <= 0:
                    continue
                scores = model(xt[a:b]).squeeze(-1)
                loss = loss - (g / g.sum() * torch.log_softmax(scores, 0)).sum()
            if torch.is_tensor(loss):
                (loss / 32).backward()
                opt.step()
        with torch.no_grad():
            v = ndcg10(model(vxt).squeeze(-1).numpy(), vy, vsizes)
        if v > best:
            best, best_state, since = v, {k: t.clone() for k, t in model.state_dict().items()}, 0
        else:
            since += 1
            if since >= 10:
                break
    model.load_state_dict(best_state)
    return lambda a: model(prep(a)).squeeze(-1).detach().numpy()


def ndcg10(scores, labels, sizes):
    total, start = 0.0, 0
    for n in sizes:
        s, l = scores[start:start + n], labels[start:start + n]
        order = np.argsort(-s, kind="stable")[:10]
        dcg = ((2 ** l[order] - 1) / np.log2(np.arange(2, len(order) + 2))).sum()
        ideal = np.sort(l)[::-1][:10]
        idcg = ((2 ** ideal - 1) / np.log2(np.arange(2, len(ideal) + 2))).sum()
        total += dcg / idcg if idcg > 0 else 0
        start += n
    return total / len(sizes)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    data = os.path.join(ROOT, "..", "shared", "datasets", "yahoo-ltr-sample")
    y, x, sizes, lines = load(os.path.join(data, "rank.train"))
    ty, tx, tsizes, _ = load(os.path.join(data, "rank.test"))
    cut_q = len(sizes) - VALID_QUERIES
    cut = sum(sizes[:cut_q])
    width = max(x.shape[1], tx.shape[1])
    x, tx = np.pad(x, ((0, 0), (0, width - x.shape[1]))), np.pad(tx, ((0, 0), (0, width - tx.shape[1])))
    qrels, row = [], 0
    for q, n in enumerate(tsizes):
        for _ in range(n):
            qrels.append(ir_measures.Qrel(str(q + 1), f"rank.test-{row + 1}", int(ty[row])))
            row += 1
    measure = ir_measures.parse_measure("nDCG@10")
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path
        write_split(lines[:cut], sizes[:cut_q], Path(tmp) / "train.svm")
        write_split(lines[cut:], sizes[cut_q:], Path(tmp) / "valid.svm", qid_offset=cut_q)
        subprocess.run([FAMOL, "train", "--train", f"{tmp}/train.svm", "--valid", f"{tmp}/valid.svm", "--test", f"{data}/rank.test",
                        "--epochs", str(args.epochs), "--seed", "1", "--out", f"{tmp}/famol"], check=True, capture_output=True)
        famol_run = [ir_measures.ScoredDoc(p[0], p[2], float(p[4])) for p in (l.split() for l in open(f"{tmp}/famol/test.run"))]
    params = {"objective": "lambdarank", "metric": "ndcg", "ndcg_eval_at": [10], "learning_rate": 0.05, "num_leaves": 31,
              "min_data_in_leaf": 50, "verbose": -1, "seed": 1, "num_threads": 1, "deterministic": True}
    train = lgb.Dataset(x[:cut], y[:cut], group=sizes[:cut_q])
    valid = lgb.Dataset(x[cut:], y[cut:], group=sizes[cut_q:], reference=train)
    booster = lgb.train(params, train, num_boost_round=500, valid_sets=[valid], callbacks=[lgb.early_stopping(50, verbose=False)])
    lgb_run = run_lines(booster.predict(tx, num_iteration=booster.best_iteration), tsizes)
    torch_score = torch_mlp(x[:cut], y[:cut], sizes[:cut_q], x[cut:], y[cut:], sizes[cut_q:], args.epochs, 1)
    torch_run = run_lines(torch_score(tx), tsizes)
    results = {name: ir_measures.calc_aggregate([measure], qrels, run)[measure]
               for name, run in (("famol", famol_run), ("LightGBM", lgb_run), ("PyTorch MLP", torch_run))}
    for peer in ("LightGBM", "PyTorch MLP"):
        print(f"bench quality-vs-{peer.split()[0].lower()}: famol {results['famol']:.4f} nDCG@10 | {peer} {results[peer]:.4f} nDCG@10 | "
              f"ratio {results['famol'] / results[peer]:.2f}", flush=True)
    if not args.no_record:
        record([{"name": f"quality-vs-{p.split()[0].lower()}", "famol": results["famol"], "peer": p, "peer_value": results[p],
                 "ratio": results["famol"] / results[p], "unit": "test nDCG@10 (Yahoo LTR sample)"} for p in ("LightGBM", "PyTorch MLP")])


if __name__ == "__main__":
    main()
