"""Two browser loads per page, collecting what every per-page check needs, in both widths and colour schemes.

At 1280 px the page loads in the light scheme (the system's setting), and at 390 px in the dark one; each
visit runs its checks, then switches its tab to the other scheme with Material's toggle, as a reader
clicks it, and runs them again. tests/test_browser.py (the English edition) and tests/test_browser_zh.py
(the Chinese one, in zh/) each visit their pages so and run the checks of EveryPageChecks on what the
visits saw: console errors, requests leaving localhost, images, figures, math, accessibility (axe-core),
missing glyphs (tofu), nothing cut off on a phone, screenshots, and layout shift while the page loads.
Two files, so that pytest-xdist's loadfile gives each worker one edition. Up to IN_FLIGHT visits load at
once, each in its own browser context and tab (pipelined): a load is mostly waiting, for late files and
for the network to go quiet.

The site is served with every script and font answering LATE_MS late, as on a slow phone network: the
browser paints the text before the scripts run and before the KaTeX fonts arrive, which is when anything
that takes its space late (a form built by a script, a figure without its size, math drawn in a fallback
font) pushes the text below it. Every visit fetches every file again (no HTTP cache: a reader's first visit),
with a PerformanceObserver installed before the page's first byte.

Why two loads (one per width, one per scheme, each switched to the other scheme) see all that three loads
(1280 px light, 1280 px dark, 390 px light switched to dark) saw. (Measured 30 Nov 2026, CPU seconds of the
browser and the test process, on a shared machine: the English visits 140 to 150 with three loads, 106 to
118 with two; the Chinese 143 to 152 with three, 122 to 126 with two. A load costs about 2 CPU seconds:
Chromium's parse, style and layout, and Material's search index built in a worker.)
- Everything that is checked on the finished page (images, figures, math, axe, tofu, screenshots, what
  sticks out at 390 px) still runs at both widths in both schemes, as before.
- The scheme reaches the page in one place: the inline script of overrides/partials/palette.html, run while
  the header is parsed (before anything below it is styled or painted), sets data-md-color-scheme on <body>
  from the system's setting or from the toggle. Nothing else reads the scheme: the site's CSS keys
  colours on that attribute, the figures are inline SVG in colours that read on both, there is no
  per-scheme image or font, and no script but that one (and Material's start-up script, which applies a
  stored choice: a visit's fresh storage holds none) asks for the scheme. So a load in the dark scheme
  differs from a load in the light one only in the colours that script's attribute selects, and that
  script's dark path is still exercised by a real load (390 px, the system in dark mode: it must come up
  dark) as its light path is (1280 px), and its toggle in both directions (it must switch).
- Console errors and requests leaving localhost are recorded during both real loads and both switches.
  What only a load at one width *and* in one scheme could do (an error, a request, a late block that shifts
  the text) would need a script that reads the scheme: test_only_the_palette_scripts_read_the_colour_scheme
  checks that no script of the site's own does.
- Layout shift while loading is measured on both loads: 1280 px light and 390 px dark. Colours cannot move
  anything; a CSS rule for one scheme that changed a size or hid something could. So every visit also
  compares the place, size, display, visibility and opacity of every element before and after its switch
  (test_switching_the_scheme_moves_nothing): the two schemes lay out the same page at both widths, so the
  shift a load in one scheme measures is the shift of a load in the other. (Not compared: an element that
  exists only while the page loads. The rules for one scheme set colours, and Material's hide images marked
  #only-light or #only-dark, of which the site has none.)
- Each visit has a browser context of its own: fresh storage, so the scheme a toggle stores (Material keeps
  the reader's choice in localStorage) cannot reach a page loading in another tab.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from glyphs import FIND_CLIPPED, FIND_TOFU, FIND_UNCUED_TABLES

from browser_support import local_only
from conftest import ROOT
from site_browser import serve_directory

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # re-vendor with scripts/vendor_axe.py
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SHOT_QUALITY = 80  # JPEG quality of the screenshots: text stays sharp enough to read
SCHEMES = {"light": "default", "dark": "slate"}  # Playwright colour scheme -> Material's data-md-color-scheme
SERIOUS = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Web Vitals call a cumulative layout shift up to 0.1 "good"; issue 15 asks for half of that.
MAX_LAYOUT_SHIFT = 0.05
LATE_MS = 300  # how late each script and font answers
LATE = re.compile(r".*\.(js|woff2)(\?.*)?$")
# Visits loading at once, each in its own tab: a load mostly waits (late files, networkidle), which the
# checks of the visits before it fill. Measured 30 Nov 2026 on a shared machine: the Chinese edition's 45
# visits took 183 s one at a time and 139 s three at a time (load average about 4); the English edition's,
# interleaved at load 6 to 9, 134 s one at a time and 135 and 113 s three at a time. Each run used 30-44 s of
# CPU (Chromium and the test), so the gain is in the waits and shrinks as the machine gets busier.
IN_FLIGHT = int(os.environ.get("PYTEST_KF_VISITS_IN_FLIGHT", "3"))
Job = tuple[str, str]  # (page path, "wide" or "phone")

# Every layout-shift entry with the nodes it moved (tag#id.class, or the start of a text node).
RECORD_SHIFTS = """
window.kfShifts = [];
window.kfRecordShifts = entries => {
  for (const e of entries) {
    const sources = (e.sources || []).map(s => {
      const n = s.node;
      if (!n) return "(removed node)";
      if (n.nodeType !== 1) return `text "${(n.textContent || "").trim().slice(0, 40)}"`;
      const classes = typeof n.className === "string" && n.className.trim() ? "." + n.className.trim().split(/\\s+/).join(".") : "";
      return n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + classes;
    });
    window.kfShifts.push({value: e.value, input: e.hadRecentInput, sources});
  }
};
window.kfShiftObserver = new PerformanceObserver(list => kfRecordShifts(list.getEntries()));
kfShiftObserver.observe({type: "layout-shift", buffered: true});
"""
# The shifts so far, with those the observer has not delivered yet.
READ_SHIFTS = "() => { kfRecordShifts(kfShiftObserver.takeRecords()); return kfShifts; }"
# After the last font: two frames, for a shift it caused to be painted and reported (no fixed sleep).
SETTLE = """async () => { await document.fonts.ready;
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))); }"""

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
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']}))
    .violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""


class LateScriptsAndFonts(http.server.SimpleHTTPRequestHandler):
    """Static files; scripts and fonts answer LATE_MS late, each in its own server thread (as network latency)."""

    served: ClassVar[Counter[str]] = Counter()  # the late files served, by path

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if LATE.match(self.path):
            self.served[self.path] += 1
            time.sleep(LATE_MS / 1000)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a tab closed before a late file came
            super().do_GET()


@contextmanager
def serve_late(site: Path) -> Iterator[str]:
    """Serve site on 127.0.0.1 with late scripts and fonts; yield the base URL."""
    with serve_directory(site, LateScriptsAndFonts) as url:
        yield url


def discover_pages(site: Path, edition: str) -> list[str]:
    """Every page of one edition ('en', or 'zh' for zh/) as a URL path ('' for the home page); not 404.html."""
    pages = []
    for html in sorted(site.rglob("*.html")):
        relative = html.relative_to(site).as_posix()
        if relative.endswith("404.html"):
            continue
        if (edition == "zh") == relative.startswith("zh/"):
            pages.append(relative.removesuffix("index.html"))
    return pages


def shifts_so_far(tab) -> tuple[float, list[str]]:
    """Total layout shift recorded in tab (shifts right after input excluded, as in CLS) and what moved."""
    shifts = [s for s in tab.evaluate(READ_SHIFTS) if not s["input"]]
    return sum(s["value"] for s in shifts), sorted({source for s in shifts for source in s["sources"]})


@contextmanager
def browsing(browser, base: str, scheme: str, viewport: dict[str, int]) -> Iterator:
    """A browser context for visits to the site at base: it records layout shifts and stops requests to other hosts.

    Routing every request disables Chromium's HTTP cache (Playwright's page.route), so each visit fetches every
    script and font again, late, as a reader's first visit does. A request to any other host than base is
    aborted in the browser (and recorded by start_visit): none leaves the machine.
    """
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    try:
        context.add_init_script(RECORD_SHIFTS)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
        yield context
    finally:
        context.close()


@dataclass
class Visit:
    """A page being loaded in a tab, with the console errors and requests to other hosts recorded since its start.

    own_context: the browser context opened for this visit alone, closed with it (None: the caller's).
    """

    tab: Any
    path: str
    errors: list[str]
    outside: list[str]
    own_context: Any = None

    def close(self) -> None:
        """Close the tab, and the visit's own context if it has one."""
        self.tab.close()
        if self.own_context is not None:
            self.own_context.close()


def start_visit(context, base: str, path: str, own_context: bool = False) -> Visit:
    """Open a tab in context and start loading base + path; return at once (finish_wide or finish_phone reads it)."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    outside = local_only(tab, base)
    tab.goto(base + path, wait_until="commit")
    return Visit(tab, path, errors, outside, context if own_context else None)


# Material's palette toggle, clicked as a reader clicks it: the label shown is the one to the other scheme.
TOGGLE = """() => { document.querySelector('form[data-kf-palette] label:not([hidden])').click();
    if (document.activeElement) document.activeElement.blur(); }"""  # no focus ring in the screenshot
# The layout of the page once it is still: the place and size (in the document, 0.1 px), display, visibility and
# opacity of every element of the body that is rendered (checkVisibility: not under display: none or a closed
# <details>; an element shown or hidden by the switch changes the list), read once every running transition and
# finite animation has ended, and until two reads two frames apart agree, colours too (a header title fading in
# after a scroll, a colour transition after the switch, have ended: axe and the screenshot see the final page). Left out: the palette toggle (its two labels trade places) and what
# an endless animation moves (Material's pulsing annotation markers).
# mode "keep": wait and keep the layout in the page; "compare": wait and compare with the one kept: what moved,
# changed size or was shown or hidden (up to 5).
LAYOUT = """async mode => {
    const endless = a => a.effect && a.effect.getTiming().iterations === Infinity;
    // Transitions in flight end first: the header title's easing, cubic-bezier(1,.7,.1,.1), has a plateau where two
    // frames can agree to 0.1 px on a loaded machine while the title is still on its way (a failed run, 30 Nov 2026).
    for (let rounds = 0; rounds < 5; rounds++) {
        const running = document.getAnimations().filter(a => a.playState === 'running' && !endless(a));
        if (!running.length) break;
        await Promise.all(running.map(a => a.finished.catch(() => null)));  // a cancelled one rejects: done too
    }
    const animated = document.getAnimations().filter(endless).map(a => a.effect.target).filter(Boolean);
    const n = v => Math.round(v * 10) / 10;
    const boxes = () => [...document.body.querySelectorAll('*')]
        .filter(el => el.checkVisibility() && !el.closest('form[data-kf-palette]') && !animated.some(a => a.contains(el)))
        .map(el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
                     return [el, `${n(r.left + scrollX)},${n(r.top + scrollY)} ${n(r.width)}x${n(r.height)} ` +
                                 `${s.display} ${s.visibility} ${s.opacity}`, s.color + s.backgroundColor]; });
    const same = (a, b) => a.length === b.length && a.every(([el, box, colour], i) =>
        el === b[i][0] && box === b[i][1] && colour === b[i][2]);
    let now = null;
    for (let tries = 0; tries < 20; tries++) {
        const last = now;
        now = boxes();
        if (last && same(now, last)) break;
        await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    }
    if (mode === 'keep') { window.kfLayout = now; return []; }
    const before = window.kfLayout;
    if (now.length !== before.length || now.some(([el], i) => el !== before[i][0]))
        return [`the elements changed: ${before.length} before, ${now.length} after`];
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const changed = [];
    now.forEach(([el, box], i) => { if (box !== before[i][1]) changed.push(`${name(el)}: ${before[i][1]} -> ${box}`); });
    return changed.slice(0, 5);
}"""


def switch_scheme(tab, scheme: str) -> list[str]:
    """Click Material's toggle in tab, as a reader does, to scheme; wait for it and its colours; what moved (LAYOUT)."""
    tab.evaluate(LAYOUT, "keep")
    tab.evaluate(TOGGLE)
    tab.wait_for_selector(f'body[data-md-color-scheme="{SCHEMES[scheme]}"]')
    tab.evaluate(SETTLE)
    return tab.evaluate(LAYOUT, "compare")


