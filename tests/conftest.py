"""Shared fixtures: the project root, a strict build of the site (once per run, shared by xdist workers), copies.

Speed: `make test` runs the suite on pytest-xdist workers (`-n auto --dist loadfile`: a test file stays on one
worker, so its module fixtures run once). The site is built in background threads from the end of collection
(start_building; the Chinese edition beside the English one, as `make build`) while the workers run the files
that need no site; the build is shared through a file lock (shared_build.build_once), which the fixtures wait on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock
from shared_build import build_log, build_once, shared_folder
from snippet_runner import SnippetRunner
from timeline import pytest_runtest_logreport  # noqa: F401 - PYTEST_KF_TIMELINE=FILE: where the time goes

ROOT = Path(__file__).resolve().parents[1]
# The environment as the run started. The session's builds run in background threads while tests run, and a
# test's monkeypatch.setenv("KF_MNIST", ...) would reach a build started meanwhile: a KF_* setting is part of
# every cache key, so the Chinese build would look for entries the English build never wrote.
SESSION_ENVIRON = dict(os.environ)
SNIPPETS = ROOT / "snippets"
sys.path.insert(0, str(SNIPPETS))
sys.path.insert(0, str(ROOT / "scripts"))  # tooling the tests reuse, e.g. serve_probe
for key, value in {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "NO_MKDOCS_2_WARNING": "1",
}.items():
    os.environ.setdefault(key, value)

from kf import key_memo  # noqa: E402 - needs snippets/ on sys.path

key_memo.install()  # the tests read frozen results too: each kf module's imports parsed once (kf/key_memo.py)

# What a copy of the project needs in order to build: everything else (tests, .venv) stays behind.
PROJECT_PARTS = ("mkdocs.yml", "docs", "notebooks", "snippets", "scripts", "data", "results", "templates", "overrides")
PROJECT_PARTS += ("mkdocs.zh.yml", "docs_zh", "i18n")  # the Chinese edition and its catalogs and term list
# The build caches under .cache/ are keyed by content, never by path (experiments, receptive-field models,
# notebook pages, executed blocks), so a copy can start from the working tree's. This lock keeps a copy from
# reading them while a build of the working tree writes them.
CACHE = ROOT / ".cache"
CACHE_LOCK = CACHE / "tests-build.lock"
# The fixtures of tests that wait for the session's build.
SITE_FIXTURES = {"built_site", "warm_project", "built_zh_site", "session_build"}


def in_ci() -> bool:
    """True when running under CI, where a missing tool is a failure, not a skip."""
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    """Skip locally, fail in CI, when something a test needs is missing."""
    if not condition:
        if in_ci():
            pytest.fail(f"CI=true and {what} is missing")
        pytest.skip(f"{what} is missing (required when CI=true)")


def mkdocs_build(
    project: Path, out: Path, pid_file: Path | None = None, base: dict[str, str] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` on a project folder; return the finished process (its id in pid_file, if given).

    base: the environment to start from (default: the current one).
    """
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    run = {"cwd": project, "text": True, "env": {**(os.environ if base is None else base), **env}}
    if project.resolve() != ROOT:
        return finished(command, run, pid_file)
    with cache_lock():  # the working tree's caches: no copy reads them half-written
        return finished(command, run, pid_file)


def finished(command: list[str], run: dict, pid_file: Path | None) -> subprocess.CompletedProcess[str]:
    """Run command (Popen keywords in run) to its end, at most 900 s; its process id is written to pid_file first."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **run) as process:
        if pid_file is not None:
            pid_file.write_text(str(process.pid), encoding="utf-8")
        try:
            stdout, stderr = process.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def cache_lock() -> FileLock:
    """The lock on the working tree's build caches, shared by every test process (and pytest-xdist worker)."""
    CACHE.mkdir(exist_ok=True)
    return FileLock(str(CACHE_LOCK))


