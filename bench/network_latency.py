"""The cluster across network hosts with added latency: what a real network costs a step.

The coordinator and two workers each run in a network namespace of their own (the hosts of
tests/test_multihost.py, over TCP with CURVE). The workers reach the coordinator through
bench/delay_relay.py, which holds each byte for the added delay in each direction (these
kernels have no netem). A step is one message to each worker and one back, so with a one-way
delay D it should grow by about one round trip, 2D, over the relay at 0 ms."""
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from netns_hosts import Hosts, can_make_namespaces  # noqa: E402

DELAYS_MS = (0.0, 0.2, 1.0)
PORT, RELAY_PORT = 5555, 5556


def train_once(famol, hosts, keys, train, valid, out, epochs, delay_ms, env):
    """One 2-worker training through the relay at `delay_ms`; its ms per step."""
    server = hosts.addr["c"]
    coordinator = hosts.run_command("c", [famol, "train", "--train", train, "--valid", valid, "--epochs", epochs, "--batch", 256,
                                          "--shards", 8, "--patience", 0, "--out", out, "--bind", f"tcp://{server}:{PORT}",
                                          "--curve", "--curve-key", f"{keys}/server.key", "--authorized-keys", f"{keys}/workers.pub",
                                          "--min-workers", 2], out + ".log", env=env)
    relay = hosts.run_command("c", [sys.executable, os.path.join(HERE, "delay_relay.py"), "--listen", f"{server}:{RELAY_PORT}",
                                    "--to", f"{server}:{PORT}", "--delay-ms", delay_ms], out + "-relay.log")
    time.sleep(0.3)  # the relay listening before the workers dial (they retry, but quietly)
    worker = os.path.join(os.path.dirname(famol), "famol-worker")
    for w in ("w1", "w2"):
        hosts.run_command(w, [worker, "--connect", f"tcp://{server}:{RELAY_PORT}", "--id", w, "--curve-server-key", f"{keys}/server.pub",
                              "--curve-key", f"{keys}/{w}.key"], f"{out}-{w}.log", env=env)
    try:
        coordinator.wait(timeout=600)
    finally:
        relay.kill()
        relay.wait()
    log = open(out + ".log").read()
    if coordinator.returncode != 0:
        raise SystemExit(f"bench: training across namespaces at {delay_ms} ms failed:\n{log[-2000:]}")
    return float(re.search(r"([0-9.]+) ms per step", log).group(1))


def network_latency(args, tmp, results, famol, env):
    why = can_make_namespaces()
    if why:
        print(f"bench network-latency: skipped, {why}", flush=True)
        return
    queries = 300 if args.quick else 2000
    train, valid, keys = os.path.join(tmp, "net.svm"), os.path.join(tmp, "net-valid.svm"), os.path.join(tmp, "net-keys")
    os.makedirs(keys, exist_ok=True)
    subprocess.run([famol, "bench", "generate", "--queries", str(queries), "--out", train], check=True, capture_output=True)
    subprocess.run([famol, "bench", "generate", "--queries", "20", "--seed", "2", "--out", valid], check=True, capture_output=True)
    for name in ("server", "w1", "w2"):
        subprocess.run([famol, "keys", "generate", "--out", os.path.join(keys, name)], check=True, capture_output=True)
    with open(os.path.join(keys, "workers.pub"), "w") as f:
        f.write("".join(open(os.path.join(keys, f"{w}.pub")).read() for w in ("w1", "w2")))
    epochs = 1 if args.quick else 12  # about 100 steps: a step time, not start-up noise
    times = {d: [] for d in DELAYS_MS}
    hosts = Hosts()
    try:
        for r in range(args.runs):
            for d in DELAYS_MS:  # interleaved, so drift on the machine touches every delay alike
                times[d].append(train_once(famol, hosts, keys, train, valid, os.path.join(tmp, f"net-{d}-{r}"), epochs, d, env))
    finally:
        hosts.close()
    base = statistics.median(times[0.0])
    for d in DELAYS_MS[1:]:
        t = statistics.median(times[d])
        growth, round_trip = t - base, 2 * d
        print(f"bench network-latency-{d}ms: famol {t:.2f} ms/step over 3 namespace hosts, {d} ms added each way | "
              f"relay at 0 ms {base:.2f} ms/step | growth {growth:.2f} ms = {growth / round_trip:.2f} round trips of {round_trip:.1f} ms",
              flush=True)
        results.append({"name": f"network-latency-{d}ms", "famol": t, "peer": "same hosts, relay at 0 ms", "peer_value": base,
                        "ratio": base / t, "growth_ms": growth, "round_trips": growth / round_trip, "unit": "ms/step", "runs": args.runs})
