"""Every page of the built site, opened in Chromium in light and dark mode, as a reader would see it.

Pages are discovered from the built site (every *.html but 404.html), so pages added later are checked
too. Each page is visited once per colour scheme; the tests below then check what the visits saw:
console errors, requests leaving localhost, images, figures, math, accessibility (axe-core), text
drawn as missing glyphs (tofu), and search. Each page is also opened 390 px wide (a phone), where
nothing may stick out of the window unscrollable, and a table that scrolls must show a cue (a fade). Screenshots of both widths go to
test-artifacts/screenshots/ (<page>-<scheme>.png and <page>-<scheme>-390.png).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from glyphs import FIND_CLIPPED, FIND_TOFU, FIND_UNCUED_TABLES

from browser_support import browser, local_only, site_url  # noqa: F401 - fixtures
from conftest import ROOT
from site_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # re-vendor with scripts/vendor_axe.py
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SCHEMES = {"light": "default", "dark": "slate"}  # Playwright colour scheme -> Material's data-md-color-scheme
SERIOUS = ("serious", "critical")
PHONE = {"width": 390, "height": 844}

# What one visit collects in the page: images, labelled svgs, figures, math, the scheme in force.
INSPECT = """async () => {
    const images = [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0,
                                                    alt: (i.getAttribute('alt') || '').trim()}));
    const svgs = [...document.querySelectorAll('svg[role=img]')].map(s => (s.getAttribute('aria-label') || '').trim());
    const figures = [];
    for (const figure of document.querySelectorAll('figure.kf-figure')) {
        figure.scrollIntoView({block: 'center'});
        await new Promise(requestAnimationFrame);
        const box = figure.getBoundingClientRect();
        const style = getComputedStyle(figure);
        figures.push({width: box.width, height: box.height, visible: style.visibility !== 'hidden' && style.display !== 'none',
                      inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth});
    }
    window.scrollTo(0, 0);
    return {images, svgs, figures, arithmatex: document.querySelectorAll('.arithmatex').length,
            katex: document.querySelectorAll('.katex').length, katexErrors: document.querySelectorAll('.katex-error').length,
            unrendered: [...document.querySelectorAll('.arithmatex')].filter(m => !m.querySelector('.katex')).length,
            mathScripts: [...document.scripts].map(s => s.src).filter(src => /katex|auto-render/.test(src))
                .concat(typeof window.katex !== 'undefined' ? ['window.katex'] : []),
            scheme: document.body.getAttribute('data-md-color-scheme')};
}"""


def discover_pages(site: Path) -> list[str]:
    """Every page of the built site as a URL path ('' for the home page); 404.html is no page of its own."""
    pages = []
    for html in sorted(site.rglob("*.html")):
        relative = html.relative_to(site).as_posix()
        if relative == "404.html":
            continue
        pages.append(relative.removesuffix("index.html"))
    return pages


@pytest.fixture(scope="module")
def visits(browser, site_url, built_site: Path, built_zh_site: Path) -> dict[tuple[str, str], dict]:  # noqa: F811
    """Visit every page of both editions in light and dark mode once; return what each visit saw, by (page, scheme).

    The Chinese edition is built into <built_site>/zh/ (built_zh_site), so its pages are discovered with the rest.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    axe = AXE.read_text(encoding="utf-8")
    seen = {}
    for scheme in SCHEMES:
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        for path in discover_pages(built_site):
            tab = context.new_page()
            errors: list[str] = []
            tab.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e, errors=errors: errors.append(f"uncaught: {e}"))
            outside = local_only(tab, site_url)
            tab.goto(site_url + path, wait_until="networkidle")
            if tab.locator("#kf-calculator").count():
                tab.wait_for_selector("#kf-calculator[data-ready=true]")
            report = tab.evaluate(INSPECT)
            tab.add_script_tag(content=axe)
            report["axe"] = tab.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
                .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
            name = path.strip("/").replace("/", "_") or "index"
            shot = SCREENSHOTS / f"{name}-{scheme}.png"
            tab.screenshot(path=str(shot), full_page=True)
            report["tofu"] = tab.evaluate(FIND_TOFU)
            report.update(errors=errors, outside=list(outside), screenshot=shot)
            seen[(path, scheme)] = report
            tab.close()
        context.close()
        phone = browser.new_context(color_scheme=scheme, viewport=PHONE)
        for path in discover_pages(built_site):
            tab = phone.new_page()
            tab.goto(site_url + path, wait_until="networkidle")
            name = path.strip("/").replace("/", "_") or "index"
            shot = SCREENSHOTS / f"{name}-{scheme}-390.png"
            tab.screenshot(path=str(shot), full_page=True)
            seen[(path, scheme)].update(
                clipped_on_phone=tab.evaluate(FIND_CLIPPED) + tab.evaluate(FIND_UNCUED_TABLES), phone_screenshot=shot
            )
            tab.close()
        phone.close()
    return seen


