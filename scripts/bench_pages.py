"""Lighthouse on every page of the built site, as a reader's phone sees it: a benchmark, not a test.

The site is served on loopback with gzip, as GitHub Pages serves it, and Lighthouse 12.2.3 (npm, mobile
preset: a mid-range phone on a slow 4G network, simulated) drives Debian's Chromium. Each page is
measured --runs times (at least 2); the table gives the median of each figure, and the spread of the
Performance score. Lighthouse 13 needs Node 22; these machines have Node 20, hence 12.2.3.

    .venv/bin/python scripts/bench_pages.py --fetch       # once: npm ci from scripts/lighthouse/package-lock.json
    .venv/bin/python scripts/bench_pages.py [--site site] [--runs 3] [--pages calculator/ index.html]
    .venv/bin/python scripts/bench_pages.py --pages receptive_field/ --reports /tmp/lh   # keep the JSON reports
    .venv/bin/python scripts/bench_pages.py --site /tmp/a --against /tmp/b --runs 3 --pages "" zh/   # an A/B

--fetch installs Lighthouse into .venv/lighthouse with `npm ci`, which installs exactly the committed
package-lock.json and checks every tarball against the sha512 integrity it records. Blocking time (TBT)
is sensitive to other work on the machine, so the load average is printed next to the numbers.

"Own TBT" is the blocking time of the project's own scripts (docs/assets/javascripts/: the calculator,
a11y.js): over every long task Lighthouse attributes to one of them, the part beyond 50 ms, with
Lighthouse's simulated (throttled) durations. Issue 15 asks for at most 50 ms on every page; the rest
of TBT is Material's bundle and the browser's own parsing and layout.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from site_browser import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402

LIGHTHOUSE_VERSION = "12.2.3"
LOCK_DIR = ROOT / "scripts" / "lighthouse"  # package.json + package-lock.json (integrity of every package)
INSTALL_DIR = ROOT / ".venv" / "lighthouse"
OWN_SCRIPTS = ROOT / "docs" / "assets" / "javascripts"  # the project's own scripts, as the site serves them
LONG_TASK_MS = 50  # a task blocks the main thread for the part of it beyond this
LIGHTHOUSE_CLI = INSTALL_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Served compressed, as GitHub Pages does for text; images and fonts are already compressed.
GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


class LighthouseUnavailable(RuntimeError):
    """Node, npm or the installed Lighthouse is missing."""


# ---- Installing Lighthouse --------------------------------------------------------------------------


def locked_version(lock: dict) -> str:
    """The Lighthouse version a package-lock.json pins; raises ValueError if a package lacks its integrity."""
    packages = lock.get("packages", {})
    missing = [name for name, meta in packages.items() if name and "integrity" not in meta and not meta.get("link")]
    if missing:
        raise ValueError(f"package-lock.json has no integrity for: {', '.join(missing[:5])}")
    entry = packages.get("node_modules/lighthouse")
    if not entry:
        raise ValueError("package-lock.json does not install lighthouse")
    return entry["version"]


def fetch(dest: Path = INSTALL_DIR) -> None:
    """Install the locked Lighthouse into dest with `npm ci` (which checks every tarball's integrity)."""
    if shutil.which("npm") is None:
        raise LighthouseUnavailable("npm is not installed; it is needed to install Lighthouse")
    version = locked_version(json.loads((LOCK_DIR / "package-lock.json").read_text(encoding="utf-8")))
    if version != LIGHTHOUSE_VERSION:
        raise ValueError(f"package-lock.json pins lighthouse {version}, not {LIGHTHOUSE_VERSION}")
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(LOCK_DIR / name, dest / name)
    done = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=dest, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise LighthouseUnavailable(f"npm ci in {dest} failed:\n{done.stderr}")
    print(f"installed lighthouse {version} into {dest.relative_to(ROOT)}")


def installed_version() -> str:
    """The version of the installed Lighthouse, or raise LighthouseUnavailable saying how to install it."""
    manifest = LIGHTHOUSE_CLI.parents[1] / "package.json"
    if shutil.which("node") is None:
        raise LighthouseUnavailable("node is not installed")
    if not manifest.is_file():
        raise LighthouseUnavailable("Lighthouse is not installed: run `python scripts/bench_pages.py --fetch`")
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if version != LIGHTHOUSE_VERSION:
        raise LighthouseUnavailable(f"installed Lighthouse is {version}, not {LIGHTHOUSE_VERSION}: run --fetch")
    return version


# ---- Serving like GitHub Pages ------------------------------------------------------------------------


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text gzip-compressed when the client accepts it, as GitHub Pages sends it. No log."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to the trailing slash
            path = path / "index.html"
        kind = self.guess_type(str(path))
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not path.is_file() or not accepts_gzip or not kind.startswith(GZIP_TYPES):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")  # what Pages sends
        self.end_headers()
        return _BytesReader(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _BytesReader:
    """A file-like body for SimpleHTTPRequestHandler.copyfile."""

    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset : end], min(end, len(self.data))
        return chunk

    def close(self) -> None:
        pass


def serve_gzipped(root: Path) -> AbstractContextManager[str]:
    """Serve root on 127.0.0.1 with gzip, as GitHub Pages does; the context yields the base URL."""
    return serve_directory(root, GzipHandler)


# ---- Measuring -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRun:
    """One Lighthouse run of one page: scores 0-100, times in ms, transfer in bytes."""

    scores: dict[str, int]
    fcp_ms: float
    lcp_ms: float
    tbt_ms: float
    cls: float
    transfer_bytes: int
    own_tbt_ms: float = 0.0


def own_script_paths(scripts_dir: Path = OWN_SCRIPTS, docs_dir: Path = ROOT / "docs") -> frozenset[str]:
    """URL paths of the project's own scripts in the site (assets/javascripts/a11y.js, ...)."""
    return frozenset(p.relative_to(docs_dir).as_posix() for p in scripts_dir.rglob("*.js"))


def own_blocking_ms(report: dict, own_paths: frozenset[str]) -> float:
    """Blocking time of the long tasks Lighthouse attributes to the project's own scripts (the part over 50 ms)."""
    from urllib.parse import urlsplit

    debug = (report["audits"].get("long-tasks", {}).get("details") or {}).get("debugData") or {}
    urls = debug.get("urls", [])
    own = {i for i, url in enumerate(urls) if urlsplit(url).path.lstrip("/").endswith(tuple(own_paths))}
    return sum(max(0.0, task["duration"] - LONG_TASK_MS) for task in debug.get("tasks", []) if task["urlIndex"] in own)


def page_run(report: dict, own_paths: frozenset[str] = frozenset()) -> PageRun:
    """The figures of one Lighthouse JSON report; raises ValueError when Lighthouse could not measure."""
    if report.get("runtimeError"):
        raise ValueError(f"Lighthouse failed on {report.get('requestedUrl')}: {report['runtimeError'].get('message')}")
    audits = report["audits"]

    def value(audit: str) -> float:
        found = audits[audit].get("numericValue")
        if found is None:
            raise ValueError(f"Lighthouse has no {audit} for {report.get('requestedUrl')}")
        return float(found)

    scores = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        if score is None:
            raise ValueError(f"Lighthouse has no {name} score for {report.get('requestedUrl')}")
        scores[name] = round(score * 100)
    return PageRun(
        scores=scores,
        fcp_ms=value("first-contentful-paint"),
        lcp_ms=value("largest-contentful-paint"),
        tbt_ms=value("total-blocking-time"),
        cls=value("cumulative-layout-shift"),
        transfer_bytes=int(value("total-byte-weight")),
        own_tbt_ms=own_blocking_ms(report, own_paths),
    )


@dataclass(frozen=True)
class PageSummary:
    """The median of a page's runs, and the lowest and highest Performance score."""

    page: str
    median: PageRun
    performance_range: tuple[int, int]


def summarise(page: str, runs: list[PageRun]) -> PageSummary:
    """Median of each figure over runs (each figure on its own)."""
    if not runs:
        raise ValueError(f"no runs for {page}")
    median = PageRun(
        scores={name: round(statistics.median(r.scores[name] for r in runs)) for name in CATEGORIES},
        fcp_ms=statistics.median(r.fcp_ms for r in runs),
        lcp_ms=statistics.median(r.lcp_ms for r in runs),
        tbt_ms=statistics.median(r.tbt_ms for r in runs),
        cls=statistics.median(r.cls for r in runs),
        transfer_bytes=round(statistics.median(r.transfer_bytes for r in runs)),
        own_tbt_ms=statistics.median(r.own_tbt_ms for r in runs),
    )
    performance = [r.scores["performance"] for r in runs]
    return PageSummary(page, median, (min(performance), max(performance)))


def site_pages(site: Path) -> list[str]:
    """Every page of the built site as a URL path ("" is the home page), sorted; not 404.html."""
    return sorted(
        "" if p.parent == site else p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if not p.relative_to(site).parts[0].startswith(("assets", "search"))
    )


def run_lighthouse(url: str) -> dict:
    """One Lighthouse run (mobile preset, all four categories) of url; its JSON report."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        done = subprocess.run(
            [
                "node",
                str(LIGHTHOUSE_CLI),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={out}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={flags}",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            timeout=300,
        )
        if done.returncode != 0 or not out.is_file():
            raise LighthouseUnavailable(f"lighthouse on {url} failed:\n{done.stderr[-2000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def report_name(page: str, run: int) -> str:
    """The file name of one run's report: zh-receptive_field-1.json ("home" for the home page)."""
    return f"{page.strip('/').replace('/', '-') or 'home'}-{run}.json"


def save_report(report: dict, folder: Path, page: str, run: int) -> Path:
    """Write one run's Lighthouse JSON report into folder; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / report_name(page, run)
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def table(summaries: list[PageSummary]) -> str:
    """The Markdown table of the medians, one row per page."""
    rows = [
        "| Page | Performance (range) | FCP | LCP | TBT | Own TBT | CLS | Transfer | A11y / BP / SEO |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        m, (low, high) = s.median, s.performance_range
        rows.append(
            f"| {s.page or '(home)'} | {m.scores['performance']} ({low}–{high}) | {m.fcp_ms / 1000:.1f} s "
            f"| {m.lcp_ms / 1000:.1f} s | {m.tbt_ms:.0f} ms | {m.own_tbt_ms:.0f} ms | {m.cls:.3f} "
            f"| {m.transfer_bytes / 1024:.0f} KiB "
            f"| {m.scores['accessibility']} / {m.scores['best-practices']} / {m.scores['seo']} |"
        )
    return "\n".join(rows)


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages and the CPU count, for the record next to the numbers."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> int:
    """Install Lighthouse (--fetch) or measure every page of a built site."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fetch", action="store_true", help="install Lighthouse from the committed lock file")
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default: site/)")
    parser.add_argument("--runs", type=int, default=2, help="Lighthouse runs per page, at least 2 (default 2)")
    parser.add_argument("--pages", nargs="*", help="only these pages, as URL paths (calculator/); default: all")
    parser.add_argument("--reports", type=Path, help="keep each run's JSON report in this folder")
    parser.add_argument(
        "--against", type=Path, help="a second built site, measured run for run after --site (A, B, A, B...): an A/B"
    )
    args = parser.parse_args()
    try:
        if args.fetch:
            fetch()
            return 0
        if args.runs < 2:
            parser.error("--runs must be at least 2: one run's score moves by about ±5")
        version = installed_version()
        pages = site_pages(args.site) if not args.pages else args.pages
        own_paths = own_script_paths()
        from rich.progress import Progress

        sites = [args.site] + ([args.against] if args.against else [])
        print(f"Lighthouse {version}, mobile preset, {args.runs} runs per page; before: {load_average()}")
        summaries: dict[Path, list[PageSummary]] = {site: [] for site in sites}
        with ExitStack() as stack, Progress(transient=True) as progress:
            bases = {site: stack.enter_context(serve_gzipped(site)) for site in sites}
            task = progress.add_task("Lighthouse", total=len(pages) * args.runs * len(sites))
            for page in pages:
                runs: dict[Path, list[PageRun]] = {site: [] for site in sites}
                for run in range(1, args.runs + 1):
                    for label, site in enumerate(sites):  # interleaved, so a change in load hits A and B alike
                        progress.update(task, description=page or "(home)")
                        report = run_lighthouse(bases[site] + page)
                        if args.reports:
                            save_report(report, args.reports / "AB"[label] if args.against else args.reports, page, run)
                        runs[site].append(page_run(report, own_paths))
                        progress.advance(task)
                for site in sites:
                    summaries[site].append(summarise(page, runs[site]))
        for label, site in enumerate(sites):
            if args.against:
                print(f"\n{'AB'[label]}: {site}")
            print(table(summaries[site]))
        print(f"after: {load_average()}")
    except (LighthouseUnavailable, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
