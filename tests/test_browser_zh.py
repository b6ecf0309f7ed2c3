"""Every page of the Chinese edition (zh/), visited as tests/test_browser.py visits the English one.

A file of its own so that pytest-xdist's loadfile runs the two editions' visits on two workers at once.
Below: Chinese search and the language switcher.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_visits import EveryPageChecks, visit_every_page

from browser_support import browser, local_only, site_url  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def visits(browser, built_site: Path, built_zh_site: Path) -> dict[tuple[str, str], dict]:  # noqa: F811
    """Every Chinese page (built into <built_site>/zh/), visited at each width in both schemes, by (page, scheme)."""
    return visit_every_page(browser, built_site, "zh")


class TestEveryChinesePage(EveryPageChecks):
    EDITION = "zh"
    MUST_VISIT = frozenset({"zh/", "zh/calculator/", "zh/experiments/training/"})


def test_chinese_search_finds_the_receptive_field_chapter(browser, site_url, built_zh_site: Path) -> None:  # noqa: F811
    """On a Chinese page, typing 感受野 finds the receptive-field chapter (jieba at build time, the U+200B separator)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    outside = local_only(tab, site_url)
    tab.goto(site_url + "zh/parameters/", wait_until="networkidle")
    box = tab.locator("input.md-search__input")
    box.click()
    box.press_sequentially("感受野", delay=50)  # typed as text input: Chinese has no key events of its own...
    box.press("End")  # ...so a key, as an input method's commit would send, makes Material search
    results = tab.locator(".md-search-result__item")
    results.first.wait_for(timeout=20_000)
    links = [a.get_attribute("href") for a in tab.locator(".md-search-result__item a").all()]
    context.close()
    assert any("receptive_field/" in (link or "") for link in links), links
    assert all("/zh/" in (link or "") or not (link or "").startswith("http") for link in links), links
    assert not outside, outside


def test_the_switcher_leads_to_the_same_page_in_both_directions(browser, site_url, built_zh_site: Path) -> None:  # noqa: F811
    """Clicking the language switcher (Material's selector, with its scripts running) keeps the reader on the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    outside = local_only(tab, site_url)
    for start, language, landing in [
        ("experiments/training/", "zh-Hans", "zh/experiments/training/"),
        ("zh/receptive_field/", "en", "receptive_field/"),
        ("zh/", "en", ""),
    ]:
        tab.goto(site_url + start, wait_until="networkidle")
        tab.locator(".md-header__option .md-select").hover()
        tab.locator(f'a.md-select__link[hreflang="{language}"]').click()
        tab.wait_for_load_state("networkidle")
        assert tab.url == site_url + landing, (start, tab.url)
        assert tab.evaluate("document.documentElement.lang") == language, tab.url
    context.close()
    assert not outside, outside
