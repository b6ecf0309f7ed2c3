"""The suite's own machinery: one site build per run for all xdist workers, and the order the tests run in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import ROOT, needs_site, xdist_group

INNER_CONFTEST = """
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, {tests!r})
from shared_build import build_once, shared_folder


def build(out: Path) -> subprocess.CompletedProcess:
    with open(os.environ["BUILD_LOG"], "a", encoding="utf-8") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "no worker") + "\\n")
    out.mkdir()
    (out / "index.html").write_text("built", encoding="utf-8")
    return subprocess.CompletedProcess([], int(os.environ["BUILD_EXIT"]), "the build's output", "its errors")


@pytest.fixture(scope="session")
def site(request, tmp_path_factory):
    return build_once(shared_folder(request.config, tmp_path_factory), "site", build)
"""
INNER_TESTS = "".join(
    f"def test_{i}(site):\n    assert (site / 'index.html').read_text(encoding='utf-8') == 'built'\n\n\n"
    for i in range(8)
)


def run_two_workers(folder: Path, build_exit: int) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run eight tests that all need the site on two xdist workers; return pytest's result and who built."""
    suite = folder / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(INNER_CONFTEST.format(tests=str(ROOT / "tests")), encoding="utf-8")
    (suite / "test_site.py").write_text(INNER_TESTS, encoding="utf-8")
    log = folder / "builds.log"
    log.touch()
    env = {**os.environ, "BUILD_LOG": str(log), "BUILD_EXIT": str(build_exit)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "-q",
        "--basetemp",
        str(folder / "t"),
    ]
    done = subprocess.run(command, cwd=suite, env=env, capture_output=True, text=True, timeout=300)
    return done, log.read_text(encoding="utf-8").split()


def test_two_workers_share_one_build(tmp_path: Path) -> None:
    done, builders = run_two_workers(tmp_path, build_exit=0)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "8 passed" in done.stdout
    assert len(builders) == 1, builders
    assert builders[0] in ("gw0", "gw1")


def test_a_failed_build_fails_every_test_and_is_not_retried(tmp_path: Path) -> None:
    done, builders = run_two_workers(tmp_path, build_exit=1)
    assert "8 errors" in done.stdout, done.stdout[-3000:]  # a fixture that fails is an error of each test
    assert "building site failed (exit 1)" in done.stdout
    assert "the build's output" in done.stdout
    assert len(builders) == 1, builders


def test_tests_that_need_no_site_run_first_and_groups_stay_whole(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    waits = [needs_site(item) for item in items]
    assert waits == sorted(waits), "a test that needs the site build runs before one that does not"
    where: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if group := xdist_group(item):
            where[group].append(index)
    for group, indexes in where.items():
        assert indexes == list(range(indexes[0], indexes[0] + len(indexes))), f"{group} is split"
    if getattr(request.config.option, "loadgroup", False):  # on an xdist worker: the group is in the test's id
        assert all(("@" in item.nodeid) == bool(xdist_group(item)) for item in items)