def other_scheme(scheme: str) -> str:
    """The colour scheme Material's toggle switches scheme to."""
    return "dark" if scheme == "light" else "light"


def finish_wide(
    visit: Visit, scheme: str, axe: str, shots: Path = SCREENSHOTS, switch: bool = False
) -> dict[str, dict]:
    """Finish a visit loaded in scheme in a 1280 px context: what the page shows, its layout shift while loading and
    its screenshot (in shots); with switch, the same again after the toggle to the other scheme. Reports by scheme.
    """
    tab, reports, errors_at = visit.tab, {}, {}
    try:
        tab.wait_for_load_state("networkidle")  # loaded and quiet: a request a script makes late is seen too
        if tab.locator("#kf-calculator").count():
            tab.wait_for_selector("#kf-calculator[data-ready=true]")
        tab.evaluate(SETTLE)
        shift = shifts_so_far(tab)  # before anything scrolls
        tab.add_script_tag(content=axe)  # once per visit
        for current in [scheme, other_scheme(scheme)] if switch else [scheme]:
            errors_at[current] = len(visit.errors)
            moved = switch_scheme(tab, current) if current != scheme else None
            # axe and the screenshot first, on the still page at the top: INSPECT scrolls, and the header's
            # title fades in and out as it does.
            axe_found = tab.evaluate(AXE_RUN)
            screenshot = save_screenshot(tab, shots, f"{screenshot_name(visit.path)}-{current}")
            report = tab.evaluate(INSPECT) | {"axe": axe_found, "screenshot": screenshot}
            report["tofu"] = tab.evaluate(FIND_TOFU)
            if moved is not None:
                report["layout_changes"] = moved
            reports[current] = report
    finally:
        visit.close()
    reports[scheme]["shift_1280"] = shift
    return split_by_scheme(reports, errors_at, visit, "errors", "outside")


