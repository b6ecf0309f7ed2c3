"""Fixtures for the browser tests: the built site served on loopback, and one headless Chromium.

Import the fixtures into a test module (`from browser_support import browser, site_url`). Without
Playwright or Chromium the tests skip locally and fail when CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import require
from site_browser import launch, missing_browser_parts, serve_directory


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The strict build, served by a tiny static server on 127.0.0.1."""
    with serve_directory(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium, shared by the session's browser tests."""
    missing = missing_browser_parts()
    require(missing is None, missing or "")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def local_only(page, base_url: str) -> list[str]:
    """Record every request of page that leaves base_url (data: URLs are inline, so they are fine)."""
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:")) else outside.append(r.url))
    return outside
