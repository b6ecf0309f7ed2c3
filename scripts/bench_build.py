"""Build benchmarks on this machine: cold build, warm build, build with execution off, serve reload.

Prints a table; run with `make bench` or `.venv/bin/python scripts/bench_build.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from serve_probe import time_page_edit  # noqa: E402

CACHES = (".cache",)  # build caches that `make clean` drops; a cold build starts without them
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}


def copy_project(dest: Path) -> Path:
    """A private copy of the project to build and edit, so benchmarks never touch the checkout."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "site", "__pycache__", ".pytest_cache", ".hypothesis", "test-artifacts"
    )
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def timed_build(project: Path, **env: str) -> float:
    """Seconds for one `mkdocs build --strict` in a new process; exits on a failed build."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", out],
            cwd=project,
            capture_output=True,
            text=True,
            env={**os.environ, **ENV, **env},
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"error: build failed:\n{done.stderr[-3000:]}")
    return seconds


def cold(project: Path) -> float:
    """A build with every cache dropped first."""
    for cache in CACHES:
        shutil.rmtree(project / cache, ignore_errors=True)
    return timed_build(project)


def repeat(measure: Callable[[], float], times: int) -> tuple[float, float]:
    """Median and spread (max − min) of repeated measurements."""
    values = [measure() for _ in range(times)]
    return statistics.median(values), max(values) - min(values)


def main() -> None:
    """Measure and print the build figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median reported)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        rows = [
            ("cold build (caches dropped, new process)", *repeat(lambda: cold(project), args.repeat)),
            ("warm build (caches kept, new process)", *repeat(lambda: timed_build(project), args.repeat)),
            (
                "build with execution off (KF_EXECUTE=0)",
                *repeat(lambda: timed_build(project, KF_EXECUTE="0"), args.repeat),
            ),
            ("mkdocs serve: page edit to new HTML", *repeat(lambda: time_page_edit(project), args.repeat)),
        ]

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    print(f"runs per figure: {args.repeat} (median, spread = max - min)\n")
    print(f"| {'figure':<45} | {'median (s)':>10} | {'spread (s)':>10} |")
    print(f"| {'-' * 45} | {'-' * 9}: | {'-' * 9}: |")
    for label, median, spread in rows:
        print(f"| {label:<45} | {median:>10.2f} | {spread:>10.2f} |")


if __name__ == "__main__":
    main()
