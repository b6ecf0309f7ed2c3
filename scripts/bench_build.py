"""Build benchmarks on this machine: cold, warm and no-execution builds, serve reload, test suites, largest page;
and the transfer weight of every page (its HTML and everything it loads, measured in Chromium).

Prints tables; run with `make bench` or `.venv/bin/python scripts/bench_build.py [--repeat N] [--skip-full]`.
The test suites run once each (the full suite builds and serves the site several times); --skip-full leaves
the full suite out; --weights-only prints only the page weights.
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
from serve_probe import time_page_edit, time_snippet_edit  # noqa: E402
from site_browser import launch, missing_browser_parts, serve_directory  # noqa: E402

CACHES = (".cache",)  # build caches that `make clean` drops; a cold build starts without them
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}


def copy_project(dest: Path) -> Path:
    """A private copy of the project to build and edit, so benchmarks never touch the checkout."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "site", "__pycache__", ".pytest_cache", ".hypothesis", "test-artifacts"
    )
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def build_site(project: Path, out: str | Path, **env: str) -> None:
    """One `mkdocs build --strict` of project into out, in a new process; exits with its errors on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV, **env},
    )
    if done.returncode != 0:
        sys.exit(f"error: build failed:\n{done.stderr[-3000:]}")


def timed_build(project: Path, **env: str) -> float:
    """Seconds for one strict build in a new process."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        build_site(project, out, **env)
        return time.perf_counter() - start


def cold(project: Path) -> float:
    """A build with every cache dropped first."""
    for cache in CACHES:
        shutil.rmtree(project / cache, ignore_errors=True)
    return timed_build(project)


def repeat(measure: Callable[[], float], times: int) -> tuple[float, float]:
    """Median and spread (max − min) of repeated measurements."""
    values = [measure() for _ in range(times)]
    return statistics.median(values), max(values) - min(values)


def timed_tests(project: Path, *pytest_args: str) -> tuple[float, str]:
    """Seconds for one pytest run in a new process, and its summary line (e.g. '40 passed in 12.3s')."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    seconds = time.perf_counter() - start
    lines = [line.strip("= ") for line in done.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else f"exit {done.returncode}"
    if done.returncode != 0:
        summary = f"FAILED (exit {done.returncode}): {summary}"
    return seconds, summary


def largest_page(site: Path) -> tuple[str, int]:
    """The biggest built HTML page: its path in the site and its size in bytes."""
    pages = [(page.stat().st_size, page.relative_to(site).as_posix()) for page in site.rglob("*.html")]
    if not pages:
        raise ValueError(f"no HTML pages in {site}")
    size, name = max(pages)
    return name, size


def built_largest_page(project: Path) -> tuple[str, int]:
    """Build the site once (not timed) and return its largest HTML page."""
    with tempfile.TemporaryDirectory() as out:
        build_site(project, out)
        return largest_page(Path(out))


def site_pages(site: Path) -> list[str]:
    """Every page of a built site as a URL path ('' for the home page), 404.html left out."""
    pages = [html.relative_to(site).as_posix() for html in sorted(site.rglob("*.html"))]
    return [page.removesuffix("index.html") for page in pages if page != "404.html"]


def served_size(site: Path, base: str, request) -> int:
    """Bytes the static server sent for a request: the file's size (Chromium reports 0 for a worker script)."""
    if request.url.startswith(base):
        path = request.url[len(base) :].split("?")[0].split("#")[0]
        file = site / path / "index.html" if path == "" or path.endswith("/") else site / path
        if file.is_file():
            return file.stat().st_size
    return max(request.sizes()["responseBodySize"], 0)


def page_weights(project: Path) -> list[tuple[str, int, int, int]]:
    """(page, requests, HTML bytes, total bytes) for every page, loaded once in Chromium with an empty cache."""
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as out:
        site = Path(out)
        build_site(project, site)
        with serve_directory(site) as url, sync_playwright() as playwright:
            browser = launch(playwright)
            for page_path in site_pages(site):
                context = browser.new_context()  # a new context: nothing cached from the previous page
                page = context.new_page()
                responses = []
                context.on("requestfinished", lambda request, seen=responses: seen.append(request))
                page.goto(url + page_path, wait_until="networkidle")
                sizes = {r.url: served_size(site, url, r) for r in responses if not r.url.startswith("data:")}
                html = sizes.get(url + page_path, 0)
                rows.append(("/" + page_path, len(sizes), html, sum(sizes.values())))
                context.close()
            browser.close()
    return rows


