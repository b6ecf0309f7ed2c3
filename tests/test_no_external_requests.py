"""In a real browser, the built site asks nothing of any host but its own (the repo link included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import browser  # noqa: F401  (the shared Chromium fixture)
from conftest import copy_project, mkdocs_build
from site_browser import serve_directory

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def keep_local(route, base: str) -> None:
    """Let requests to the local server through; stop any other before it leaves the machine."""
    if route.request.url.startswith(base):
        route.continue_()
    else:
        route.abort()


def requests_made(chromium, site: Path, pages: list[str]) -> tuple[str, list[str]]:
    """Open each page, wait for the network to settle; return the base URL and every URL requested.

    Requests to other hosts are recorded and aborted inside the browser, so none is ever sent.
    """
    urls: list[str] = []
    with serve_directory(site) as base:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.on("request", lambda request: urls.append(request.url))
            page.route("**/*", lambda route: keep_local(route, base))
            for path in pages:
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(500)  # Material's scripts start after load; give them a moment
        finally:
            context.close()
    return base, urls


def external(base: str, urls: list[str]) -> list[str]:
    """The URLs that leave the local server (data: and blob: URLs stay in the page)."""
    return [url for url in urls if not url.startswith((base, "data:", "blob:"))]


def test_home_and_write_a_page_make_no_external_request(browser, built_site: Path) -> None:  # noqa: F811
    base, urls = requests_made(browser, built_site, ["", "write_a_page/"])
    assert base + "write_a_page/" in urls, "the pages were not loaded"
    assert external(base, urls) == []


def test_chinese_pages_make_no_external_request(browser, built_zh_site: Path) -> None:  # noqa: F811
    base, urls = requests_made(browser, built_zh_site.parent, ["zh/", "zh/experiments/training/", "zh/write_a_page/"])
    assert base + "zh/experiments/training/" in urls, "the pages were not loaded"
    assert external(base, urls) == []


def test_without_the_override_material_would_call_the_github_api(browser, tmp_path: Path) -> None:  # noqa: F811
    """The check above can fail: Material's own repo link fetches stars and forks from api.github.com."""
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    config.write_text("\n".join(x for x in config.read_text().splitlines() if "custom_dir:" not in x) + "\n")
    done = mkdocs_build(project, tmp_path / "site", KF_EXECUTE="0")
    assert done.returncode == 0, done.stderr
    base, urls = requests_made(browser, tmp_path / "site", [""])
    assert any(url.startswith("https://api.github.com/repos/kernels-and-filters/") for url in external(base, urls))
