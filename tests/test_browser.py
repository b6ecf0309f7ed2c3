"""Every page of the English edition, opened in Chromium in light and dark mode, as a reader would see it.

Pages are discovered from the built site (every *.html but 404.html and zh/), so pages added later are
checked too. Each page is loaded at 1280 px in the light scheme and at 390 px (a phone) in the dark one, with
late scripts and fonts, each visit switched to the other scheme with Material's toggle, and the checks of
page_visits.EveryPageChecks run on what the visits saw in both schemes: console errors, requests leaving
localhost, images, figures, math, accessibility (axe-core), text drawn as missing glyphs (tofu), nothing
sticking out on a phone, a table that scrolls shows a cue (a fade), layout shift while loading, the same
layout in both schemes, and the screenshots of both widths in test-artifacts/screenshots/ (<page>-<scheme>.jpg and
<page>-<scheme>-390.jpg). tests/test_browser_zh.py does the same for the Chinese edition, on the other
pytest-xdist worker. Below: search, and that the checks can fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from glyphs import FIND_CLIPPED, FIND_TOFU, FIND_UNCUED_TABLES
from page_visits import PHONE, EveryPageChecks, visit_every_page

from browser_support import browser, local_only, site_url  # noqa: F401 - fixtures
from site_browser import CHROMIUM, PLAYWRIGHT_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def visits(browser, built_site: Path) -> dict[tuple[str, str], dict]:  # noqa: F811
    """Every English page, visited at each width in both schemes; what each visit saw, by (page, scheme)."""
    return visit_every_page(browser, built_site, "en")


class TestEveryEnglishPage(EveryPageChecks):
    EDITION = "en"
    MUST_VISIT = frozenset({"", "calculator/", "parameters/", "first_layer/", "experiments/training/"})


def test_tofu_check_fails_without_cjk_fonts(browser, site_url, tmp_path: Path) -> None:  # noqa: F811 - fixtures
    """A Chromium whose fontconfig sees only DejaVu (no CJK) draws the glossary's Chinese as boxes: caught."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    bare = browser.browser_type.launch(executable_path=CHROMIUM, args=PLAYWRIGHT_ARGS, env=env)
    try:
        tab = bare.new_page()
        tab.goto(site_url, wait_until="networkidle")
        tofu = tab.evaluate(FIND_TOFU)
    finally:
        bare.close()
    assert any("术语表" in problem or "卷" in problem for problem in tofu), tofu


def test_search_finds_receptive_field(browser, site_url) -> None:  # noqa: F811 - fixtures
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    outside = local_only(tab, site_url)
    tab.goto(site_url, wait_until="networkidle")
    box = tab.locator("input.md-search__input")
    box.click()  # on a wide screen the box is in the header; clicking it opens search
    box.press_sequentially("receptive field", delay=20)  # Material searches on key events, not on fill()
    results = tab.locator(".md-search-result__item")
    results.first.wait_for(timeout=20_000)
    assert results.count() >= 1
    assert "receptive field" in tab.locator(".md-search-result").inner_text().lower()
    context.close()
    assert not outside, outside


def test_phone_checks_catch_a_cut_off_table_and_a_missing_cue(browser, site_url) -> None:  # noqa: F811 - fixtures
    """The two phone checks fail on a page whose table frame stops scrolling, or loses its fade."""
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    tab.goto(site_url + "experiments/training/", wait_until="networkidle")
    assert tab.evaluate(FIND_CLIPPED) == []
    assert tab.evaluate(FIND_UNCUED_TABLES) == []
    tab.evaluate("() => document.querySelectorAll('.kf-more').forEach(f => f.classList.remove('kf-more'))")
    assert tab.evaluate(FIND_UNCUED_TABLES), "a scrolling table without its fade was not caught"
    tab.add_style_tag(content=".md-typeset__scrollwrap { overflow-x: hidden !important; }")  # frames stop scrolling
    assert tab.evaluate(FIND_CLIPPED), "a table cut off by its frame was not caught"
    context.close()
