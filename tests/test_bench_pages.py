"""scripts/bench_pages.py: the locked Lighthouse, the gzip server, and the figures it reads from a report."""

from __future__ import annotations

import gzip
import json
import urllib.request
from pathlib import Path

import pytest

from bench_pages import (
    LIGHTHOUSE_VERSION,
    LOCK_DIR,
    PageRun,
    locked_version,
    own_blocking_ms,
    own_script_paths,
    page_run,
    serve_gzipped,
    site_pages,
    summarise,
    table,
)


def test_the_committed_lock_pins_lighthouse_with_integrity_for_every_package() -> None:
    lock = json.loads((LOCK_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert locked_version(lock) == LIGHTHOUSE_VERSION
    assert json.loads((LOCK_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"] == {
        "lighthouse": LIGHTHOUSE_VERSION
    }


def test_a_lock_without_integrity_is_refused() -> None:
    lock = {"packages": {"": {}, "node_modules/lighthouse": {"version": "12.2.3"}}}
    with pytest.raises(ValueError, match="no integrity for: node_modules/lighthouse"):
        locked_version(lock)


def report(performance: float, tbt: float) -> dict:
    """A Lighthouse JSON report reduced to what page_run reads."""
    categories = {name: {"score": 1.0} for name in ("accessibility", "best-practices", "seo")}
    audits = {
        "first-contentful-paint": 1400.0,
        "largest-contentful-paint": 2600.0,
        "total-blocking-time": tbt,
        "cumulative-layout-shift": 0.01,
        "total-byte-weight": 240_000,
    }
    return {
        "requestedUrl": "http://127.0.0.1/x/",
        "categories": {"performance": {"score": performance}, **categories},
        "audits": {name: {"numericValue": value} for name, value in audits.items()},
    }


def test_a_report_gives_scores_times_and_transfer() -> None:
    run = page_run(report(0.86, 430.0))
    assert run == PageRun(
        scores={"performance": 86, "accessibility": 100, "best-practices": 100, "seo": 100},
        fcp_ms=1400.0,
        lcp_ms=2600.0,
        tbt_ms=430.0,
        cls=0.01,
        transfer_bytes=240_000,
    )


def test_a_failed_run_is_an_error_not_a_zero() -> None:
    with pytest.raises(ValueError, match=r"Lighthouse failed on .*: NO_FCP"):
        page_run({**report(0.9, 0), "runtimeError": {"code": "NO_FCP", "message": "NO_FCP"}})
    broken = report(0.9, 0)
    broken["categories"]["performance"]["score"] = None
    with pytest.raises(ValueError, match="no performance score"):
        page_run(broken)


def test_the_summary_is_the_median_of_each_figure_and_the_score_range() -> None:
    summary = summarise("x/", [page_run(report(p, t)) for p, t in [(0.80, 300.0), (0.95, 100.0), (0.90, 500.0)]])
    assert summary.median.scores["performance"] == 90
    assert summary.median.tbt_ms == 300.0
    assert summary.performance_range == (80, 95)
    assert "| x/ | 90 (80–95) | 1.4 s | 2.6 s | 300 ms | 0 ms | 0.010 | 234 KiB | 100 / 100 / 100 |" in table([summary])


def with_long_tasks(tasks: list[tuple[str, float]]) -> dict:
    """A report whose long-tasks audit lists tasks as (attributed URL, simulated duration in ms)."""
    urls = sorted({url for url, _ in tasks})
    debug = {"urls": urls, "tasks": [{"urlIndex": urls.index(url), "duration": ms} for url, ms in tasks]}
    full = report(0.9, 400.0)
    full["audits"]["long-tasks"] = {"details": {"type": "table", "debugData": debug}}
    return full


def test_own_blocking_time_counts_only_the_projects_scripts_beyond_50_ms() -> None:
    own = own_script_paths()
    assert {"assets/javascripts/a11y.js", "assets/javascripts/calculator/ui.js"} <= own
    base = "http://127.0.0.1:8000/"
    tasks = [
        (base + "assets/javascripts/bundle.79ae519e.min.js", 400.0),  # Material's bundle: not ours
        (base + "assets/javascripts/calculator/ui.js", 120.0),  # 70 ms blocking
        (base + "assets/javascripts/a11y.js", 60.0),  # 10 ms
        (base + "assets/javascripts/a11y.js", 45.0),  # a short task blocks nothing
        (base + "calculator/", 300.0),  # the page's own parsing and layout
    ]
    assert own_blocking_ms(with_long_tasks(tasks), own) == 80.0
    assert page_run(with_long_tasks(tasks), own).own_tbt_ms == 80.0
    assert own_blocking_ms(report(0.9, 0.0), own) == 0.0  # no long task at all


def test_pages_are_served_gzipped_when_the_browser_accepts_it(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>home</p>" * 100, encoding="utf-8")
    (tmp_path / "calculator").mkdir()
    (tmp_path / "calculator" / "index.html").write_text("<p>calc</p>", encoding="utf-8")
    assert site_pages(tmp_path) == ["", "calculator/"]
    with serve_gzipped(tmp_path) as base:
        asked = urllib.request.Request(base + "calculator/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(asked) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()) == b"<p>calc</p>"
        with urllib.request.urlopen(base) as response:  # no Accept-Encoding: plain
            assert response.headers["Content-Encoding"] is None
            assert response.read() == b"<p>home</p>" * 100
