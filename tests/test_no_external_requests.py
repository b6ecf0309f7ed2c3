"""In a real browser, the built site asks nothing of any host but its own (the repo link included).

Every page of both editions is checked by the page visits (tests/page_visits.py; test_no_request_leaves_localhost
in tests/test_browser.py and tests/test_browser_zh.py), which record every request to another host and abort it in
the browser, so none is ever sent. Here: that check fails on a site that does call out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from page_visits import AXE, DESKTOP, browsing, serve_late, visit_wide

from browser_support import browser  # noqa: F401  (the shared Chromium fixture)
from conftest import ROOT, mkdocs_build

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def top_level_block(config_text: str, key: str) -> str:
    """The lines of one top-level key of a YAML file (the key's line and everything indented under it)."""
    lines = config_text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next((n for n in range(start + 1, len(lines)) if lines[n][:1] not in ("", " ", "#")), len(lines))
    return "\n".join(lines[start:end]) + "\n"


def site_without_the_override(project: Path) -> Path:
    """A one-page project with mkdocs.yml's repository and theme, less custom_dir (overrides/partials/source.html)."""
    config_text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    theme = yaml.safe_load(top_level_block(config_text, "theme"))["theme"]
    assert theme.pop("custom_dir") == "overrides", "mkdocs.yml's theme changed: update this test"
    config = {"site_name": "Without the override", "theme": theme}
    config |= yaml.safe_load(top_level_block(config_text, "repo_url"))
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "index.md").write_text("# A page\n\nMaterial's header shows the repository link.\n")
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return project


def test_without_the_override_material_would_call_the_github_api(browser, tmp_path: Path) -> None:  # noqa: F811
    """The visits' check can fail: Material's own repo link fetches stars and forks from api.github.com.

    One page is enough: Material's source component is in every page's header. (A copy of the whole site without
    custom_dir showed the same request, and took a full build.)
    """
    project = site_without_the_override(tmp_path / "project")
    done = mkdocs_build(project, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    with serve_late(tmp_path / "site") as base, browsing(browser, base, "light", DESKTOP) as context:
        report = visit_wide(context, base, "", "light", AXE.read_text(encoding="utf-8"), shots=tmp_path)
    assert any(url.startswith("https://api.github.com/repos/kernels-and-filters/") for url in report["outside"]), (
        report["outside"]
    )
