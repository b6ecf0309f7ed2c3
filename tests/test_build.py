"""The build is strict and reproducible: broken snippets fail it by name, bytes repeat (serving: test_serve.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, SessionBuild, copy_project, mkdocs_build, mkdocs_build_zh

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


SUMMARY = re.compile(r"kf: (\d+) executed block\(s\) reused from .*?, (\d+) run")
NOTEBOOKS = re.compile(r"kf: (\d+) notebook page\(s\) reused from the execution cache, (\d+) run")


def counts(log: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(blocks reused, blocks run) and (notebooks reused, notebooks run), from a build's log."""
    blocks, notebooks = SUMMARY.search(log), NOTEBOOKS.search(log)
    assert blocks, f"no block summary in the build's log:\n{log[-3000:]}"
    assert notebooks, f"no notebook summary in the build's log:\n{log[-3000:]}"
    return tuple(map(int, blocks.groups())), tuple(map(int, notebooks.groups()))  # type: ignore[return-value]


def differing_pages(first: Path, second: Path, skip: str | None = None) -> list[str]:
    """The pages of site first whose bytes differ in site second (measured spans blanked), or that second lacks."""
    different = []
    for html in sorted(first.rglob("*.html")):
        relative = html.relative_to(first)
        if skip and relative.parts[0] == skip:
            continue
        other = second / relative
        if not other.is_file() or without_measurements(html.read_bytes()) != without_measurements(other.read_bytes()):
            different.append(relative.as_posix())
    return different


def test_a_cold_build_reuses_nothing_and_a_warm_build_runs_nothing_and_writes_the_same_pages(
    session_build: SessionBuild, built_zh_site: Path, tmp_path: Path
) -> None:
    """CI's proof that the execution cache reuses nothing wrongly (issue 13 §1), with as few builds as it takes.

    Cold: every block and notebook runs, none is read from disk. In a fresh clone (CI) the session's own build
    is that cold build (its execution cache started empty), and the Chinese edition took every output from it
    (KF_CACHE_REQUIRE=1: it ran nothing): every page the suite checks was made from outputs run in this
    session; a second cold run into another empty cache must write the same English pages (determinism). With a warm working tree the session build reused earlier outputs: then a cold build into an
    empty KF_CACHE_DIR, and the Chinese edition from its outputs, must write the session build's pages, byte
    for byte (measured spans aside). Either way, a warm build on the cold build's cache runs nothing and
    writes the cold build's pages.
    """
    if session_build.cold:
        cold_site, cold_log, cache = session_build.site, session_build.log, {}
        # Deterministic (the brief): a second, independent cold run of every block writes the same pages.
        rerun_cache = {"KF_CACHE_DIR": str(tmp_path / "rerun-cache")}
        rerun = mkdocs_build(ROOT, tmp_path / "rerun", **rerun_cache)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert counts(rerun.stdout + rerun.stderr)[1] == (0, 4)
        assert differing_pages(cold_site, tmp_path / "rerun", skip="zh") == []
    else:
        cache = {"KF_CACHE_DIR": str(tmp_path / "cache")}  # empty: this build runs every block and notebook
        cold_site = tmp_path / "cold"
        cold = mkdocs_build(ROOT, cold_site, **cache)
        assert cold.returncode == 0, cold.stderr[-3000:]
        zh = mkdocs_build_zh(ROOT, cold_site / "zh", KF_CACHE_REQUIRE="1", **cache)
        assert zh.returncode == 0, zh.stderr[-3000:]
        assert built_zh_site == session_build.site / "zh"
        assert differing_pages(session_build.site, cold_site) == []
        cold_log = cold.stdout + cold.stderr
    (cold_reused, cold_ran), cold_notebooks = counts(cold_log)
    assert cold_ran > 100  # cold_reused counts blocks whose code chain another page already ran in this build
    assert cold_notebooks == (0, 4)

    warm = mkdocs_build(ROOT, tmp_path / "warm", **cache)
    assert warm.returncode == 0, warm.stderr[-3000:]
    assert counts(warm.stdout + warm.stderr) == ((cold_reused + cold_ran, 0), (4, 0))
    assert len(list((tmp_path / "warm").rglob("*.html"))) > 10
    assert differing_pages(cold_site, tmp_path / "warm", skip="zh") == []


def test_build_with_execution_off_shows_code_not_results(tmp_path: Path) -> None:
    # A copy: a build with execution off must not touch the working tree's caches (notebook pages evict keys they miss).
    done = mkdocs_build(copy_project(tmp_path / "project"), tmp_path / "site", KF_EXECUTE="0")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "seed_facts" in html
    assert "Total params" not in html
    for page in sorted((tmp_path / "site").rglob("*.html")):  # every executed fence became a code block
        assert "```" not in page.read_text(encoding="utf-8"), page.relative_to(tmp_path / "site")


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
