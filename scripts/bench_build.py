"""Build benchmarks on this machine: cold, warm and no-execution builds, serve reload, test suites, largest page,
issue 13's figures side by side (warm ÷ no-execution, notebooks re-executed after a mode switch or the tests);
the frozen experiments (`make experiments` time, a cold build that trains 0 models, a rerun that reproduces);
and the transfer weight of every page (its HTML and everything it loads, measured in Chromium).

Prints tables; run with `make bench` or `.venv/bin/python scripts/bench_build.py [--repeat N] [--skip-full]`;
`--only languages` times English alone against both editions (`make build`: scripts/build_site.py, the two
side by side), cold and warm; `--only builds` prints that table too.
The test suites run once each (the full suite builds and serves the site several times); --skip-full leaves
the full suite out; --weights-only prints only the page weights.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
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


def logged_build(project: Path, **env: str) -> tuple[float, str]:
    """Seconds for one strict build in a new process, and its log (INFO level: what the caches reused and ran)."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", out],
            cwd=project,
            capture_output=True,
            text=True,
            env={**os.environ, **ENV, **env},
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"error: build failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout + done.stderr


def executed_counts(log: str) -> tuple[int, int]:
    """Notebook pages and executed blocks a build ran (not reused), from the hooks' log lines."""
    notebooks = log.count("kf: executing ")
    blocks = re.search(r"kf: (\d+) executed block\(s\) reused from .*?, (\d+) run", log)
    return notebooks, int(blocks.group(2)) if blocks else -1


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


# ---- Experiments (issue 10): `make experiments` from scratch, a cold build trains nothing, a rerun reproduces ----

EXPERIMENT_CACHE = Path(".cache") / "experiments"
RESULTS = Path("results")
EXPERIMENTS_BUDGET_SECONDS = 30 * 60.0
COLD_BUDGET_SECONDS = 60.0
RERUN_TEST = "tests/test_training.py::test_retraining_one_pair_reproduces_the_committed_numbers"


def experiment_log(project: Path) -> list[dict]:
    """The experiment lookups' log (one JSON object per lookup: hit, miss or draft, with models trained)."""
    path = project / EXPERIMENT_CACHE / "log.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def timed_build_counting(project: Path, cold_start: bool) -> tuple[float, int, int]:
    """Seconds for one build, and the models trained and frozen results loaded it logged."""
    if cold_start:
        for cache in CACHES:
            shutil.rmtree(project / cache, ignore_errors=True)
    before = len(experiment_log(project))
    seconds = timed_build(project)
    new = experiment_log(project)[before:]
    return seconds, sum(int(e["trainings"]) for e in new), sum(e["event"] == "hit" for e in new)