def copy_project(dest: Path, caches: bool = False) -> Path:
    """Copy the parts of the project a build needs into dest (no .venv, no site); with caches, its build caches too."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
        elif source.exists():
            shutil.copy(source, dest / part)
    trained = CACHE / "experiments"  # keyed by content, not path: a copy reuses it instead of retraining
    if caches and CACHE.is_dir():
        with cache_lock():
            shutil.copytree(CACHE, dest / ".cache", ignore=shutil.ignore_patterns("log.jsonl", "*.lock"))
    elif trained.is_dir():
        shutil.copytree(trained, dest / ".cache" / "experiments", ignore=shutil.ignore_patterns("log.jsonl"))
    return dest


def execution_cache_is_empty() -> bool:
    """True when the working tree's execution cache holds nothing (a fresh clone): a build there runs every block."""
    folder = Path(os.environ.get("KF_CACHE_DIR") or CACHE) / "exec"
    return not folder.is_dir() or not any(folder.iterdir())


def build_english(shared: Path) -> Path:
    """Build the English site once per test run into shared/site (or wait for the process building it).

    Whether it started from an empty execution cache is recorded beside it (site.cold): see session_build.
    """

    def build(out: Path) -> subprocess.CompletedProcess[str]:
        with cache_lock():
            (shared / "site.cold").write_text(str(execution_cache_is_empty()), encoding="utf-8")
        # The Chinese build waits on this process (site.pid).
        return mkdocs_build(ROOT, out, pid_file=shared / "site.pid", base=SESSION_ENVIRON)

    return build_once(shared, "site", build)


def build_chinese(shared: Path) -> Path:
    """Build the Chinese edition once per test run into <English site>/zh/, beside the English one (as `make build`).

    KF_CACHE_REQUIRE=1: it must take every executed output from the English build's cache, running nothing. It
    starts once the English build has (or has ended), and waits for each output that build has not stored yet
    (KF_CACHE_WAIT while KF_CACHE_WRITER_PID runs, as scripts/build_site.py). The English build empties its
    site folder when it starts, so the Chinese site is built beside it and moved into zh/ once both are done.
    """

    def build(out: Path) -> subprocess.CompletedProcess[str]:
        english_pid = english_build_started(shared)
        env = {"KF_CACHE_REQUIRE": "1", "KF_CACHE_WAIT": str(ENGLISH_BUILD_TIMEOUT)}
        staging = shared / "site_zh.staging"
        writer = {"KF_CACHE_WRITER_PID": english_pid} if english_pid else {}
        done = mkdocs_build_zh(ROOT, staging, base=SESSION_ENVIRON, **env, **writer)
        build_english(shared)  # waits for the English build to end (a failed one fails the caller's test)
        if done.returncode == 0:
            shutil.rmtree(out, ignore_errors=True)
            staging.rename(out)
        return done

    return build_once(shared, "site_zh", build, out=shared / "site" / "zh")


ENGLISH_BUILD_TIMEOUT = 900  # seconds: mkdocs_build's limit


def english_build_started(shared: Path) -> str | None:
    """The process id of the session's English build once it has started (None if it ended or never started)."""
    deadline = time.monotonic() + ENGLISH_BUILD_TIMEOUT
    while time.monotonic() < deadline:
        if (shared / "site.built").exists() or (shared / "site.failed").exists():
            return None  # ended: every output it stores is on disk, nothing to wait for
        if (shared / "site.pid").is_file() and (pid := (shared / "site.pid").read_text(encoding="utf-8").strip()):
            return pid
        time.sleep(0.2)
    return None


@pytest.fixture(scope="session")
def snippet_runner() -> Iterator[SnippetRunner]:
    """Runs snippets as plain scripts, each in a process forked from one that imported TensorFlow once."""
    runner = SnippetRunner()
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per test run, strictly, from the working tree (one build for all xdist workers)."""
    return build_english(shared_folder(request.config, tmp_path_factory))


@dataclass(frozen=True)
class SessionBuild:
    """The session's English build: where it is, what it logged, and whether its execution cache started empty."""

    site: Path
    log: str
    cold: bool  # True in a fresh clone (CI): every block and notebook ran in this build, none came from disk


