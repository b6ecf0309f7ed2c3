"""Material's start-up, made cheaper on a phone: the light/dark toggle without Material's palette component, and
code blocks mounted lazily (content.lazy). See README, "On a phone".

The first tests read the installed Material and fail when an upgrade changes what overrides/partials/palette.html
copies or relies on, so an upgrade cannot quietly break the toggle or bring the start-up restyles back.
"""

from __future__ import annotations

import re
from pathlib import Path

import material
import pytest
import yaml

from browser_support import browser, site_url  # noqa: F401 - fixtures
from conftest import ROOT

MATERIAL = Path(material.__file__).parent / "templates"
OURS = ROOT / "overrides" / "partials" / "palette.html"
JINJA_COMMENT = re.compile(r"\{#-?.*?-?#\}\s*", re.S)


def material_file(pattern: str) -> str:
    """The text of the one installed Material file matching pattern (its name carries a content hash)."""
    (path,) = MATERIAL.glob(pattern)
    return path.read_text(encoding="utf-8")


def our_form() -> str:
    """The form of our palette partial: the file without its comment and its script."""
    text = JINJA_COMMENT.sub("", OURS.read_text(encoding="utf-8"), count=1)
    return text[: text.index("<script>")].strip()


def test_palette_form_is_materials_without_the_component() -> None:
    theirs = JINJA_COMMENT.sub("", material_file("partials/palette.html"), count=1).strip()
    assert theirs.count('data-md-component="palette"') == 1, "Material's palette partial changed: redo the override"
    assert our_form() == theirs.replace('data-md-component="palette"', "data-kf-palette")


def test_material_still_does_what_the_toggle_relies_on() -> None:
    """The schemes' color-scheme values, the switching rule, the stored choice and where the partials are included."""
    assert "[data-md-color-scheme=default]{color-scheme:light" in material_file("assets/stylesheets/main.*.min.css")
    palette_css = material_file("assets/stylesheets/palette.*.min.css")
    assert "[data-md-color-scheme=slate]{color-scheme:dark" in palette_css
    assert "[data-md-color-switching] *" in palette_css
    restore = material_file("partials/javascripts/palette.html")
    assert 'var palette=__md_get("__palette");if(palette&&palette.color)' in restore
    assert (
        'for(var[key,value]of Object.entries(palette.color))document.body.setAttribute("data-md-color-"+key' in restore
    )
    header = material_file("partials/header.html")
    assert header.index('include "partials/palette.html"') < header.index('include "partials/javascripts/palette.html"')
    assert "__md_get=" in material_file("partials/javascripts/base.html")
    assert "__md_set=" in material_file("partials/javascripts/base.html")


def test_every_configured_scheme_has_its_color_scheme_in_the_script() -> None:
    """The script maps slate to dark and anything else to light: the two schemes Material ships."""
    for config in ("mkdocs.yml", "mkdocs.zh.yml"):
        text = (ROOT / config).read_text(encoding="utf-8").replace("!ENV", "")
        palette = yaml.safe_load(re.sub(r"!\w+", "", text))["theme"].get("palette")
        if palette:
            assert {option["scheme"] for option in palette} <= {"default", "slate"}, config
    assert 'color.scheme === "slate" ? "dark" : "light"' in OURS.read_text(encoding="utf-8")


def test_material_bundle_still_has_content_lazy() -> None:
    """content.lazy is an undocumented flag of Material's bundle: an upgrade that drops it must be noticed."""
    assert re.search(r'\w\("content\.lazy"\)\?', material_file("assets/javascripts/bundle.*.min.js"))
    assert (
        "content.lazy"
        in yaml.safe_load(re.sub(r"!\w+", "", (ROOT / "mkdocs.yml").read_text(encoding="utf-8")))["theme"]["features"]
    )


@pytest.mark.slow
def test_built_pages_use_our_toggle(built_site: Path) -> None:
    for html_path in sorted(built_site.rglob("*.html")):
        html = html_path.read_text(encoding="utf-8")
        if "md-header__option" in html:
            assert 'data-md-component="palette"' not in html, html_path
            assert html.count("data-kf-palette") == 1, html_path