def finish_phone(visit: Visit, scheme: str, shots: Path = SCREENSHOTS, switch: bool = False) -> dict[str, dict]:
    """Finish a visit loaded in scheme in a 390 px context: what sticks out, its layout shift while loading and its
    screenshot (in shots); with switch, the same again after the toggle to the other scheme. Reports by scheme.
    """
    tab, reports, errors_at = visit.tab, {}, {}
    try:
        tab.wait_for_load_state("load")
        tab.evaluate(SETTLE)
        shift = shifts_so_far(tab)
        for current in [scheme, other_scheme(scheme)] if switch else [scheme]:
            report, errors_at[current] = {}, len(visit.errors)
            if current != scheme:
                report["phone_layout_changes"] = switch_scheme(tab, current)
            report["phone_screenshot"] = save_screenshot(tab, shots, f"{screenshot_name(visit.path)}-{current}-390")
            report["clipped_on_phone"] = tab.evaluate(FIND_CLIPPED) + tab.evaluate(FIND_UNCUED_TABLES)
            report["phone_scheme"] = tab.evaluate("document.body.getAttribute('data-md-color-scheme')")
            reports[current] = report
    finally:
        visit.close()
    reports[scheme]["shift_390"] = shift
    return split_by_scheme(reports, errors_at, visit, "phone_errors", "phone_outside")


