"""Starts the test LLM server (llm_server.py) on a free 127.0.0.1 port and stops it."""
import json
import os
import subprocess
import sys
import time
import urllib.request

from cluster_support import free_port

HERE = os.path.dirname(os.path.abspath(__file__))


class LLMServer:
    def __init__(self, log_path):
        self.port = free_port()
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "llm_server.py"), str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                self.state()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(f"LLM server exited: {open(log_path).read()[-2000:]}")
                time.sleep(0.2)
        self.stop()
        raise AssertionError("LLM server did not start within 120 s")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def state(self, **changes):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/famol/state",
                                     data=json.dumps(changes).encode() if changes else None,
                                     method="POST" if changes else "GET")
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    def count(self):
        return self.state()["count"]

    def count_after_kill(self, start, recorded, seconds=3):
        """Requests seen since `start`, once those written just before a kill have reached the
        handler (up to `seconds`, when some recorded request never left the killed process)."""
        deadline = time.monotonic() + seconds
        while self.count() - start < recorded and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.count() - start

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def unsent_after_kill(trial, seen, recorded, unsent, in_flight):
    """Checks the ledger after a SIGKILL and returns how many recorded requests never reached
    the server: the server saw none that was not recorded, and at most the calls in flight at
    this kill were recorded and then killed before they were sent."""
    assert seen <= recorded, f"trial {trial}: the server saw {seen} requests, only {recorded} were recorded"
    assert recorded - seen - unsent <= in_flight, f"trial {trial}: {recorded - seen - unsent} recorded requests never reached the server"
    return recorded - seen