def print_weights(rows: list[tuple[str, int, int, int]]) -> None:
    """The page-weight table."""
    print("\ntransfer weight per page (uncompressed; HTML + every CSS, JS, font, image and JSON it loads):\n")
    print(f"| {'page':<30} | {'requests':>8} | {'HTML (KiB)':>10} | {'total (KiB)':>11} |")
    print(f"| {'-' * 30} | {'-' * 7}: | {'-' * 9}: | {'-' * 10}: |")
    for page, requests, html, total in rows:
        print(f"| {page:<30} | {requests:>8} | {html / 1024:>10.1f} | {total / 1024:>11.1f} |")


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
    import hashlib

    import numpy as np

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
        (
            "determinism: two cold builds' results (JSON without timings, array bytes)",
            "identical" if not differing else f"DIFFER in {', '.join(differing)}",
        ),
        ("result files compared", str(len(first))),
    ]


def print_experiment_figures(rows: list[tuple[str, str]]) -> None:
    """Print the experiment rows as a Markdown table."""
    print(f"\n| {'experiments':<72} | {'value':<40} |")
    print(f"| {'-' * 72} | {'-' * 40} |")
    for label, value in rows:
        print(f"| {label:<72} | {value:<40} |")


SERVE_PROBES = ((time_page_edit, "page"), (time_snippet_edit, "snippet"))


def serve_row(project: Path, probe, what: str, runs: int) -> tuple[str, float, float]:
    """A table row: median and spread of `mkdocs serve` from a page or snippet edit to the new HTML."""
    return (f"mkdocs serve: {what} edit to new HTML", *repeat(lambda: probe(project), runs))


def print_timings(rows: list[tuple[str, float, float | None]], runs: int) -> None:
    """The timings table: median and spread per figure."""
    print(f"\nruns per build/serve figure: {runs} (median, spread = max - min); test suites: one run each\n")
    print(f"| {'figure':<45} | {'median (s)':>10} | {'spread (s)':>10} |")
    print(f"| {'-' * 45} | {'-' * 9}: | {'-' * 9}: |")
    for label, median, spread in rows:
        spread_text = "—" if spread is None else f"{spread:.2f}"
        print(f"| {label:<45} | {median:>10.2f} | {spread_text:>10} |")


def main() -> None:
    """Measure and print the build figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per build/serve figure (median reported)")
    parser.add_argument("--skip-full", action="store_true", help="do not time the full test suite (the long one)")
    parser.add_argument("--weights-only", action="store_true", help="only the page weights, no build timings")
    parser.add_argument(
        "--only",
        choices=("all", "builds", "experiments", "serve"),
        default="all",
        help="which figures to measure (experiments: cold/warm training and determinism; serve: edit to HTML)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average at start {os.getloadavg()[0]:.1f}"
    )
    if args.weights_only:
        with tempfile.TemporaryDirectory() as tmp:
            weights(copy_project(Path(tmp) / "project"))
        return
    if args.only in ("all", "experiments"):
        with tempfile.TemporaryDirectory() as tmp:
            print_experiment_figures(experiment_figures(copy_project(Path(tmp) / "project")))
    if args.only == "experiments":
        return
    if args.only == "serve":
        with tempfile.TemporaryDirectory() as tmp:
            project = copy_project(Path(tmp) / "project")
            rows = [serve_row(project, probe, what, args.repeat) for probe, what in SERVE_PROBES]
            print_timings(rows, args.repeat)
        return

    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        rows = [
            ("cold build (caches dropped, new process)", *repeat(lambda: cold(project), args.repeat)),
            ("warm build (caches kept, new process)", *repeat(lambda: timed_build(project), args.repeat)),
            (
                "build with execution off (KF_EXECUTE=0)",
                *repeat(lambda: timed_build(project, KF_EXECUTE="0"), args.repeat),
            ),
            *(serve_row(project, probe, what, args.repeat) for probe, what in SERVE_PROBES),
        ]
        suites = [("fast tests (pytest -m 'not slow'), one run", ("-m", "not slow"))]
        if not args.skip_full:
            suites.append(("full test suite (pytest), one run", ()))
        for label, pytest_args in suites:
            seconds, summary = timed_tests(project, *pytest_args)
            rows.append((label, seconds, None))
            notes.append(f"{label}: {summary}")
        page, size = built_largest_page(project)

    print_timings(rows, args.repeat)
    print(f"\nlargest page: {page}, {size:,} bytes ({size / 1024:,.0f} KiB)")
    for note in notes:
        print(note)
    if args.skip_full:
        print("full test suite: skipped (--skip-full)")
    with tempfile.TemporaryDirectory() as tmp:
        weights(copy_project(Path(tmp) / "project"))


def weights(project: Path) -> None:
    """Measure and print the page weights, or say why not."""
    missing = missing_browser_parts()
    if missing:
        print(f"\ntransfer weight per page: skipped, {missing} is missing")
        return
    print_weights(page_weights(project))


if __name__ == "__main__":
    main()
