"""No page of the built site moves under the reader while it loads (issue 15): layout shift ≤ 0.05 on every page.

Each page is opened 390 and 1280 px wide with its scripts and fonts answering late, as on a slow phone
network: the browser then paints the text before the scripts run and before the KaTeX fonts arrive,
which is when anything that takes its space late (a form built by a script, a figure without its
size, math drawn in a fallback font) pushes the text below it. A failure names the nodes that moved.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bench_pages import site_pages
from browser_support import browser, site_url  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Web Vitals call a cumulative layout shift up to 0.1 "good"; issue 15 asks for half of that.
MAX_LAYOUT_SHIFT = 0.05
LATE_MS = 300  # how late each script and font answers
LATE = re.compile(r".*\.(js|woff2)(\?.*)?$")
WIDTHS = (390, 1280)

# Every layout-shift entry with the nodes it moved (tag#id.class, or the start of a text node).
RECORD_SHIFTS = """
window.kfShifts = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) {
    const sources = (e.sources || []).map(s => {
      const n = s.node;
      if (!n) return "(removed node)";
      if (n.nodeType !== 1) return `text "${(n.textContent || "").trim().slice(0, 40)}"`;
      const classes = typeof n.className === "string" && n.className.trim() ? "." + n.className.trim().split(/\\s+/).join(".") : "";
      return n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + classes;
    });
    window.kfShifts.push({value: e.value, input: e.hadRecentInput, sources});
  }
}).observe({type: "layout-shift", buffered: true});
"""


def layout_shift(browser, url: str, width: int) -> tuple[float, list[str]]:  # noqa: F811 - fixture passed in
    """Total layout shift of one load (shifts right after input excluded, as in CLS) and what moved."""
    context = browser.new_context(viewport={"width": width, "height": 850})
    try:
        context.add_init_script(RECORD_SHIFTS)
        tab = context.new_page()

        def late(route) -> None:
            time.sleep(LATE_MS / 1000)  # holds only this test's request handling; Chromium keeps painting
            route.continue_()

        tab.route(LATE, late)
        tab.goto(url, wait_until="load")
        tab.evaluate("document.fonts.ready.then(() => true)")
        tab.wait_for_timeout(300)  # a frame or two after the last font, for its shift to be reported
        shifts = [s for s in tab.evaluate("window.kfShifts") if not s["input"]]
    finally:
        context.close()
    moved = sorted({source for s in shifts for source in s["sources"]})
    return sum(s["value"] for s in shifts), moved


@pytest.fixture(scope="module")
def shifts(browser, site_url, built_site: Path) -> dict[tuple[str, int], tuple[float, list[str]]]:  # noqa: F811
    """The layout shift of every page at each width."""
    return {
        (page, width): layout_shift(browser, site_url + page, width)
        for page in site_pages(built_site)
        for width in WIDTHS
    }


def test_no_page_shifts_while_it_loads(shifts) -> None:
    too_much = [
        f"/{page} at {width} px: layout shift {value:.3f} > {MAX_LAYOUT_SHIFT}, moved: {', '.join(moved[:6])}"
        for (page, width), (value, moved) in shifts.items()
        if value > MAX_LAYOUT_SHIFT
    ]
    assert not too_much, "\n".join(too_much)
    assert {page for page, _ in shifts} >= {"", "calculator/", "parameters/", "first_layer/"}, "pages not measured"


def test_the_measure_sees_a_shift(browser, site_url) -> None:  # noqa: F811 - fixtures
    """A block that a late script inserts above the text is measured (the check can fail)."""
    context = browser.new_context(viewport={"width": 390, "height": 850})
    try:
        context.add_init_script(RECORD_SHIFTS)
        tab = context.new_page()
        tab.goto(site_url, wait_until="load")
        tab.wait_for_timeout(200)
        tab.evaluate("""() => { const block = document.createElement('div'); block.style.height = '300px';
                                 document.querySelector('article').prepend(block); }""")
        tab.wait_for_timeout(300)
        value = sum(s["value"] for s in tab.evaluate("window.kfShifts") if not s["input"])
    finally:
        context.close()
    assert value > MAX_LAYOUT_SHIFT
