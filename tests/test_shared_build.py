"""The suite's own machinery: one site build per run for all xdist workers, and the order the tests run in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, needs_site

INNER_CONFTEST = """
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, {tests!r})
from shared_build import build_once, shared_folder


def builder(exit_code: int):
    def build(out: Path) -> subprocess.CompletedProcess:
        with open(os.environ["BUILD_LOG"], "a", encoding="utf-8") as log:
            log.write(out.name + " " + os.environ.get("PYTEST_XDIST_WORKER", "none") + "\\n")
        out.mkdir()
        (out / "index.html").write_text("built", encoding="utf-8")
        return subprocess.CompletedProcess([], exit_code, "the build's output", "its errors")

    return build


@pytest.fixture(scope="session")
def site(request, tmp_path_factory):
    return build_once(shared_folder(request.config, tmp_path_factory), "site", builder(0))


@pytest.fixture(scope="session")
def broken(request, tmp_path_factory):
    return build_once(shared_folder(request.config, tmp_path_factory), "broken", builder(1))
"""
INNER_TESTS = "".join(
    f"def test_{fixture}_{i}({fixture}):\n    assert ({fixture} / 'index.html').read_text(encoding='utf-8') == 'built'\n\n\n"
    for i in range(4)
    for fixture in ("site", "broken")
)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Eight tests on two xdist workers, half needing a build that works, half one that fails; pytest's result, builds."""
    folder = tmp_path_factory.mktemp("two_workers")
    suite = folder / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(INNER_CONFTEST.format(tests=str(ROOT / "tests")), encoding="utf-8")
    (suite / "test_site.py").write_text(INNER_TESTS, encoding="utf-8")
    log = folder / "builds.log"
    log.touch()
    env = {**os.environ, "BUILD_LOG": str(log)}
    env.pop("PYTEST_KF_TIMELINE", None)  # this inner run's tests and builds are not the suite's
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
    return done, log.read_text(encoding="utf-8").splitlines()


def test_two_workers_share_one_build(two_workers: tuple[subprocess.CompletedProcess[str], list[str]]) -> None:
    done, builds = two_workers
    assert "4 passed" in done.stdout, done.stdout[-3000:]
    assert [line.split()[0] for line in builds].count("site") == 1, builds
    assert {line.split()[1] for line in builds} <= {"gw0", "gw1"}


def test_a_failed_build_fails_every_test_and_is_not_retried(
    two_workers: tuple[subprocess.CompletedProcess[str], list[str]],
) -> None:
    done, builds = two_workers
    assert "4 errors" in done.stdout, done.stdout[-3000:]  # a fixture that fails is an error of each test using it
    assert "building broken failed (exit 1)" in done.stdout
    assert "the build's output" in done.stdout
    assert [line.split()[0] for line in builds].count("broken") == 1, builds


def test_files_that_need_no_site_run_first_and_stay_whole(request: pytest.FixtureRequest) -> None:
    files = [item.nodeid.split("::")[0] for item in request.session.items]
    assert all(files[i] == files[i + 1] or files[i + 1] not in files[:i] for i in range(len(files) - 1)), (
        "a file is split"
    )
    waits = [any(needs_site(item) for item in request.session.items if item.nodeid.startswith(f + "::")) for f in files]
    assert waits == sorted(waits), "a file that needs the site build runs before one that does not"
