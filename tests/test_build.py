"""The build is strict and reproducible: broken snippets fail it by name, serve reloads, bytes repeat."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, mkdocs_build, mkdocs_build_zh
from serve_probe import SERVE_ARGS, fetch, serving, wait_for

pytestmark = pytest.mark.slow


def insert_into_section(path: Path, section: str, code: str) -> int:
    """Insert a line of code at the end of a snippet section; return its 1-based line number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    end = lines.index(f"# --8<-- [end:{section}]")
    lines.insert(end, code)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return end + 1


def test_a_failing_snippet_fails_the_build_and_names_file_and_line(warm_project: Path, tmp_path: Path) -> None:
    project = warm_project
    line = insert_into_section(project / "snippets" / "index.py", "table", 'raise RuntimeError("deliberately broken")')
    done = mkdocs_build(project, tmp_path / "site")
    output = done.stdout + done.stderr
    assert done.returncode != 0, "a snippet that raises must fail the build"
    assert f"snippets/index.py, line {line}" in output, output[-3000:]
    assert "deliberately broken" in output


def test_a_missing_snippet_section_fails_the_build(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    page = project / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("index.py:table", "index.py:no-such-section", 1))
    done = mkdocs_build(project, tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-section" in done.stdout + done.stderr


# What a page shows as a measurement (kf.timing.measured): the only bytes allowed to change between builds.
MEASURED_SPAN = re.compile(rb'(<span class="kf-measured"[^>]*>)[^<]*(</span>)')


def without_measurements(html: bytes) -> bytes:
    """The page with the contents of its measured spans blanked out, everything else untouched."""
    return MEASURED_SPAN.sub(rb"\1\2", html)


def test_blanking_touches_only_measured_spans() -> None:
    page = b'<td><span class="kf-measured" title="t">3.1 ms</span></td><td><span class="x">3.1 ms</span></td>'
    assert (
        without_measurements(page)
        == b'<td><span class="kf-measured" title="t"></span></td><td><span class="x">3.1 ms</span></td>'
    )


def test_two_cold_builds_give_identical_pages(built_site: Path, built_zh_site: Path, tmp_path: Path) -> None:
    """A build that re-runs everything (KF_CACHE=0: no execution cache) writes the session build's pages, byte for byte.

    The session's builds may have reused cached outputs: this is CI's cold build of both editions, proving none was
    reused wrongly (the Chinese edition, built into zh/, takes all its outputs from the English build's cache).
    """
    again = tmp_path / "again"
    done = mkdocs_build(ROOT, again, KF_CACHE="0")
    assert done.returncode == 0, done.stderr
    done = mkdocs_build_zh(ROOT, again / "zh", KF_CACHE="0")
    assert done.returncode == 0, done.stderr
    assert built_zh_site == built_site / "zh"
    for html in sorted(built_site.rglob("*.html")):
        first, second = html.read_bytes(), (again / html.relative_to(built_site)).read_bytes()
        assert without_measurements(first) == without_measurements(second), html.relative_to(built_site)


def test_build_with_execution_off_shows_code_not_results(tmp_path: Path) -> None:
    # A copy: a build with execution off must not touch the working tree's caches (notebook pages evict keys they miss).
    done = mkdocs_build(copy_project(tmp_path / "project"), tmp_path / "site", KF_EXECUTE="0")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "seed_facts" in html
    assert "Total params" not in html
    for page in sorted((tmp_path / "site").rglob("*.html")):  # every executed fence became a code block
        assert "```" not in page.read_text(encoding="utf-8"), page.relative_to(tmp_path / "site")


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


def test_serve_renders_only_changed_pages_and_never_reuses_a_warning(warm_project: Path, tmp_path: Path) -> None:
    project = warm_project
    log = tmp_path / "serve.log"
    markdown_pages = len(list((project / "docs").rglob("*.md")))
    with serving(project, "Large kernels or many filters", log=log) as url:
        wait_for_log(log, "kf: reused 0 unchanged page(s)")  # the first build renders everything
        append(project / "docs" / "parameters.md", "Prose edit marker 6161.")
        wait_for(url + "parameters/", "Prose edit marker 6161", timeout=120)
        wait_for_log(log, f"kf: reused {markdown_pages - 1} unchanged page(s)")
        assert "1,600" in fetch(url), "a reused page lost its executed output"

        # strict: true aborts each rebuild while compute.md has a broken link; another page's edit must
        # not hide it by reusing a render of compute.md.
        append(project / "docs" / "compute.md", "[A broken link](no_such_page.md).")
        wait_for_log(log, "no_such_page.md", count=1)
        wait_for_log(log, "Aborted with", count=1)
        append(project / "docs" / "parameters.md", "Prose edit marker 7272.")
        wait_for_log(log, "no_such_page.md", count=2)  # compute.md was rendered again and warned again
        wait_for_log(log, "Aborted with", count=2)
        assert "Prose edit marker 7272" not in fetch(url + "parameters/")


def test_makefile_serves_with_the_probed_flags() -> None:
    assert "mkdocs " + " ".join(SERVE_ARGS) in (ROOT / "Makefile").read_text()


def test_serve_reloads_pages_snippets_and_shared_code(warm_project: Path) -> None:
    project = warm_project
    with serving(project, "Large kernels or many filters") as url:
        page = project / "docs" / "index.md"
        page.write_text(page.read_text(encoding="utf-8") + "\nPage edit marker 4242.\n", encoding="utf-8")
        page_seconds = wait_for(url, "Page edit marker 4242", timeout=120)

        insert_into_section(project / "snippets" / "index.py", "question", 'print("snippet edit marker 5151")')
        snippet_seconds = wait_for(url, "snippet edit marker 5151", timeout=120)

        facts = project / "snippets" / "kf" / "facts.py"
        facts.write_text(facts.read_text(encoding="utf-8").replace("DENSE_UNITS = 10", "DENSE_UNITS = 20"))
        shared_seconds = wait_for(url, "865,300", timeout=120)  # 43,264·20 + 20: kf was re-imported
        print(f"\nserve reload: page {page_seconds:.1f} s, snippet {snippet_seconds:.1f} s, kf {shared_seconds:.1f} s")


def test_math_is_rendered_at_build_time_and_no_page_loads_katex(built_site: Path) -> None:
    """Math is KaTeX HTML in the built pages; only pages with math link katex.min.css; none loads a math script."""
    wrong, math_pages = [], 0
    for page in sorted(built_site.rglob("*.html")):
        text, where = page.read_text(encoding="utf-8"), page.relative_to(built_site)
        has_math = 'class="arithmatex"' in text
        math_pages += has_math
        if ("katex.min.css" in text) != has_math:
            wrong.append(f"{where}: {'math without' if has_math else 'no math but loads'} katex.min.css")
        wrong += [f"{where}: loads {script}" for script in re.findall(r"<script[^>]*(?:katex|auto-render)[^>]*>", text)]
        unrendered = re.findall(r'class="arithmatex">(?!<span><span class="katex)(.{0,40})', text)
        wrong += [f"{where}: math left as source: {source}" for source in unrendered]
    assert math_pages, "no page has math: the check checked nothing"
    assert not wrong, wrong
    assert not list(built_site.rglob("katex*.js")) + list(built_site.rglob("auto-render*")), "math scripts shipped"