def failures(visits: dict, check) -> list[str]:
    """Run check(report) on every visit; list the problems it returns, labelled with page and scheme."""
    found = []
    for (path, scheme), report in visits.items():
        found += [f"/{path} ({scheme}): {problem}" for problem in check(report)]
    return found


def test_every_page_is_visited(visits, built_site: Path) -> None:
    pages = {path for path, _ in visits}
    assert {"", "calculator/", "zh/", "zh/calculator/", "zh/experiments/training/"} <= pages, pages
    assert len(pages) == len(discover_pages(built_site))
    assert len(visits) == 2 * len(pages)


def test_dark_mode_is_really_on(visits) -> None:
    assert failures(visits, lambda r: [] if r["scheme"] else ["no data-md-color-scheme"]) == []
    for (path, scheme), report in visits.items():
        assert report["scheme"] == SCHEMES[scheme], (path, scheme, report["scheme"])


def test_no_console_errors(visits) -> None:
    assert failures(visits, lambda r: r["errors"]) == []


def test_no_request_leaves_localhost(visits) -> None:
    assert failures(visits, lambda r: r["outside"]) == []


def test_images_load_and_have_alt_text(visits) -> None:
    def check(report):
        bad = [f"image {i['src']} did not load" for i in report["images"] if not i["ok"]]
        bad += [f"image {i['src']} has no alt text" for i in report["images"] if not i["alt"]]
        return bad + ["an svg[role=img] has no aria-label" for label in report["svgs"] if not label]

    assert failures(visits, check) == []


def test_figures_are_visible_in_both_schemes(visits) -> None:
    def check(report):
        return [
            f"figure {n} is not visible: {f}"
            for n, f in enumerate(report["figures"], 1)
            if not (f["width"] > 0 and f["height"] > 0 and f["visible"] and f["inView"])
        ]

    assert failures(visits, check) == []
    assert any(r["figures"] for r in visits.values()), "no figure anywhere: the check checked nothing"


def test_math_renders(visits) -> None:
    """Every formula arrives as KaTeX HTML from the build (issue 15): no math script runs in the browser."""

    def check(report):
        problems = [f"{report['unrendered']} formulas not rendered"] if report["unrendered"] else []
        problems += [f"{report['katexErrors']} KaTeX errors"] if report["katexErrors"] else []
        return problems + [f"math script in the browser: {script}" for script in report["mathScripts"]]

    assert failures(visits, check) == []
    assert any(r["katex"] for r in visits.values()), "no math anywhere: the check checked nothing"


def test_no_serious_accessibility_violations(visits) -> None:
    def check(report):
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in report["axe"] if v["impact"] in SERIOUS
        ]

    assert failures(visits, check) == []


def test_screenshots_are_saved(visits) -> None:
    for report in visits.values():
        assert report["screenshot"].stat().st_size > 10_000, report["screenshot"]
        assert report["phone_screenshot"].stat().st_size > 10_000, report["phone_screenshot"]


def test_no_text_renders_as_missing_glyphs(visits) -> None:
    assert failures(visits, lambda r: r["tofu"]) == []


def test_nothing_is_cut_off_on_a_phone(visits) -> None:
    assert failures(visits, lambda r: r["clipped_on_phone"]) == []


def test_tofu_check_fails_without_cjk_fonts(browser, site_url, tmp_path: Path) -> None:  # noqa: F811 - fixtures
    """A Chromium whose fontconfig sees only DejaVu (no CJK) draws the glossary's Chinese as boxes: caught."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    bare = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
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
