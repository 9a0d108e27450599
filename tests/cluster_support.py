"""Helpers for multi-process cluster tests: processes on 127.0.0.1, bounded in time."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary(name):
    famol = os.environ.get("FAMOL", os.path.join(ROOT, ".build", "release", "famol"))
    return os.path.join(os.path.dirname(famol), name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Processes started by a test; all are killed when the test ends, whatever happens.
    Coordinators bind with CURVE keys made for the test (a tcp bind without them is refused:
    any local user could join), and workers get the matching keys."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.procs = []
        self.keys = None

    def _keys(self):
        if self.keys is None:
            self.keys = self.tmp / "cluster-keys"
            self.keys.mkdir(mode=0o700, exist_ok=True)
            for name in ("coordinator", "worker"):
                subprocess.run([binary("famol"), "keys", "generate", "--out", self.keys / name], check=True,
                               capture_output=True, timeout=30)
        return self.keys

    def coordinator_curve(self):
        """The flags that give a coordinator the test's CURVE keys."""
        k = self._keys()
        return ["--curve", "--curve-key", k / "coordinator.key", "--authorized-keys", k / "worker.pub"]

    def worker_curve(self):
        k = self._keys()
        return ["--curve-server-key", k / "coordinator.pub", "--curve-key", k / "worker.key"]

    def start(self, name, args, log, env=None):
        out = open(self.tmp / log, "w")
        p = subprocess.Popen([binary(name), *map(str, args)], stdout=out, stderr=subprocess.STDOUT,
                             env={**os.environ, **env} if env else None)
        p.log_path = self.tmp / log
        self.procs.append(p)
        return p

    def coordinator(self, train_args, endpoint, log="coordinator.log", **extra):
        """A training coordinator; with CURVE unless the test passes curve=... or insecure=True."""
        args = ["train", *train_args, "--bind", endpoint]
        if "curve" not in extra and "insecure" not in extra:
            args += self.coordinator_curve()
        for k, v in extra.items():
            flag = "--" + k.replace("_", "-")
            args += [flag] if v is True else [flag, v]
        return self.start("famol", args, log)

    def worker(self, endpoint, wid, *extra, log=None, env=None, plain=False):
        """A worker with the test's CURVE keys, unless it brings its own or is `plain`."""
        keys = [] if plain or "--curve-server-key" in map(str, extra) else self.worker_curve()
        return self.start("famol-worker", ["--connect", endpoint, "--id", wid, *keys, *extra], log or f"{wid}.log", env=env)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)


def wait_exit(p, timeout=120):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        raise AssertionError(f"{p.args[0]} did not finish within {timeout} s:\n{p.log_path.read_text()[-3000:]}")


def model_hash(text):
    m = re.findall(r"^model sha256 ([0-9a-f]{64})$", text, re.M)
    assert m, f"no model sha256 line in:\n{text[-3000:]}"
    return m[-1]


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def metric(port, name):
    try:
        return metrics(port).get(name, 0.0)
    except OSError:
        return 0.0


# Minimal protobuf encoding for hand-made (good and bad) envelopes.
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_varint(num, n):
    return varint(num << 3) + varint(n)


def field_bytes(num, data):
    return varint((num << 3) | 2) + varint(len(data)) + data


def wire_protocol_version():
    """The version the binaries speak, read from its one declaration."""
    with open(os.path.join(ROOT, "Sources", "Cluster", "Wire", "WireMessage.swift")) as f:
        return int(re.search(r"wireProtocolVersion: UInt32 = (\d+)", f.read()).group(1))


def envelope(version=None, run_id=b"", body_field=11, body=b"", crcs=()):
    out = field_varint(1, wire_protocol_version() if version is None else version) + field_bytes(2, run_id) + field_varint(3, 1)
    for c in crcs:
        out += field_varint(4, c)
    return out + field_bytes(body_field, body)


def cranfield_tsv(datasets, out, documents, queries):
    """The first Cranfield documents and queries as famol's TSV collections."""
    def records(path):
        text = (datasets / "cranfield" / path).read_text()
        for block in text.split(".I ")[1:]:
            number, _, rest = block.partition("\n")
            fields, key = {}, None
            for line in rest.splitlines():
                if line[:2] in (".T", ".A", ".B", ".W") and len(line.strip()) == 2:
                    key = line[1]
                    fields[key] = []
                elif key:
                    fields[key].append(line.strip())
            yield number.strip(), {k: " ".join(v) for k, v in fields.items()}
    docs = [f"d{n}\t{f.get('T', '')}\t{f.get('W', '')}\n" for n, f in list(records("cran.all.1400"))[:documents]]
    qs = [f"q{i + 1}\t{f.get('W', '')}\n" for i, (_, f) in enumerate(list(records("cran.qry"))[:queries])]
    (out / "docs.tsv").write_text("".join(docs))
    (out / "queries.tsv").write_text("".join(qs))
    return out / "docs.tsv", out / "queries.tsv"
