"""Shared by the benchmarks: bench/results.json keeps the latest record of every workload."""
import json
import os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json")


def record(results):
    """Replaces the records of the same names and keeps the others."""
    old = json.load(open(PATH)) if os.path.exists(PATH) else []
    names = {r["name"] for r in results}
    json.dump([r for r in old if r.get("name") not in names] + results, open(PATH, "w"), indent=2)
