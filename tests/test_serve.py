"""`mkdocs serve` on a warm copy of the project: it re-renders only what changed, never reuses a warning, reloads code.

A file of its own (it was part of test_build.py) so that pytest-xdist's loadfile can run it beside the builds.
One server for the file (the `served` fixture): its start-up (TensorFlow, Keras, matplotlib and jieba imported,
then a first build of every page) costs about as much CPU as a test's edits. The tests run in file order on it:
the first, which counts the pages reused by the first rebuild, sees the server as it started, and leaves it
serving a clean rebuild (its broken link repaired) for the next.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_build import insert_into_section

from conftest import ROOT, copy_project
from serve_probe import SERVE_ARGS, fetch, serving, wait_for

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Served:
    """A running `mkdocs serve` (SERVE_ARGS, as `make serve`): the project copy it serves, its URL and its log."""

    project: Path
    url: str
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, built_site: Path) -> Iterator[Served]:
    """One `mkdocs serve` for this file, on a copy of the project with the session build's caches."""
    folder = tmp_path_factory.mktemp("serve")
    project = copy_project(folder / "project", caches=True)  # warm: the first build takes every output from disk
    log = folder / "serve.log"
    with serving(project, "Large kernels or many filters", log=log) as url:
        yield Served(project, url, log)


def wait_for_log(log: Path, text: str, count: int = 1, timeout: float = 120) -> None:
    """Wait until the serve log holds text at least count times."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(encoding="utf-8", errors="replace").count(text) >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{text!r} not {count}x in the serve log within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def append(path: Path, text: str) -> None:
    """Append a paragraph to a page, as a writer saving it would."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def test_serve_renders_only_changed_pages_and_never_reuses_a_warning(served: Served) -> None:
    project, url, log = served.project, served.url, served.log
    markdown_pages = len(list((project / "docs").rglob("*.md")))
    wait_for_log(log, "kf: reused 0 unchanged page(s)")  # the first build renders everything
    append(project / "docs" / "parameters.md", "Prose edit marker 6161.")
    wait_for(url + "parameters/", "Prose edit marker 6161", timeout=120)
    wait_for_log(log, f"kf: reused {markdown_pages - 1} unchanged page(s)")
    assert "1,600" in fetch(url), "a reused page lost its executed output"

    # strict: true aborts each rebuild while compute.md has a broken link; another page's edit must
    # not hide it by reusing a render of compute.md.
    compute = project / "docs" / "compute.md"
    compute_source = compute.read_text(encoding="utf-8")
    append(compute, "[A broken link](no_such_page.md).")
    wait_for_log(log, "no_such_page.md", count=1)
    wait_for_log(log, "Aborted with", count=1)
    append(project / "docs" / "parameters.md", "Prose edit marker 7272.")
    wait_for_log(log, "no_such_page.md", count=2)  # compute.md was rendered again and warned again
    wait_for_log(log, "Aborted with", count=2)
    assert "Prose edit marker 7272" not in fetch(url + "parameters/")

    # Repaired, the next rebuild succeeds and serves the edit the aborted one held back (the next test's start).
    compute.write_text(compute_source, encoding="utf-8")
    wait_for(url + "parameters/", "Prose edit marker 7272", timeout=120)
    assert log.read_text(encoding="utf-8", errors="replace").count("Aborted with") == 2


def test_makefile_serves_with_the_probed_flags() -> None:
    assert "mkdocs " + " ".join(SERVE_ARGS) in (ROOT / "Makefile").read_text()


def test_serve_reloads_pages_snippets_and_shared_code(served: Served) -> None:
    project, url = served.project, served.url
    page = project / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nPage edit marker 4242.\n", encoding="utf-8")
    page_seconds = wait_for(url, "Page edit marker 4242", timeout=120)

    insert_into_section(project / "snippets" / "index.py", "question", 'print("snippet edit marker 5151")')
    snippet_seconds = wait_for(url, "snippet edit marker 5151", timeout=120)

    facts = project / "snippets" / "kf" / "facts.py"
    facts.write_text(facts.read_text(encoding="utf-8").replace("DENSE_UNITS = 10", "DENSE_UNITS = 20"))
    shared_seconds = wait_for(url, "865,300", timeout=120)  # 43,264·20 + 20: kf was re-imported
    print(f"\nserve reload: page {page_seconds:.1f} s, snippet {snippet_seconds:.1f} s, kf {shared_seconds:.1f} s")