def split_by_scheme(
    reports: dict[str, dict], errors_at: dict[str, int], visit: Visit, errors_key: str, outside_key: str
) -> dict[str, dict]:
    """Give each scheme's report the console errors since its start (the load, or the switch to it) and all the
    requests to other hosts of the visit (a late request cannot be told apart)."""
    starts = sorted(errors_at.items(), key=lambda item: item[1])
    for n, (current, _) in enumerate(starts):
        first = 0 if n == 0 else starts[n][1]
        last = starts[n + 1][1] if n + 1 < len(starts) else len(visit.errors)
        reports[current][errors_key] = visit.errors[first:last]
        reports[current][outside_key] = list(visit.outside)
    return reports


def visit_wide(context, base: str, path: str, scheme: str, axe: str, shots: Path = SCREENSHOTS) -> dict:
    """Visit one page in a 1280 px context, in scheme only (see finish_wide)."""
    return finish_wide(start_visit(context, base, path), scheme, axe, shots)[scheme]


def visit_phone(context, base: str, path: str, scheme: str, shots: Path = SCREENSHOTS) -> dict:
    """Visit one page in a 390 px context, in scheme only (see finish_phone)."""
    return finish_phone(start_visit(context, base, path), scheme, shots)[scheme]


def save_screenshot(tab, shots: Path, stem: str) -> Path:
    """A full-page screenshot of tab for reviewers, as shots/<stem>.jpg; its path.

    JPEG at SHOT_QUALITY: no check reads the pixels, and encoding a long page as PNG took about 40 % longer.
    """
    shot = shots / f"{stem}.jpg"
    tab.screenshot(path=str(shot), full_page=True, type="jpeg", quality=SHOT_QUALITY)
    return shot


