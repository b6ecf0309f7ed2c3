"""Benchmark the calculator page: how long one edit of a 50-layer stack takes to recompute and redraw.

Builds the site (or uses --site DIR), serves it on loopback, opens the calculator in headless Chromium
with a 50-layer stack, and edits the first layer's filters back and forth, so that every later
cell changes. Each edit fires the same input event as typing; its handler recomputes the stack
and writes the changed text into the page. Prints the median and spread of:

- recompute: compute() plus the DOM updates (what the handler does, timed inside the page);
- with layout: the same, plus the style and layout the browser does before it can paint.

Run: `.venv/bin/python scripts/bench_calculator.py [--site DIR] [--layers 50] [--repeat 200]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from site_browser import launch, missing_browser_parts, serve_directory  # noqa: E402

ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}
TARGET_MS = 5.0

# One timed edit per call: set the value, fire `input`, time the synchronous handler (and a forced layout).
MEASURE = """([id, repeat]) => {
    const box = document.getElementById(id);
    const plain = [], layout = [];
    for (let i = 0; i < repeat; i++) {
        box.value = i % 2 ? '64' : '65';
        const start = performance.now();
        box.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText'}));
        const computed = performance.now();
        void document.body.offsetHeight;  // style and layout, as before a paint
        const laidOut = performance.now();
        plain.push(computed - start);
        layout.push(laidOut - start);
    }
    return {plain, layout, text: document.querySelector('#kf-a-results tfoot').textContent};
}"""


def stack_query(layers: int, compare: bool) -> str:
    """A ?calc= link: 224×224×3 input, 3×3 'same' convolutions with a 2×2 max pool every tenth layer."""
    tokens = []
    for index in range(layers):
        tokens.append("m2s2v" if index % 10 == 9 else f"c{64 + index}k3x3s1d1g1s")
    stack = "224x224x3_" + "_".join(tokens)
    return "?calc=v1." + stack + (("." + stack) if compare else "")


def build_site(out: Path) -> None:
    """Strict build into out; exits with the build log on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    if done.returncode != 0:
        sys.exit(f"error: build failed:\n{done.stderr[-3000:]}")


def measure(site: Path, layers: int, repeat: int) -> list[tuple[str, list[float], list[float]]]:
    """Timings (ms) for one stack and for two stacks of `layers` layers."""
    from playwright.sync_api import sync_playwright

    rows = []
    with serve_directory(site) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        for compare in (False, True):
            page.goto(url + "calculator/" + stack_query(layers, compare))
            page.wait_for_selector("#kf-calculator[data-ready=true]")
            rows_shown = page.locator("#kf-a-results tbody tr").count() - 1
            if rows_shown != layers:
                sys.exit(f"error: the calculator shows {rows_shown} layers, expected {layers}")
            page.evaluate(MEASURE, ["kf-a-l0-filters", 20])  # warm-up: JIT, caches
            result = page.evaluate(MEASURE, ["kf-a-l0-filters", repeat])
            if "—" in result["text"]:
                sys.exit("error: the benchmark stack is invalid: " + result["text"])
            label = f"{layers}-layer stack" + (" and a second one (compare on)" if compare else "")
            rows.append((label, result["plain"], result["layout"]))
        browser.close()
        if errors:
            sys.exit(f"error: the page raised: {errors}")
    return rows


def main() -> None:
    """Measure and print the calculator's recompute times."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, help="an already built site (default: build one now)")
    parser.add_argument("--layers", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=200, help="timed edits per figure (median reported)")
    args = parser.parse_args()
    if not 1 <= args.layers <= 200:
        parser.error("--layers must be between 1 and 200 (the calculator's limit)")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    missing = missing_browser_parts()
    if missing:
        sys.exit(f"error: {missing} is missing; the benchmark drives a real browser")

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build_site(site)
        elif not (site / "calculator" / "index.html").is_file():
            sys.exit(f"error: {site} has no calculator/index.html; build the site first")
        rows = measure(site, args.layers, args.repeat)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; Chromium headless"
    )
    print(
        f"one edit of layer 1 (every later cell changes), {args.repeat} edits per figure; target ≤ {TARGET_MS:g} ms\n"
    )
    print(f"| {'stack':<50} | {'recompute, median (ms)':>22} | {'p95 (ms)':>8} | {'with layout, median (ms)':>24} |")
    print(f"| {'-' * 50} | {'-' * 21}: | {'-' * 7}: | {'-' * 23}: |")
    for label, plain, layout in rows:
        p95 = statistics.quantiles(plain, n=20)[-1] if len(plain) > 1 else plain[0]
        print(f"| {label:<50} | {statistics.median(plain):>22.2f} | {p95:>8.2f} | {statistics.median(layout):>24.2f} |")


if __name__ == "__main__":
    main()
