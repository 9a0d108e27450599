"""Shared fixtures: the famol binary under test and the bundled data sets."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def famol():
    binary = os.environ.get("FAMOL", str(ROOT / ".build" / "release" / "famol"))
    assert os.path.exists(binary), f"build famol first: {binary}"

    def run(*args, check=True, timeout=600):
        proc = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"famol {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def datasets():
    return DATASETS