@pytest.fixture(scope="session")
def session_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built_site: Path):
    """The session build of built_site with its log and whether it was cold."""
    shared = shared_folder(request.config, tmp_path_factory)
    cold = (shared / "site.cold").read_text(encoding="utf-8") == "True"
    return SessionBuild(built_site, build_log(shared, "site"), cold)


@pytest.fixture
def warm_project(tmp_path: Path, built_site: Path) -> Path:
    """A copy of the project with the caches of the session's build: its build re-runs only what the test changes."""
    return copy_project(tmp_path / "project", caches=True)


def needs_site(item: pytest.Item) -> bool:
    """True when a test waits for the session's build of the site."""
    return bool(SITE_FIXTURES & set(getattr(item, "fixturenames", ())))


# The files to start first among those that need the site, in this order (tests/timeline.py, fresh clone):
# test_training.py retrains a model (45 s) before it needs the site, while the background build may still run;
# then the longest files, so that no worker is left alone with a long file at the end of the run (on 30 Nov 2026
# the material start-up and anchor files, 10 and 8 s with few tests, ran last: one worker sat idle 16 s at the
# end). The files that need the site and are not listed take under 8 s each. The serve and new-contributor files copy the working tree's
# caches (cache_lock) before test_build.py's builds of the working tree hold that lock for about 40 s: started
# after them (run of 3bd90ef), the serve file's setup took 30 s instead of about 12, waiting for that lock while
# its worker had nothing else to do.
START_FIRST = ("test_training.py", "test_browser_zh.py", "test_browser.py", "test_serve.py")
START_FIRST += ("test_new_contributor.py", "test_calculator.py", "test_build.py", "test_receptive_field.py")
START_FIRST += ("test_reader_view.py",)
START_FIRST += ("test_material_startup.py", "test_anchors.py", "test_modern_kernels.py", "test_zh.py")


@pytest.hookimpl(trylast=True)  # after `-m "not slow"` has deselected: order what will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the run for xdist's loadfile (a test file is one unit of work): files that need no site build first.

    The site is built in the background from the start (start_building) while the workers run those. Then the
    files in START_FIRST, in that order, then files that build copies of the project, then files by number of
    tests. In a file, its tests that need no site come first.
    """
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def order(tests: list[pytest.Item]) -> tuple[bool, int, bool, int]:
        waits = any(needs_site(test) for test in tests)
        name = tests[0].path.name
        rank = START_FIRST.index(name) if name in START_FIRST else len(START_FIRST)
        return waits, rank, not any("warm_project" in test.fixturenames for test in tests), -len(tests)

    items[:] = [test for tests in sorted(files.values(), key=order) for test in sorted(tests, key=needs_site)]
    if not config.option.collectonly and any(needs_site(item) for item in items):
        start_building(config, chinese=any("built_zh_site" in item.fixturenames for item in items))


def mkdocs_build_zh(
    project: Path, out: Path, base: dict[str, str] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict -f mkdocs.zh.yml` (the Chinese edition) on a project folder (base: see mkdocs_build)."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.zh.yml", "--site-dir", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**(os.environ if base is None else base), **env},
        timeout=900,
    )


@pytest.fixture(scope="session")
def built_zh_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built_site: Path) -> Path:
    """The Chinese edition built once, strictly, into <built_site>/zh/ after the English one (see build_chinese)."""
    return build_chinese(shared_folder(request.config, tmp_path_factory))


def start_building(config: pytest.Config, chinese: bool) -> None:
    """Build the site (and the Chinese edition, side by side: build_chinese) in background threads, from the start.

    So the build runs while the workers test what needs no site, instead of starting when the first test asks
    for it. The fixtures wait for it through build_once's lock; a failed build is reported by each test that
    needs it, so the thread keeps its exception to itself.
    """
    shared = shared_folder(config, config._tmp_path_factory)  # the factory the tmp_path fixtures use

    def build(edition: Callable[[Path], Path]) -> None:
        with contextlib.suppress(BaseException):  # pytest.fail's Failed is no Exception
            edition(shared)

    for edition in (build_english, build_chinese) if chinese else (build_english,):
        threading.Thread(target=build, args=(edition,), name=f"site build: {edition.__name__}", daemon=True).start()