# Records every change of Material's switching attribute on <body>, from the start of the page.
WATCH_SWITCHING = """
window.kfSwitching = [];
new MutationObserver(records => records.forEach(r => kfSwitching.push(document.body.hasAttribute(r.attributeName))))
  .observe(document, {attributes: true, subtree: true, attributeFilter: ["data-md-color-switching"]});
"""
STATE = """() => ({scheme: document.body.dataset.mdColorScheme,
    meta: [...document.querySelectorAll('meta[name=color-scheme]')].map(m => m.content),
    theme: [...document.querySelectorAll('meta[name=theme-color]')].map(m => m.content),
    shown: [...document.querySelectorAll('[data-kf-palette] label')].map(l => !l.hidden),
    stored: localStorage.getItem('/.__palette'), switching: window.kfSwitching})"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("system", ["light", "dark"])
def test_toggle_without_materials_script(browser, site_url: str, system: str) -> None:  # noqa: F811
    """With Material's bundle blocked, the page still opens in the reader's scheme: it is set before first paint."""
    context = browser.new_context(color_scheme=system)
    try:
        context.route("**/bundle.*.min.js", lambda route: route.abort())
        tab = context.new_page()
        tab.goto(site_url + "compute/")
        state = tab.evaluate(STATE)
        assert state["scheme"] == {"light": "default", "dark": "slate"}[system]
        assert state["meta"] == [system]
        assert state["shown"] == ([True, False] if system == "light" else [False, True])
        assert state["stored"] is None  # nothing stored until the reader chooses
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_toggle_switches_remembers_and_never_restyles_at_load(browser, site_url: str) -> None:  # noqa: F811
    context = browser.new_context(color_scheme="light")
    try:
        context.add_init_script(WATCH_SWITCHING)
        tab = context.new_page()
        tab.goto(site_url + "receptive_field/", wait_until="load")
        tab.wait_for_function("document.querySelector('meta[name=theme-color]').content !== ''")
        loaded = tab.evaluate(STATE)
        assert loaded["scheme"] == "default"
        assert loaded["meta"] == ["light"]
        assert loaded["theme"] == ["#4051b5"]  # the header's indigo, as Material's component set it
        assert loaded["switching"] == []  # Material's component would set and remove it: two full restyles
        tab.click("[data-kf-palette] label:not([hidden])")
        dark = tab.evaluate(STATE)
        assert dark["scheme"] == "slate"
        assert dark["meta"] == ["dark"]
        assert dark["shown"] == [False, True]
        assert dark["switching"] == [True, False]  # transitions off while switching, then back on
        assert '"index":1' in dark["stored"]
        assert '"scheme":"slate"' in dark["stored"]
        tab.goto(site_url + "compute/")
        assert tab.evaluate(STATE)["scheme"] == "slate"  # the choice holds on the next page
        tab.focus("[data-kf-palette] label:not([hidden])")
        tab.keyboard.press("Enter")
        assert tab.evaluate(STATE)["scheme"] == "default"  # Enter switches back, as in Material
    finally:
        context.close()


CODE = """() => [...document.querySelectorAll('.md-typeset pre > code')].map(code => ({
    visible: code.offsetParent !== null, copy: !!code.closest('.highlight').querySelector('.md-code__button[data-md-type=copy]'),
    folded: !!code.closest('details:not([open])'),
    wide: code.scrollWidth > code.clientWidth, focusable: code.getAttribute('tabindex') === '0'}))"""


@pytest.mark.browser
@pytest.mark.slow
def test_lazy_code_blocks_get_their_copy_button_when_seen(browser, site_url: str) -> None:  # noqa: F811
    """content.lazy: a block gets its copy button when it comes into view or its tab is chosen; wide ones are focusable."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(site_url + "receptive_field/", wait_until="load")
        tab.wait_for_timeout(300)
        at_load = tab.evaluate(CODE)
        assert not all(block["copy"] for block in at_load)  # lazy: not every block is mounted at load
        # a11y.js: scrollable, so focusable; a folded block is not laid out until its <details> opens
        assert all(block["focusable"] for block in at_load if block["wide"] and not block["folded"])
        tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        for label in tab.query_selector_all(".tabbed-labels label"):
            label.scroll_into_view_if_needed()
            label.click()
            tab.wait_for_timeout(50)
        tab.evaluate("""async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) {
            scrollTo(0, y); await new Promise(r => requestAnimationFrame(() => setTimeout(r, 30))); } }""")
        seen = tab.evaluate(CODE)
        assert [block for block in seen if block["visible"] and not block["copy"]] == []
        assert [block for block in seen if block["wide"] and not block["focusable"]] == []  # opened: checked then
    finally:
        context.close()