def frozen_wall_seconds(project: Path) -> tuple[float, int, list[tuple[str, float]]]:
    """Total wall time recorded in the committed results' provenance, their count, and per-job times."""
    per_job = []
    for path in sorted((project / RESULTS).glob("*/*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        per_job.append((f"{path.parent.name}/{path.stem}", float(record["provenance"]["wall_seconds"])))
    return sum(s for _, s in per_job), len(per_job), per_job


def without_timings(record: object) -> object:
    """A result record without its measurements of time (provenance, and every key naming seconds)."""
    if isinstance(record, dict):
        return {
            key: without_timings(value) for key, value in record.items() if key != "provenance" and "seconds" not in key
        }
    if isinstance(record, list):
        return [without_timings(item) for item in record]
    return record


def frozen_records(results: Path) -> dict[str, object]:
    """Each committed result file under results/, its timings left out: what a retrain must reproduce."""
    return {
        f"{path.parent.name}/{path.stem}": without_timings(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(results.glob("*/*.json"))
    }


def differing_results(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Names of the jobs whose retrained record (key, metrics, curves) differs from the committed one."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def experiments_from_scratch(project: Path) -> float:
    """Seconds for `make experiments` (scripts/run_experiments.py) with results/ and every cache emptied."""
    committed = frozen_records(project / RESULTS)
    shutil.move(project / RESULTS, project / "results.committed")
    for cache in CACHES:
        shutil.rmtree(project / cache, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "scripts/run_experiments.py"], cwd=project, env={**os.environ, **ENV, "PYTHONHASHSEED": "0"}
    )
    if done.returncode != 0:
        sys.exit("error: make experiments failed")
    seconds = time.perf_counter() - start
    changed = differing_results(committed, frozen_records(project / RESULTS))
    same = len(committed) - len(changed)
    print(f"retrained from scratch: {same} of {len(committed)} results identical to the committed ones")
    for name in changed:
        print(f"  differs: {name}")
    shutil.rmtree(project / RESULTS)
    shutil.move(project / "results.committed", project / RESULTS)  # the later figures use the committed files
    return seconds


def rerun_check(project: Path) -> tuple[str, float]:
    """Retrain one (variant, seed) pair at the full budget and compare with its committed result (the test)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", RERUN_TEST],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    verdict = "reproduced" if done.returncode == 0 else f"FAILED: {done.stdout.strip().splitlines()[-1:]}"
    return verdict, time.perf_counter() - start


def experiment_figures(project: Path, from_scratch: bool) -> list[tuple[str, str]]:
    """make experiments (from scratch, or the committed provenance), a cold build training 0 models, a rerun."""
    rows = []
    if from_scratch:
        seconds = experiments_from_scratch(project)
        verdict = "within" if seconds <= EXPERIMENTS_BUDGET_SECONDS else "OVER"
        rows.append(("make experiments, empty results/ and caches (s)", f"{seconds:.0f} ({verdict} 30 min)"))
    wall, count, per_job = frozen_wall_seconds(project)
    rows.append(("frozen jobs, wall time recorded in their provenance (s)", f"{wall:.0f} over {count} jobs"))
    for name, seconds in sorted(per_job, key=lambda item: -item[1])[:3]:
        rows.append((f"  slowest: {name} (s)", f"{seconds:.1f}"))
    cold_s, trained, hits = timed_build_counting(project, cold_start=True)
    verdict = "within" if cold_s <= COLD_BUDGET_SECONDS else "OVER"
    rows.append(("cold strict build with committed results (s)", f"{cold_s:.1f} ({verdict} the 60 s budget)"))
    rows.append(("models trained in that build (must be 0)", f"{trained} ({hits} frozen results loaded)"))
    verdict, seconds = rerun_check(project)
    rows.append(("rerun of one (variant, seed) pair vs its committed result", f"{verdict} in {seconds:.0f} s"))
    return rows


def print_experiment_figures(rows: list[tuple[str, str]]) -> None:
    """Print the experiment rows as a Markdown table."""
    print(f"\n| {'experiments':<72} | {'value':<40} |")
    print(f"| {'-' * 72} | {'-' * 40} |")
    for label, value in rows:
        print(f"| {label:<72} | {value:<40} |")


SERVE_PROBES = ((time_page_edit, "page"), (time_snippet_edit, "snippet"))
RATIO_TARGET = 1.5  # warm build ÷ build with execution off (issue 13)


def mode_switch(project: Path, before: dict[str, str]) -> tuple[float, int, int]:
    """A build in `before`'s mode (not timed), then a normal build: its seconds, notebooks and blocks it ran."""
    logged_build(project, **before)
    seconds, log = logged_build(project)
    return (seconds, *executed_counts(log))


def issue_figures(rows: list[tuple[str, float, float | None]], switches: dict[str, tuple[float, int, int]]) -> list:
    """Issue 13's table, measured: (what, value, target), with the ratios."""
    by_label = {label: median for label, median, _ in rows}
    warm, off = by_label["warm build (caches kept, new process)"], by_label["build with execution off (KF_EXECUTE=0)"]
    figures = [
        ("Truly warm `make build`", f"{warm:.1f} s", ""),
        ("Build with `KF_EXECUTE=0`", f"{off:.1f} s", ""),
        ("Warm build ÷ no-execution build", f"{warm / off:.2f}×", f"≤ {RATIO_TARGET}×"),
        ("`mkdocs serve`, page edit → new HTML", f"{by_label['mkdocs serve: page edit to new HTML']:.1f} s", "≤ 1 s"),
        (
            "`mkdocs serve`, snippet edit → new HTML",
            f"{by_label['mkdocs serve: snippet edit to new HTML']:.1f} s",
            "≤ 3 s",
        ),
    ]
    for label, (seconds, notebooks, blocks) in switches.items():
        figures.append((label, f"{notebooks} notebooks, {blocks} blocks re-executed, {seconds:.1f} s", "0 re-executed"))
    for label in ("fast tests (pytest -m 'not slow'), one run", "full test suite (pytest), one run"):
        if label in by_label:
            figures.append((label, f"{by_label[label] / 60:.1f} min", "≤ 6 min" if "full" in label else ""))
    return figures


def print_issue_figures(figures: list[tuple[str, str, str]]) -> None:
    """Issue 13's table: what, measured now, target."""
    print(f"\n| {'What (issue 13)':<48} | {'Now':<44} | {'Target':<14} |")
    print(f"| {'-' * 48} | {'-' * 44} | {'-' * 14} |")
    for what, now, target in figures:
        print(f"| {what:<48} | {now:<44} | {target:<14} |")


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
    parser.add_argument("--skip-weights", action="store_true", help="do not measure the page weights (Chromium)")
    parser.add_argument(
        "--experiments-from-scratch",
        action="store_true",
        help="also time `make experiments` from an empty results/ (about 15 to 30 minutes on 2 cores)",
    )
    parser.add_argument(
        "--only",
        choices=("all", "builds", "experiments", "serve", "languages"),
        default="all",
        help="which figures to measure (experiments: frozen results, cold build trains 0, rerun; serve: edit to HTML; "
        "languages: English alone against English + Chinese, cold and warm)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for name in ("KF_CACHE_DIR", "KF_CACHE", "KF_CACHE_REQUIRE"):  # the copy's own .cache/, dropped for cold builds
        os.environ.pop(name, None)
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
            project = copy_project(Path(tmp) / "project")
            print_experiment_figures(experiment_figures(project, args.experiments_from_scratch))
    if args.only == "experiments":
        return
    if args.only in ("all", "builds", "languages"):
        with tempfile.TemporaryDirectory() as tmp:
            print_language_figures(language_figures(copy_project(Path(tmp) / "project"), args.repeat), args.repeat)
    if args.only == "languages":
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
        switches = {"Exec build right after a `KF_EXECUTE=0` build": mode_switch(project, {"KF_EXECUTE": "0"})}
        suites = [("fast tests (pytest -m 'not slow'), one run", ("-m", "not slow"))]
        if not args.skip_full:
            suites.append(("full test suite (pytest), one run", ()))
        for label, pytest_args in suites:
            seconds, summary = timed_tests(project, *pytest_args)
            rows.append((label, seconds, None))
            notes.append(f"{label}: {summary}")
        seconds, log = logged_build(project)
        last_suite = "the full test suite" if not args.skip_full else "the fast tests"
        switches[f"First build after {last_suite}"] = (seconds, *executed_counts(log))
        page, size = built_largest_page(project)

    print_timings(rows, args.repeat)
    print_issue_figures(issue_figures(rows, switches))
    print(f"\nlargest page: {page}, {size:,} bytes ({size / 1024:,.0f} KiB)")
    for note in notes:
        print(note)
    if args.skip_full:
        print("full test suite: skipped (--skip-full)")
    if not args.skip_weights:
        with tempfile.TemporaryDirectory() as tmp:
            weights(copy_project(Path(tmp) / "project"))


def weights(project: Path) -> None:
    """Measure and print the page weights, or say why not."""
    missing = missing_browser_parts()
    if missing:
        print(f"\ntransfer weight per page: skipped, {missing} is missing")
        return
    print_weights(page_weights(project))


# --- Both editions (issue 14): English alone against both, as `make build` runs them (scripts/build_site.py) ---

LANGUAGE_BUDGET = 1.3  # building both editions may take at most this many times English alone
EDITIONS = (("mkdocs.yml", ""), ("mkdocs.zh.yml", "zh"))  # config file, folder in the site


def build_editions(project: Path, configs: tuple[tuple[str, str], ...], **env: str) -> float:
    """Seconds for a strict build of English alone, or of both editions the way `make build` does it."""
    with tempfile.TemporaryDirectory() as out:
        if configs == EDITIONS:  # scripts/build_site.py: both MkDocs processes side by side
            command = [sys.executable, "scripts/build_site.py", "-q", "--site-dir", str(Path(out) / "site")]
        elif configs == EDITIONS[:1]:
            command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(Path(out) / "site")]
        else:
            raise ValueError(f"no build command for the editions {configs}")
        start = time.perf_counter()
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, env={**os.environ, **ENV, **env})
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"error: {' '.join(command[1:3])} failed:\n{(done.stdout + done.stderr)[-3000:]}")
        return seconds


def cold_editions(project: Path, configs: tuple[tuple[str, str], ...]) -> float:
    """build_editions with every cache dropped first."""
    for cache in CACHES:
        shutil.rmtree(project / cache, ignore_errors=True)
    return build_editions(project, configs)


def language_figures(project: Path, runs: int) -> list[tuple[str, float, float, float]]:
    """(start, English alone, both editions, ratio) for cold and warm builds, medians of runs, measured in turn."""
    rows = []
    for start, measure in (("cold", cold_editions), ("warm", build_editions)):
        if start == "warm":
            build_editions(project, EDITIONS)  # both editions' caches filled
        english, both = [], []
        for _ in range(runs):  # alternated, so a change in the machine's load hits both alike
            english.append(measure(project, EDITIONS[:1]))
            both.append(measure(project, EDITIONS))
        median_en, median_both = statistics.median(english), statistics.median(both)
        rows.append((start, median_en, median_both, median_both / median_en))
    return rows


def print_language_figures(rows: list[tuple[str, float, float, float]], runs: int) -> None:
    """The side-by-side table: English alone, both editions, their ratio against the budget."""
    print(f"\nboth editions (make build: English and Chinese side by side), {runs} run(s) each, medians\n")
    print(f"| {'build':<6} | {'English alone (s)':>17} | {'English + Chinese (s)':>21} | {'ratio':>6} | budget |")
    print(f"| {'-' * 6} | {'-' * 16}: | {'-' * 20}: | {'-' * 5}: | ------ |")
    for start, english, both, ratio in rows:
        verdict = "ok" if ratio <= LANGUAGE_BUDGET else "OVER"
        print(f"| {start:<6} | {english:>17.1f} | {both:>21.1f} | {ratio:>5.2f}× | ≤ {LANGUAGE_BUDGET}× {verdict} |")


if __name__ == "__main__":
    main()
