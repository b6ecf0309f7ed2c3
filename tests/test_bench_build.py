"""scripts/bench_build.py's pure parts: the largest page, and its arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench_build import differing_results, executed_counts, issue_figures, largest_page, without_timings
from conftest import ROOT


def test_largest_page_names_the_biggest_html_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text("x" * 10)
    (tmp_path / "a" / "index.html").write_text("x" * 30)
    (tmp_path / "big.js").write_text("x" * 100)  # not a page
    assert largest_page(tmp_path) == ("a/index.html", 30)


def test_largest_page_refuses_a_folder_without_pages(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no HTML pages"):
        largest_page(tmp_path)


def test_bad_repeat_is_refused_before_any_work() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_build.py"), "--repeat", "0"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--repeat must be at least 1" in done.stderr
    assert (
        "--skip-full"
        in subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench_build.py"), "--help"], capture_output=True, text=True
        ).stdout
    )


def test_a_retrain_is_compared_without_its_timings() -> None:
    committed = {"training/a": {"result": {"accuracy": 0.97, "seconds": 80.0, "history": {"seconds": [6.5, 3.7]}}}}
    retrained = {"training/a": {"result": {"accuracy": 0.97, "seconds": 91.2, "history": {"seconds": [7.0, 3.1]}}}}
    assert differing_results(without_timings(committed), without_timings(retrained)) == []
    retrained["training/a"]["result"]["accuracy"] = 0.96
    assert differing_results(without_timings(committed), without_timings(retrained)) == ["training/a"]
    assert differing_results({"training/a": {}}, {}) == ["training/a"]  # a job missing after the retrain


def test_executed_counts_read_the_hooks_log() -> None:
    log = "INFO - kf: executing docs/experiments/erf.py (no cached outputs)\nINFO - kf: 130 executed block(s) reused from /x/.cache/exec, 7 run\n"
    assert executed_counts(log) == (1, 7)
    assert executed_counts("no cache lines") == (0, -1)  # -1: the build did not report (cache off)


def test_issue_figures_put_the_ratio_beside_the_seconds() -> None:
    rows = [
        ("warm build (caches kept, new process)", 6.0, 0.1),
        ("build with execution off (KF_EXECUTE=0)", 4.0, 0.1),
        ("mkdocs serve: page edit to new HTML", 0.8, 0.1),
        ("mkdocs serve: snippet edit to new HTML", 2.5, 0.1),
        ("full test suite (pytest), one run", 300.0, None),
    ]
    figures = {what: (now, target) for what, now, target in issue_figures(rows, {"after": (5.0, 0, 0)})}
    assert figures["Warm build ÷ no-execution build"] == ("1.50×", "≤ 1.5×")
    assert figures["after"] == ("0 notebooks, 0 blocks re-executed, 5.0 s", "0 re-executed")
    assert figures["full test suite (pytest), one run"] == ("5.0 min", "≤ 6 min")
