"""MkDocs hook: math rendered to KaTeX HTML at build time, so no math script runs in the reader's browser.

pymdownx.arithmatex (generic mode) leaves every formula as `\\( \\)` or `\\[ \\]` text in a
`.arithmatex` element. This hook collects the formulas of every page, renders the new ones with the
vendored KaTeX (scripts/katex/katex.min.js) in one Node process per build, and puts the HTML in place;
a page with math then loads only katex.min.css (and its local fonts). Rendered formulas are kept in
.cache/katex/, keyed by KaTeX, the renderer and the formula, so a warm build starts no Node at all.
A formula KaTeX cannot render fails the build, naming the page and the formula.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

KATEX_DIR = Path(__file__).resolve().parents[1] / "katex"
KATEX_JS = KATEX_DIR / "katex.min.js"  # vendored by scripts/vendor_katex.py; never shipped to the browser
RENDERER = KATEX_DIR / "render.cjs"
MATH_STYLES = ("assets/vendor/katex/katex.min.css",)  # the fonts sit next to it, under fonts/
# Fonts nearly every formula uses, fetched with the page instead of after the stylesheet is applied: the
# formulas then get their real widths before the first paint instead of moving when the fonts arrive.
# Main-Regular draws digits, operators and \text; Math-Italic the variables (class "mathnormal"); the Size fonts
# the large delimiters (\left\lfloor ... \right\rfloor) and big operators (\sum), which a page may use or not.
# Each font is preloaded only on a page whose KaTeX HTML has one of its markers, so no preload goes unused.
PRELOADED_FONTS = {
    "assets/vendor/katex/fonts/KaTeX_Main-Regular.woff2": ('class="katex"',),
    "assets/vendor/katex/fonts/KaTeX_Math-Italic.woff2": ("mathnormal",),
    "assets/vendor/katex/fonts/KaTeX_Size1-Regular.woff2": ("delimsizing size1", "op-symbol small-op"),
    "assets/vendor/katex/fonts/KaTeX_Size2-Regular.woff2": ("delimsizing size2", "op-symbol large-op"),
    "assets/vendor/katex/fonts/KaTeX_Size3-Regular.woff2": ("delimsizing size3",),
    "assets/vendor/katex/fonts/KaTeX_Size4-Regular.woff2": ("delimsizing size4",),
}
CACHE_SUBDIR = Path(".cache") / "katex"
NODE_TIMEOUT_S = 300

# arithmatex's generic output: <span class="arithmatex">\(...\)</span> and <div class="arithmatex">\[...\]</div>.
MATH_ELEMENT = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<source>.*?)</(?P=tag)>', re.S)
DELIMITERS = {"\\(": ("\\)", False), "\\[": ("\\]", True)}

log = logging.getLogger("mkdocs.hooks.kf.math")


class MathError(Exception):
    """A formula that cannot be rendered, or a renderer that cannot run."""


class Formula(NamedTuple):
    """One formula as KaTeX receives it: TeX source and display (block) or inline mode."""

    tex: str
    display: bool


def formula_of(source: str) -> Formula:
    """The formula inside one arithmatex element's HTML text; MathError if its delimiters are not arithmatex's."""
    text = html.unescape(source).strip()
    for left, (right, display) in DELIMITERS.items():
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            return Formula(text[len(left) : len(text) - len(right)], display)
    raise MathError(f"math not in \\( \\) or \\[ \\]: {text[:80]!r}")


def formulas_in(page_html: str) -> list[Formula]:
    """Every formula of a page, in document order."""
    return [formula_of(m["source"]) for m in MATH_ELEMENT.finditer(page_html)]


def renderer_digest(katex_js: Path = KATEX_JS, renderer: Path = RENDERER) -> str:
    """What the rendered HTML depends on besides the formula: KaTeX itself and the options in the renderer."""
    return hashlib.sha256(katex_js.read_bytes() + b"\0" + renderer.read_bytes()).hexdigest()


def cache_key(formula: Formula, digest: str) -> str:
    """The content key of one rendered formula."""
    return hashlib.sha256(f"{digest}\0{int(formula.display)}\0{formula.tex}".encode()).hexdigest()


def run_katex(formulas: list[Formula], katex_js: Path = KATEX_JS, renderer: Path = RENDERER) -> list[dict]:
    """Render formulas with KaTeX on Node in one process; one {"html"} or {"error"} (and "warnings") per formula."""
    node = shutil.which("node")
    if node is None:
        raise MathError("Node.js is not installed: the build renders math with KaTeX on Node (apt install nodejs)")
    payload = json.dumps([{"tex": f.tex, "display": f.display} for f in formulas])
    try:
        done = subprocess.run(
            [node, str(renderer), str(katex_js)],
            input=payload,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=NODE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise MathError(f"KaTeX on Node took over {NODE_TIMEOUT_S} s for {len(formulas)} formulas") from error
    if done.returncode != 0:
        raise MathError(f"KaTeX on Node failed ({renderer.name}, exit {done.returncode}):\n{done.stderr[-2000:]}")
    results = json.loads(done.stdout)["results"]
    if len(results) != len(formulas):
        raise MathError(f"KaTeX on Node returned {len(results)} results for {len(formulas)} formulas")
    return results


class MathRenderer:
    """Rendered formulas of one build: from memory, then from .cache/katex/, then from one Node run."""

    def __init__(self, cache_dir: Path, katex_js: Path = KATEX_JS, renderer: Path = RENDERER) -> None:
        self.cache_dir, self.katex_js, self.renderer = cache_dir, katex_js, renderer
        self.digest = renderer_digest(katex_js, renderer)
        self.rendered: dict[Formula, str] = {}
        self.wanted: dict[Formula, list[str]] = {}  # formula -> the pages that have it, for error messages
        self.node_runs = 0

    def want(self, formulas: list[Formula], page: str) -> None:
        """Note the formulas a page needs, so render_wanted() renders every page's in one batch."""
        for formula in formulas:
            self.wanted.setdefault(formula, []).append(page)

    def _from_disk(self, formula: Formula) -> str | None:
        path = self.cache_dir / f"{cache_key(formula, self.digest)}.html"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _to_disk(self, formula: Formula, rendered: str) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.cache_dir / f"{cache_key(formula, self.digest)}.html"
        partial = path.with_suffix(f".{os.getpid()}.{id(self)}.tmp")  # two builds side by side: one file each
        partial.write_text(rendered, encoding="utf-8")
        partial.replace(path)  # atomic: a parallel build (the other language) never reads half a file

    def render_wanted(self) -> None:
        """Render every wanted formula not rendered yet, with at most one Node process; MathError names the pages."""
        missing = []
        for formula in self.wanted:
            if formula in self.rendered:
                continue
            cached = self._from_disk(formula)
            if cached is None:
                missing.append(formula)
            else:
                self.rendered[formula] = cached
        if not missing:
            return
        self.node_runs += 1
        problems = []
        for formula, result in zip(missing, run_katex(missing, self.katex_js, self.renderer), strict=True):
            pages = ", ".join(sorted(set(self.wanted[formula])))
            shown = f"\\[{formula.tex}\\]" if formula.display else f"\\({formula.tex}\\)"
            for warning in result.get("warnings", []):
                log.warning("%s: KaTeX warns about %s: %s", pages, shown, warning)
            if "error" in result:
                problems.append(f"{pages}: KaTeX cannot render {shown}: {result['error']}")
                continue
            self.rendered[formula] = result["html"]
            self._to_disk(formula, result["html"])
        if problems:
            raise MathError("\n".join(problems))

    def render_page(self, page_html: str, page: str) -> str:
        """The page with each arithmatex element's source replaced by its KaTeX HTML (the element is kept).

        The HTML goes inside a bare <span>, as KaTeX's auto-render put it in the browser: in a display
        formula that inline span around the block gives the blank line above and below the formula
        that the pages have always had, so the layout stays as it was.
        """
        self.want(formulas_in(page_html), page)
        self.render_wanted()  # nothing to do when on_env already rendered the whole build's math

        def rendered(match: re.Match[str]) -> str:
            html_of_formula = self.rendered[formula_of(match["source"])]
            return f'<{match["tag"]} class="arithmatex"><span>{html_of_formula}</span></{match["tag"]}>'

        return MATH_ELEMENT.sub(rendered, page_html)


