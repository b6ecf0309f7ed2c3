"""In a real browser, the built site asks nothing of any host but its own (the repo link included).

Every page of both editions is checked by the page visits (tests/page_visits.py; test_no_request_leaves_localhost
in tests/test_browser.py and tests/test_browser_zh.py), which record every request to another host and abort it in
the browser, so none is ever sent. Here: that check fails on a site that does call out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_visits import AXE, DESKTOP, browsing, serve_late, visit_wide

from browser_support import browser  # noqa: F401  (the shared Chromium fixture)
from conftest import copy_project, mkdocs_build

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_without_the_override_material_would_call_the_github_api(browser, tmp_path: Path) -> None:  # noqa: F811
    """The visits' check can fail: Material's own repo link fetches stars and forks from api.github.com."""
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    config.write_text("\n".join(x for x in config.read_text().splitlines() if "custom_dir:" not in x) + "\n")
    done = mkdocs_build(project, tmp_path / "site", KF_EXECUTE="0")
    assert done.returncode == 0, done.stderr
    with serve_late(tmp_path / "site") as base, browsing(browser, base, "light", DESKTOP) as context:
        report = visit_wide(context, base, "", "light", AXE.read_text(encoding="utf-8"), shots=tmp_path)
    assert any(url.startswith("https://api.github.com/repos/kernels-and-filters/") for url in report["outside"]), (
        report["outside"]
    )
