"""A new contributor's first page, end to end, in a copy of the project: template, strict build, its own test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT

pytestmark = pytest.mark.slow
NAME = "my_first_page"


def test_new_page_builds_shows_its_output_and_passes_its_own_test(warm_project: Path, tmp_path: Path) -> None:
    project = warm_project  # with the session build's caches: only the new page's code runs
    (project / "tests").mkdir()
    for helper in (
        "conftest.py",
        "shared_build.py",
        "timeline.py",
        "built_pages.py",
        "snippet_runner.py",
    ):  # what a generated test imports, with the snippet
        shutil.copy(ROOT / "tests" / helper, project / "tests" / helper)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")  # pytest's markers and options

    # 1. Copy the template trio under a new name.
    done = subprocess.run(
        [sys.executable, "scripts/new_page.py", NAME], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"created tests/test_{NAME}.py" in done.stdout
    assert f"  - My first page: {NAME}.md\n  - Write a page: write_a_page.md\n" in (project / "mkdocs.yml").read_text()
    assert 'to the nav in mkdocs.yml, between "Calculator" and "Write a page"' in done.stdout

    # 2. Its generated test passes, slow HTML checks included, on the site its conftest builds strictly (the
    # built_site fixture, as `pytest` in a contributor's clone): that build is this test's build of the site.
    inner = tmp_path / "inner"  # the generated test's base temp folder: the site is built into inner/site
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/test_{NAME}.py", "-q", "-p", "no:cacheprovider", "--basetemp", inner],
        cwd=project,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_KF_TIMELINE"},  # not part of the suite's timeline
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed_build = inner / "site.failed"  # the build's whole log, if it failed
    assert not failed_build.exists(), failed_build.read_text(encoding="utf-8")
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert "5 passed" in tested.stdout
    assert (inner / "site.built").is_file(), "the generated test did not build the site"

    # 3. The new page shows its executed output, its rendered prose, its table, its figure and its folded answer.
    page = BeautifulSoup((inner / "site" / NAME / "index.html").read_text(encoding="utf-8"), "html.parser")
    text = re.sub(r"\s+", " ", page.find("article").get_text(" "))
    assert "Conv2D(16, (5,5)) on 28×28×1: 416 parameters, output (24, 24, 16)" in text
    assert "on a 28×28×1 input has 416 parameters" in text
    assert [td.get_text(strip=True) for td in page.select("article table tr")[-1].find_all("td")] == [
        "7×7",
        "49",
        "800",
    ]
    assert page.select_one("figure.kf-figure svg[role=img]")["aria-label"].endswith("7×7 has 800")
    assert page.select_one("details.question")
    assert page.select_one("h1").get_text(strip=True).startswith("My first page")