def screenshot_name(path: str) -> str:
    """The screenshot file stem of a page path ('' is index)."""
    return path.strip("/").replace("/", "_") or "index"


# The scheme each width loads in (the system's setting); each visit then switches to the other one.
LOADS = {"wide": ("light", DESKTOP), "phone": ("dark", PHONE)}


def visit_every_page(browser, site: Path, edition: str, in_flight: int = IN_FLIGHT) -> dict[tuple[str, str], dict]:
    """Visit every page of one edition: loaded at 1280 px in light and at 390 px in dark, each visit switched to the
    other scheme in its tab; return reports by (page, scheme), each with both widths' findings.

    Every page loads twice (see the module's docstring for why that misses nothing three loads caught), each in a
    browser context of its own. Up to in_flight visits load at once, each in its own tab: most of a load is waiting
    for late files and for the network to go quiet, which the checks of the visits before it fill (see pipelined).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    axe = AXE.read_text(encoding="utf-8")
    pages = discover_pages(site, edition)
    with serve_late(site) as base, contextlib.ExitStack() as stack:

        def start(job: Job) -> Visit:
            path, width = job
            scheme, viewport = LOADS[width]
            context = stack.enter_context(browsing(browser, base, scheme, viewport))  # closed by the visit, or here
            return start_visit(context, base, path, own_context=True)

        def finish(job: Job, visit: Visit) -> dict[str, dict]:
            scheme = LOADS[job[1]][0]
            if job[1] == "wide":
                return finish_wide(visit, scheme, axe, switch=True)
            return finish_phone(visit, scheme, switch=True)

        done = pipelined([(path, width) for path in pages for width in LOADS], start, finish, in_flight)
    return {
        (path, scheme): done[(path, "wide")][scheme] | done[(path, "phone")][scheme]
        for path in pages
        for scheme in SCHEMES
    }


def pipelined(
    jobs: list[Job], start: Callable[[Job], Visit], finish: Callable[[Job, Visit], dict], in_flight: int
) -> dict[Job, dict]:
    """start(job) for each job in order, keeping up to in_flight started; finish(job, visit) them in order.

    A started visit loads in its tab while the one before it is finished, so the waits (late scripts and fonts,
    networkidle's quiet half second) overlap the checks' work. Every visit still gets its own tab, page load
    and checks. On an error, the tabs left open close with their browser context.
    """
    results: dict[Job, dict] = {}
    loading: deque[tuple[Job, Visit]] = deque()
    for job in jobs:
        loading.append((job, start(job)))
        while len(loading) >= in_flight:
            oldest, visit = loading.popleft()
            results[oldest] = finish(oldest, visit)
    for oldest, visit in loading:
        results[oldest] = finish(oldest, visit)
    return results


def failures(visits: dict, check: Callable[[dict], list[str]]) -> list[str]:
    """Run check(report) on every visit; list the problems it returns, labelled with page and scheme."""
    found = []
    for (path, scheme), report in visits.items():
        found += [f"/{path} ({scheme}): {problem}" for problem in check(report)]
    return found


# What a script would read to learn the colour scheme, and the two that may: the palette partial's
# (overrides/partials/palette.html) and Material's start-up script that applies a stored choice.
READS_SCHEME = re.compile(r"prefers-color-scheme|data-md-color-scheme|__palette|colorScheme|color-scheme")
PALETTE_SCRIPTS = (
    '(function (form) {\n  var inputs = Array.prototype.slice.call(form.querySelectorAll("input"));',
    'var palette=__md_get("__palette");',
)
MATERIAL_BUNDLE = re.compile(r"assets/javascripts/bundle\.[0-9a-f]+\.min\.js$")


def scripts_reading_the_scheme(site: Path, edition: str) -> list[str]:
    """The scripts of an edition's pages, inline or files, that mention the colour scheme, but the palette's own.

    Material's bundle is left out: its palette component is the one place it reads the scheme, and the palette
    form is not marked for it (tests/test_material_startup.py).
    """
    found = set()
    for path in discover_pages(site, edition):
        page = site / path if path.endswith(".html") else site / path / "index.html"
        html = page.read_text(encoding="utf-8")
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            source = re.search(r'src="([^"]+)"', attributes)
            if source:
                file = (page.parent / source.group(1).split("?")[0]).resolve()
                if MATERIAL_BUNDLE.search(file.as_posix()) or not file.is_file():
                    continue
                body, name = file.read_text(encoding="utf-8"), file.relative_to(site.resolve()).as_posix()
            else:
                name = f"an inline script of /{path}"
            if READS_SCHEME.search(body) and not body.lstrip().startswith(PALETTE_SCRIPTS):
                found.add(f"{name}: {body.strip()[:60]!r}")
    return sorted(found)


class EveryPageChecks:
    """The per-page checks, run on the `visits` fixture of the test module (one edition's pages).

    A subclass named Test... in a test module sets EDITION and MUST_VISIT (pages that must be among those found).
    """

    EDITION = "en"
    MUST_VISIT: frozenset[str] = frozenset()

    def test_every_page_is_visited(self, visits, built_site: Path) -> None:
        pages = {path for path, _ in visits}
        assert pages >= self.MUST_VISIT, pages
        assert len(pages) == len(discover_pages(built_site, self.EDITION))
        assert len(visits) == len(SCHEMES) * len(pages)

    def test_dark_mode_is_really_on(self, visits) -> None:
        """Each scheme is on after a load in it (the system's setting) and after the toggle to it, at both widths."""
        assert {scheme for scheme, _ in LOADS.values()} == set(SCHEMES), "a scheme is never loaded"
        assert failures(visits, lambda r: [] if r["scheme"] else ["no data-md-color-scheme"]) == []
        for (path, scheme), report in visits.items():
            assert report["scheme"] == SCHEMES[scheme], (path, scheme, report["scheme"])
            assert report["phone_scheme"] == SCHEMES[scheme], (path, scheme, report["phone_scheme"], "at 390 px")

    def test_no_console_errors(self, visits) -> None:
        assert failures(visits, lambda r: r["errors"] + r["phone_errors"]) == []

    def test_no_request_leaves_localhost(self, visits) -> None:
        assert failures(visits, lambda r: r["outside"] + r["phone_outside"]) == []

    def test_images_load_and_have_alt_text(self, visits) -> None:
        def check(report):
            bad = [f"image {i['src']} did not load" for i in report["images"] if not i["ok"]]
            bad += [f"image {i['src']} has no alt text" for i in report["images"] if not i["alt"]]
            return bad + ["an svg[role=img] has no aria-label" for label in report["svgs"] if not label]

        assert failures(visits, check) == []

    def test_figures_are_visible_in_both_schemes(self, visits) -> None:
        def check(report):
            return [
                f"figure {n} is not visible: {f}"
                for n, f in enumerate(report["figures"], 1)
                if not (f["width"] > 0 and f["height"] > 0 and f["visible"] and f["inView"])
            ]

        assert failures(visits, check) == []
        assert any(r["figures"] for r in visits.values()), "no figure anywhere: the check checked nothing"

    def test_math_renders(self, visits) -> None:
        """Every formula arrives as KaTeX HTML from the build (issue 15): no math script runs in the browser."""

        def check(report):
            problems = [f"{report['unrendered']} formulas not rendered"] if report["unrendered"] else []
            problems += [f"{report['katexErrors']} KaTeX errors"] if report["katexErrors"] else []
            return problems + [f"math script in the browser: {script}" for script in report["mathScripts"]]

        assert failures(visits, check) == []
        assert any(r["katex"] for r in visits.values()), "no math anywhere: the check checked nothing"

    def test_no_serious_accessibility_violations(self, visits) -> None:
        def check(report):
            return [
                f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
                for v in report["axe"]
                if v["impact"] in SERIOUS
            ]

        assert failures(visits, check) == []

    def test_screenshots_are_saved(self, visits) -> None:
        for report in visits.values():
            assert report["screenshot"].stat().st_size > 10_000, report["screenshot"]
            assert report["phone_screenshot"].stat().st_size > 10_000, report["phone_screenshot"]

    def test_no_text_renders_as_missing_glyphs(self, visits) -> None:
        assert failures(visits, lambda r: r["tofu"]) == []

    def test_nothing_is_cut_off_on_a_phone(self, visits) -> None:
        assert failures(visits, lambda r: r["clipped_on_phone"]) == []

    def test_no_page_shifts_while_it_loads(self, visits) -> None:
        """Layout shift ≤ MAX_LAYOUT_SHIFT while loading, scripts and fonts late: 1280 px in light, 390 px in dark."""

        def check(report):
            measured = [(width, report[f"shift_{width}"]) for width in ("1280", "390") if f"shift_{width}" in report]
            return [
                f"at {width} px: layout shift {value:.3f} > {MAX_LAYOUT_SHIFT}, moved: {', '.join(moved[:6])}"
                for width, (value, moved) in measured
                if value > MAX_LAYOUT_SHIFT
            ]

        for key, width in (("shift_1280", "wide"), ("shift_390", "phone")):
            assert all((key in report) == (scheme == LOADS[width][0]) for (_, scheme), report in visits.items()), key
        problems = failures(visits, check)
        assert not problems, "\n".join(problems)

    def test_only_the_palette_scripts_read_the_colour_scheme(self, built_site: Path) -> None:
        """No other script can do something only in a load in one scheme, which the switch would not redo."""
        assert scripts_reading_the_scheme(built_site, self.EDITION) == []

    def test_switching_the_scheme_moves_nothing(self, visits) -> None:
        """The schemes differ in colour only: after the toggle every element has its place, size, display, visibility
        and opacity, at both widths (so a load in one scheme shifts as a load in the other would)."""

        def check(report):
            return [f"at 1280 px: {change}" for change in report.get("layout_changes", [])] + [
                f"at 390 px: {change}" for change in report.get("phone_layout_changes", [])
            ]

        for key, width in (("layout_changes", "wide"), ("phone_layout_changes", "phone")):
            assert all((key in report) != (scheme == LOADS[width][0]) for (_, scheme), report in visits.items()), key
        problems = failures(visits, check)
        assert not problems, "\n".join(problems)
