"""famol evaluate agrees with trec_eval (pytrec_eval) on trec_eval's measures, with
ir-measures on the learning-to-rank nDCG (gain 2^g - 1) and with gdeval on ERR, to 1e-6."""
import json
import random

import ir_measures
import pytrec_eval
from ir_measures import AP, ERR, RR, P, nDCG

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


def test_learning_to_rank_measures_match_ir_measures(famol, tmp_path):
    for seed in range(3):
        qrels, run = generate(seed)
        qf, rf = write(tmp_path, qrels, run)
        metrics = "ndcg@10,ndcg@5,map,mrr,p@5,p@10"
        # ir-measures scores judged queries missing from the run as 0, like trec_eval -c.
        out = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", metrics, "--format", "json",
                               "--all-judged").stdout)
        default = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", metrics, "--format", "json").stdout)
        retrieved = {q for q, _, _ in run}
        ref_qrels = [ir_measures.Qrel(q, d, r) for q, d, r in qrels]
        ref_run = [ir_measures.ScoredDoc(q, d, s) for q, d, s in run]
        measures = {
            "ndcg@10": nDCG(gains=GAINS) @ 10, "ndcg@5": nDCG(gains=GAINS) @ 5,
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


# trec_eval's measures as famol and pytrec_eval name them (-m style for famol, as a user
# passes them to trec_eval; pytrec_eval prints underscores, and so does famol).
TREC_MEASURES = ["ndcg", "ndcg_cut.5", "ndcg_cut.10", "P.5", "P.10", "recall.5", "recall.20", "map", "map_cut.10",
                 "recip_rank", "Rprec", "bpref", "success.1", "success.5"]


def test_every_trec_eval_measure_matches_pytrec_eval(famol, tmp_path):
    compared = 0
    for seed in range(3):
        qrels, run = generate(seed)
        qf, rf = write(tmp_path, qrels, run)
        # Both spellings parse; the output names are trec_eval's (underscores).
        names = [m if i % 2 else m.replace(".", "_") for i, m in enumerate(TREC_MEASURES)]
        out = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", ",".join(names), "--format",
                               "json").stdout)
        ref_qrels, ref_run = {}, {}
        for q, d, r in qrels:
            ref_qrels.setdefault(q, {})[d] = r
        for q, d, s in run:
            ref_run.setdefault(q, {})[d] = s
        expected = pytrec_eval.RelevanceEvaluator(ref_qrels, set(TREC_MEASURES)).evaluate(ref_run)
        # pytrec_eval scores the queries both judged and retrieved, as famol does by default.
        assert set(out["per_query"]) == set(expected)
        assert any(not any(r >= 1 for r in ref_qrels[q].values()) for q in expected)  # empty queries are in
        for measure in TREC_MEASURES:
            key = measure.replace(".", "_")
            for q, values in expected.items():
                got, want = out["per_query"][q][key], values[key]
                assert abs(got - want) <= 1e-6, f"seed {seed} query {q} {key}: famol {got} trec_eval {want}"
                compared += 1
            mean = sum(v[key] for v in expected.values()) / len(expected)
            assert abs(out["mean"][key] - mean) <= 1e-6, key
    assert compared > 1500
    print(f"famol evaluate agrees with pytrec_eval on {compared} values of {len(TREC_MEASURES)} measures")


def test_learning_to_rank_ndcg_is_not_trec_eval_ndcg(famol, tmp_path):
    """The two nDCGs differ on graded judgments; each matches its own reference."""
    qrels, run = generate(1)
    qf, rf = write(tmp_path, qrels, run)
    out = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", "ndcg@10,ndcg_cut.10", "--format",
                           "json").stdout)["per_query"]
    differ = sum(abs(v["ndcg@10"] - v["ndcg_cut_10"]) > 1e-6 for v in out.values())
    assert differ > len(out) // 3


def test_err_matches_gdeval(famol, tmp_path):
    """ERR@k against gdeval (through ir-measures), an implementation independent of famol's.
    gdeval fixes the top grade at 4, famol takes the qrels' top grade: the qrels here reach 4.
    Scores are distinct, since gdeval breaks ties its own way."""
    rng = random.Random(5)
    qrels, run = [], []
    for q in range(1, 31):
        docs = [f"d{k}" for k in range(rng.randint(3, 25))]
        for d in docs:
            if rng.random() < 0.8:
                qrels.append((str(q), d, rng.choice([0, 0, 1, 2, 3, 4])))
        scores = rng.sample(range(1000), len(docs))
        run += [(str(q), d, float(s)) for d, s in zip(docs, scores)]
    qrels.append(("1", "top", 4))
    qf, rf = write(tmp_path, qrels, run)
    out = json.loads(famol("evaluate", "--qrels", qf, "--run", rf, "--metrics", "err@5,err@10,err@20", "--format",
                           "json").stdout)["per_query"]
    ref_qrels = [ir_measures.Qrel(q, d, r) for q, d, r in qrels]
    ref_run = [ir_measures.ScoredDoc(q, d, s) for q, d, s in run]
    compared = 0
    for m in ir_measures.gdeval.iter_calc([ERR @ 5, ERR @ 10, ERR @ 20], ref_qrels, ref_run):
        name = "err@" + str(m.measure).split("@")[1]
        # gdeval prints 4 decimals.
        assert abs(out[m.query_id][name] - m.value) <= 5e-5, f"query {m.query_id} {name}"
        compared += 1
    assert compared == 90
