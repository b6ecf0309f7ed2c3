"""One build per test run, however many pytest-xdist workers ask for it: a file lock and a marker in a shared folder."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock
from timeline import record


def shared_folder(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run sees: the run's base temp folder (the parent of each worker's)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base  # workerinput: this process is an xdist worker


def build_once(
    shared: Path, name: str, build: Callable[[Path], subprocess.CompletedProcess[str]], out: Path | None = None
) -> Path:
    """Run build(out) once per test run, whoever asks first; later callers get out, or the same failure.

    out defaults to shared/name; the lock, the done or failed marker and the build's log (its stdout and stderr,
    read with build_log) are shared/name.* either way.
    """
    out, done, failed = out or shared / name, shared / f"{name}.built", shared / f"{name}.failed"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists() and not failed.exists():
            started = time.time()
            finished = build(out)
            record("build", name, started, time.time())
            (shared / f"{name}.log").write_text(f"{finished.stdout}\n{finished.stderr}", encoding="utf-8")
            if finished.returncode == 0:
                done.touch()
            else:
                report = f"building {name} failed (exit {finished.returncode}):\n{finished.stdout}\n{finished.stderr}"
                failed.write_text(report, encoding="utf-8")
    if failed.exists():
        pytest.fail(failed.read_text(encoding="utf-8"), pytrace=False)
    return out


def build_log(shared: Path, name: str) -> str:
    """The stdout and stderr of the build that build_once(shared, name, ...) ran in this test run."""
    return (shared / f"{name}.log").read_text(encoding="utf-8")
