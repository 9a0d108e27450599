"""Shared fixtures: the famol binary under test and the bundled data sets."""
import os
import pathlib
import signal
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def famol():
    binary = os.environ.get("FAMOL", str(ROOT / ".build" / "release" / "famol"))
    assert os.path.exists(binary), f"build famol first: {binary}"

    def run(*args, check=True, timeout=600, env=None):
        # Own process group: on a time-out the whole tree (famol local's children) is killed.
        p = subprocess.Popen([binary, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, env=env)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            raise AssertionError(f"famol {' '.join(map(str, args))} timed out after {timeout} s:\n{out[-3000:]}\n{err[-3000:]}")
        proc = subprocess.CompletedProcess(p.args, p.returncode, out, err)
        if check and proc.returncode != 0:
            raise AssertionError(f"famol {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    run.binary = binary  # for tests that start famol themselves (to watch it while it runs)
    return run


@pytest.fixture(scope="session")
def datasets():
    return DATASETS
