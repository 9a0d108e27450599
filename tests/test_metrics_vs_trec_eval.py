"""famol evaluate agrees with trec_eval (pytrec_eval through ir-measures) to 1e-6."""
import json
import random

import ir_measures
from ir_measures import AP, RR, P, nDCG

GAINS = {g: 2**g - 1 for g in range(5)}


def generate(seed):
    """Qrels and a run with ties, unjudged documents, queries without relevant documents,
    judged queries missing from the run and run queries missing from the qrels."""
    rng = random.Random(seed)
    qrels, run = [], []
    for q in range(1, 41):
        qid = str(q)
        docs = [f"d{rng.randint(0, 60)}" for _ in range(rng.randint(1, 30))]
        docs = list(dict.fromkeys(docs))
        empty = q % 7 == 0
        for d in docs:
            if rng.random() < 0.7:
                qrels.append((qid, d, 0 if empty else rng.choice([0, 0, 1, 2, 3, 4])))
        if not any(r[0] == qid for r in qrels):
            qrels.append((qid, "judged-only", 0 if empty else 1))
        if q % 11 == 0:
            continue  # judged, not retrieved
        for d in docs + [f"u{k}" for k in range(rng.randint(0, 5))]:
            score = round(rng.choice([1.0, 2.0, 3.0]) if rng.random() < 0.4 else rng.uniform(-5, 5), 3)
            run.append((qid, d, score))
    run.append(("999", "d1", 1.0))  # not judged: skipped
    return qrels, run


def write(tmp_path, qrels, run):
    qf, rf = tmp_path / "qrels.txt", tmp_path / "run.txt"
    qf.write_text("".join(f"{q} 0 {d} {r}\n" for q, d, r in qrels))
    # ranks deliberately disagree with scores: trec_eval ranks by score
    rf.write_text("".join(f"{q} Q0 {d} {i + 1} {s} tag\n" for i, (q, d, s) in enumerate(run)))
    return qf, rf


def test_metrics_match_pytrec_eval(famol, tmp_path):
    for seed in range(3):
        qrels, run = generate(seed)
        qf, rf = write(tmp_path, qrels, run)
        metrics = "ndcg@10,ndcg@5,ndcg,map,mrr,p@5,p@10"
        # ir-measures scores judged queries missing from the run as 0, like trec_eval -c.
        out = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", metrics, "--format", "json",
                               "--all-judged").stdout)
        default = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", metrics, "--format", "json").stdout)
        retrieved = {q for q, _, _ in run}
        ref_qrels = [ir_measures.Qrel(q, d, r) for q, d, r in qrels]
        ref_run = [ir_measures.ScoredDoc(q, d, s) for q, d, s in run]
        measures = {
            "ndcg@10": nDCG(gains=GAINS) @ 10, "ndcg@5": nDCG(gains=GAINS) @ 5, "ndcg": nDCG(gains=GAINS),
            "map": AP, "mrr": RR, "p@5": P @ 5, "p@10": P @ 10,
        }
        expected = {}
        for m in ir_measures.iter_calc(list(measures.values()), ref_qrels, ref_run):
            expected[(m.query_id, str(m.measure))] = m.value
        compared = 0
        for name, measure in measures.items():
            ref_queries = {q for (q, mm) in expected if mm == str(measure)}
            assert set(out["per_query"]) == ref_queries, name
            for q in ref_queries:
                got, want = out["per_query"][q][name], expected[(q, str(measure))]
                assert abs(got - want) <= 1e-6, f"seed {seed} query {q} {name}: famol {got} trec_eval {want}"
                compared += 1
            mean = sum(expected[(q, str(measure))] for q in ref_queries) / len(ref_queries)
            assert abs(out["mean"][name] - mean) <= 1e-6
            # trec_eval's default: only queries both judged and retrieved.
            kept = ref_queries & retrieved
            assert set(default["per_query"]) == kept
            mean = sum(expected[(q, str(measure))] for q in kept) / len(kept)
            assert abs(default["mean"][name] - mean) <= 1e-6
        assert compared > 200
    print(f"famol evaluate agrees with pytrec_eval on {compared} values per seed, 3 seeds")


def test_all_judged_option_counts_unretrieved_queries(famol, tmp_path):
    qf, rf = write(tmp_path, [("1", "a", 1), ("2", "b", 1)], [("1", "a", 1.0)])
    default = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", "mrr", "--format", "json").stdout)
    all_judged = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", "mrr", "--format", "json",
                                  "--all-judged").stdout)
    assert default["mean"]["mrr"] == 1.0 and all_judged["mean"]["mrr"] == 0.5
