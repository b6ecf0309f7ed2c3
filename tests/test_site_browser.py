"""The Chromium the browser tests drive (scripts/site_browser.py): Playwright's switches kept, the omnibox popups off."""

from __future__ import annotations

import time

import pytest

from browser_support import browser  # noqa: F401 - fixtures
from site_browser import CHROMIUM, CHROMIUM_ARGS, OMNIBOX_POPUPS

pytestmark = [pytest.mark.browser]

DISABLE = "--disable-features="


def command_line(browser) -> list[str]:  # noqa: F811 - fixture passed in
    """The browser's command line, as chrome://version shows it."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto("chrome://version")
        return tab.inner_text("#command_line").split()
    finally:
        context.close()


def omnibox_popups(browser, wait_s: float = 3.0) -> list[str]:  # noqa: F811 - fixture passed in
    """The omnibox popup pages loaded once a new browser context opens a page (waits up to wait_s for both)."""
    session = browser.new_browser_cdp_session()
    context = browser.new_context()
    try:
        context.new_page().set_content("<p>A page.</p>")
        end = time.monotonic() + wait_s
        while True:
            targets = session.send("Target.getTargets")["targetInfos"]
            popups = sorted(t["url"] for t in targets if t["url"].startswith("chrome://omnibox-popup"))
            if len(popups) >= len(OMNIBOX_POPUPS) or time.monotonic() > end:
                return popups
            time.sleep(0.1)
    finally:
        context.close()
        session.detach()


def test_playwrights_own_disabled_features_stay_disabled(browser) -> None:  # noqa: F811 - fixture
    """Chromium keeps the last --disable-features: ours must hold every feature Playwright's (the first) holds."""
    lists = [arg.removeprefix(DISABLE).split(",") for arg in command_line(browser) if arg.startswith(DISABLE)]
    assert len(lists) == 2, lists
    dropped = sorted(set(lists[0]) - set(lists[-1]))
    assert not dropped, f"Playwright now disables {dropped} too: add them to site_browser.PLAYWRIGHT_DISABLED_FEATURES"
    assert set(OMNIBOX_POPUPS) <= set(lists[-1])


def test_a_browser_context_loads_no_omnibox_popup(browser) -> None:  # noqa: F811 - fixture
    assert omnibox_popups(browser) == []


def test_without_the_switch_each_context_loads_both(browser) -> None:  # noqa: F811 - fixture
    """The feature names still mean what they did: without them this Chromium loads the two popups."""
    plain = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        assert len(omnibox_popups(plain)) == len(OMNIBOX_POPUPS)
    finally:
        plain.close()