def _insert_before_first(output: str, tag: str, urls: list[str], fallback: str, addition: str) -> str:
    """Insert addition before the first `<tag ...="url"` of urls found in output, else before fallback."""
    for url in urls:
        found = re.search(rf'<{tag}\b[^>]*(?:src|href)="{re.escape(url)}"', output)
        if found:
            return output[: found.start()] + addition + output[found.start() :]
    head, marker, tail = output.rpartition(fallback)
    return head + addition + marker + tail if marker else output


def add_math_styles(output: str, page_url: str, extra_css: list[str]) -> str:
    """Add KaTeX's stylesheet (and preloads of the fonts its formulas use) to a page with math, before the extra CSS."""
    if not MATH_ELEMENT.search(output):
        return output
    from mkdocs.utils import get_relative_url

    def urls(paths) -> list[str]:
        return [html.escape(get_relative_url(str(path), page_url)) for path in paths]

    fonts = [path for path, markers in PRELOADED_FONTS.items() if any(marker in output for marker in markers)]
    preloads = "".join(
        f'<link rel="preload" href="{url}" as="font" type="font/woff2" crossorigin>' for url in urls(fonts)
    )
    styles = "".join(f'<link rel="stylesheet" href="{url}">' for url in urls(MATH_STYLES))
    return _insert_before_first(output, "link", urls(extra_css), "</head>", preloads + styles)


# ---- The hooks ------------------------------------------------------------------------------------------

_renderer: MathRenderer | None = None


def page_name(page, config) -> str:
    """The page's source as a reader of the log finds it: docs/parameters.md (docs_zh/... for the other edition)."""
    return f"{Path(config['docs_dir']).name}/{page.file.src_uri}"


def _fail(error: MathError):
    from mkdocs.exceptions import PluginError

    return PluginError(f"math: {error}")


def on_config(config):
    """A fresh set of wanted formulas for each (re)build; the cache lives under .cache/katex/ of the project."""
    global _renderer
    root = Path(config["config_file_path"]).resolve().parent
    _renderer = MathRenderer(root / CACHE_SUBDIR)
    return config


def on_page_content(html_text: str, page, config, files):
    """Note the page's formulas (rendered in one batch in on_env, once every page is known)."""
    if _renderer is not None and html_text:
        try:
            _renderer.want(formulas_in(html_text), page_name(page, config))
        except MathError as error:
            raise _fail(MathError(f"{page_name(page, config)}: {error}")) from error
    return html_text


def on_env(env, config, files):
    """Render every page's new formulas in one Node process, before the pages are written."""
    if _renderer is not None:
        try:
            _renderer.render_wanted()
        except MathError as error:
            raise _fail(error) from error
    return env


def on_post_page(output: str, page, config):
    """Put the rendered math in the page and link KaTeX's stylesheet; no math script is added."""
    if _renderer is None or not MATH_ELEMENT.search(output):
        return output
    name = page_name(page, config)
    try:
        output = _renderer.render_page(output, name)
    except MathError as error:
        raise _fail(MathError(f"{name}: {error}") if name not in str(error) else error) from error
    return add_math_styles(output, page.url, config.get("extra_css") or [])
