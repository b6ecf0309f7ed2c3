"""Fixtures for the browser tests: the built site served on loopback, and one headless Chromium.

Import the fixtures into a test module (`from browser_support import browser, site_url`). Without
Playwright or Chromium the tests skip locally and fail when CI=true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import require
from site_browser import launch, missing_browser_parts, serve_directory

# One server and one browser for the whole session, however many test modules import the fixtures:
# pytest would make one per module, and two Playwright sync sessions cannot run at once.
_shared: dict[str, object] = {}


@pytest.fixture(scope="session")
def site_url(built_site: Path, pytestconfig: pytest.Config) -> str:
    """The strict build, served by a tiny static server on 127.0.0.1."""
    if "url" not in _shared:
        server = serve_directory(built_site)
        _shared["url"] = server.__enter__()
        pytestconfig.add_cleanup(lambda: server.__exit__(None, None, None))
        pytestconfig.add_cleanup(lambda: _shared.pop("url", None))
    return _shared["url"]  # type: ignore[return-value]


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config):
    """Headless Debian Chromium, shared by the session's browser tests."""
    missing = missing_browser_parts()
    require(missing is None, missing or "")
    if "browser" not in _shared:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _shared["browser"] = launch(playwright)
        pytestconfig.add_cleanup(playwright.stop)  # cleanups run last-in first-out: browser, then Playwright
        pytestconfig.add_cleanup(_shared["browser"].close)
        pytestconfig.add_cleanup(lambda: _shared.pop("browser", None))
    return _shared["browser"]


def local_only(page, base_url: str) -> list[str]:
    """Record every request of page that leaves base_url (data: URLs are inline, so they are fine)."""
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:")) else outside.append(r.url))
    return outside
