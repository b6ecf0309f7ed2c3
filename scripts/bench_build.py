"""Build benchmarks on this machine: cold build, warm build, build with execution off, serve reload.

Prints a table; run with `make bench` or `.venv/bin/python scripts/bench_build.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import json
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
    ignore = shutil.ignore_patterns(".venv", ".git", "site", "__pycache__", ".pytest_cache", ".hypothesis",
                                    "test-artifacts")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def timed_build(project: Path, **env: str) -> float:
    """Seconds for one `mkdocs build --strict` in a new process; exits on a failed build."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", out],
                              cwd=project, capture_output=True, text=True, env={**os.environ, **ENV, **env})
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


# ---- Experiments (issue 4): cold build with training, warm build trains nothing, two cold builds agree ----

EXPERIMENT_CACHE = Path(".cache") / "experiments"
COLD_BUDGET_SECONDS = 180.0


def experiment_log(project: Path) -> list[dict]:
    """The experiment cache's hit/miss log (one JSON object per lookup)."""
    path = project / EXPERIMENT_CACHE / "log.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def without_timings(value: object) -> object:
    """A result with every measured-time field ('seconds') removed: what must repeat exactly."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def result_numbers(project: Path) -> dict[str, object]:
    """Every cached result, by file name: JSON without timings, and the arrays' bytes as sha256."""
    import hashlib  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    found: dict[str, object] = {}
    for path in sorted((project / EXPERIMENT_CACHE).glob("*.json")):
        found[path.name] = without_timings(json.loads(path.read_text(encoding="utf-8")))
    for path in sorted((project / EXPERIMENT_CACHE).glob("*.npz")):
        with np.load(path, allow_pickle=False) as npz:
            found[path.name] = {k: hashlib.sha256(npz[k].tobytes()).hexdigest() for k in sorted(npz.files)}
    return found


def timed_build_counting(project: Path, cold_start: bool) -> tuple[float, int, int]:
    """Seconds for one build, and the models trained and cache hits it logged."""
    if cold_start:
        for cache in CACHES:
            shutil.rmtree(project / cache, ignore_errors=True)
    before = len(experiment_log(project))
    seconds = timed_build(project)
    new = experiment_log(project)[before:]
    return seconds, sum(int(e["trainings"]) for e in new), sum(e["event"] == "hit" for e in new)


def experiment_figures(project: Path) -> list[tuple[str, str]]:
    """Cold build (training included), warm build (must train 0 models), determinism of two cold builds."""
    cold_s, cold_trained, _ = timed_build_counting(project, cold_start=True)
    first = result_numbers(project)
    warm_s, warm_trained, warm_hits = timed_build_counting(project, cold_start=False)
    again_s, _, _ = timed_build_counting(project, cold_start=True)
    second = result_numbers(project)
    differing = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    verdict = "within" if cold_s <= COLD_BUDGET_SECONDS else "OVER"
    return [
        ("cold build, training included (s)", f"{cold_s:.1f} ({verdict} the {COLD_BUDGET_SECONDS:.0f} s budget)"),
        ("models trained in the cold build", str(cold_trained)),
        ("warm build (s)", f"{warm_s:.1f}"),
        ("models trained in the warm build (must be 0)", f"{warm_trained} ({warm_hits} cache hits)"),
        ("second cold build (s)", f"{again_s:.1f}"),
        ("determinism: two cold builds' results (JSON without timings, array bytes)",
         "identical" if not differing else f"DIFFER in {', '.join(differing)}"),
        ("result files compared", str(len(first))),
    ]


def print_experiment_figures(rows: list[tuple[str, str]]) -> None:
    """Print the experiment rows as a Markdown table."""
    print(f"\n| {'experiments':<72} | {'value':<40} |")
    print(f"| {'-' * 72} | {'-' * 40} |")
    for label, value in rows:
        print(f"| {label:<72} | {value:<40} |")


def main() -> None:
    """Measure and print the build figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median reported)")
    parser.add_argument("--only", choices=("all", "builds", "experiments"), default="all",
                        help="which figures to measure (experiments: cold/warm training and determinism)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}, load average at start {os.getloadavg()[0]:.1f}")
    if args.only in ("all", "experiments"):
        with tempfile.TemporaryDirectory() as tmp:
            print_experiment_figures(experiment_figures(copy_project(Path(tmp) / "project")))
    if args.only == "experiments":
        return

    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        rows = [
            ("cold build (caches dropped, new process)", *repeat(lambda: cold(project), args.repeat)),
            ("warm build (caches kept, new process)", *repeat(lambda: timed_build(project), args.repeat)),
            ("build with execution off (KF_EXECUTE=0)", *repeat(lambda: timed_build(project, KF_EXECUTE="0"),
                                                                args.repeat)),
            ("mkdocs serve: page edit to new HTML", *repeat(lambda: time_page_edit(project), args.repeat)),
        ]

    print(f"\nruns per figure: {args.repeat} (median, spread = max - min)\n")
    print(f"| {'figure':<45} | {'median (s)':>10} | {'spread (s)':>10} |")
    print(f"| {'-' * 45} | {'-' * 9}: | {'-' * 9}: |")
    for label, median, spread in rows:
        print(f"| {label:<45} | {median:>10.2f} | {spread:>10.2f} |")


if __name__ == "__main__":
    main()
