"""Notebook CSS: nbconvert's inline theme moved to a shared file, then pruned per page to the rules it can use."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from shared import notebook_source

# nbconvert's theme CSS, inlined by mkdocs-jupyter: the same ~575 KB <style> block on every notebook page.
INLINE_STYLE = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style>", re.S)
SHARED_STYLE_MIN_BYTES = 20_000  # smaller <style> blocks stay inline
SHARED_STYLE_DIR = "assets/notebook"


def share_large_styles(html_text: str, page_url: str, site_dir: str | Path) -> str:
    """Move large inline <style> blocks into content-addressed CSS files in the site, linked in place.

    Each notebook page then loads the same cached file instead of carrying its own copy. The name is
    the CSS's hash, so two builds write the same bytes and a changed theme gets a new URL.
    """
    from mkdocs.utils import get_relative_url

    def to_link(match: re.Match[str]) -> str:
        css = match["css"]
        if len(css.encode()) < SHARED_STYLE_MIN_BYTES:
            return match[0]
        name = f"{SHARED_STYLE_DIR}/{hashlib.sha256(css.encode()).hexdigest()[:16]}.css"
        target = Path(site_dir) / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")
        return f'<link rel="stylesheet" href="{html.escape(get_relative_url(name, page_url))}">'

    return INLINE_STYLE.sub(to_link, html_text)


# --- Notebook CSS: each notebook page loads only the rules of nbconvert's theme that it uses (issue 15) ---

_PSEUDO = re.compile(r"::?[\w-]+(?:\((?:[^()]|\([^()]*\))*\))?")  # :hover, ::before, :not(.a, .b), :is(:x(y))
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_CLASS_OR_ID = re.compile(r"([.#])((?:[\w-]|\\.)+)")
_VAR_USE = re.compile(r"var\(\s*(--[\w-]+)")
# Classes that scripts add in the browser (Material wraps tables in .md-typeset__scrollwrap, a11y.js adds
# .kf-more, ...): absent from the built HTML, so a selector naming one is matched without it.
_RUNTIME_CLASS = re.compile(r"\.(?:md|kf)-[\w-]+")
_full_notebook_css: dict[str, str] = {}  # shared file name -> its CSS, read once (serve rebuilds reuse it)


def _selectors(prelude: str) -> list[str]:
    """Split a selector list on its top-level commas (not those inside :not(...) and the like)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    return [p.strip() for p in [*parts, prelude[start:]] if p.strip()]


def _may_match(selector: str, soup, classes: set[str], ids: set[str]) -> bool:
    """Whether selector can match in the page, any state assumed: hover, focus, open and the like all count.

    Pseudo-classes, pseudo-elements and attribute tests are dropped before matching, so the test errs on
    the side of keeping a rule; a selector soupsieve cannot parse is kept too.
    """
    static = _RUNTIME_CLASS.sub("", _ATTRIBUTE.sub("", selector))
    while _PSEUDO.search(static):
        static = _PSEUDO.sub("", static)
    for kind, name in _CLASS_OR_ID.findall(static):  # cheap first: every class and id it names must exist
        if name.replace("\\", "") not in (classes if kind == "." else ids):
            return False
    static = re.sub(r"([>+~])\s*(?=[>+~]|$)", r"\1 *", static.strip()) or "*"
    try:
        return soup.select_one(static) is not None
    except Exception:  # soupsieve's SelectorSyntaxError and friends: keep what cannot be checked
        return True


def _declarations(content, used_vars: set[str] | None) -> str:
    """A rule's declarations as CSS text; custom properties no kept rule uses are left out (if used_vars given)."""
    import tinycss2

    kept = []
    for decl in tinycss2.parse_declaration_list(content, skip_comments=True, skip_whitespace=True):
        if decl.type != "declaration":
            continue
        if used_vars is not None and decl.name.startswith("--") and decl.name not in used_vars:
            continue
        kept.append(f"{decl.name}:{tinycss2.serialize(decl.value).strip()}{' !important' if decl.important else ''}")
    return ";".join(kept)


def _used_rules(rules, soup, classes: set[str], ids: set[str]) -> list:
    """The rules (with @media blocks pruned inside) that may match the page; other at-rules are kept."""
    import tinycss2

    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if any(_may_match(s, soup, classes, ids) for s in _selectors(tinycss2.serialize(rule.prelude))):
                kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content is not None:
            inner = _used_rules(tinycss2.parse_rule_list(rule.content, True, True), soup, classes, ids)
            if inner:
                kept.append((rule, inner))
        elif rule.type == "at-rule":
            kept.append(rule)
    return kept


def _serialize(kept, used_vars: set[str]) -> str:
    """CSS text of the kept rules, dropping unused custom properties."""
    import tinycss2

    out = []
    for item in kept:
        if isinstance(item, tuple):
            rule, inner = item
            condition = tinycss2.serialize(rule.prelude).strip()
            out.append(f"@{rule.at_keyword} {condition}{{{_serialize(inner, used_vars)}}}")
        elif item.type == "qualified-rule":
            declarations = _declarations(item.content, used_vars)
            if declarations:
                out.append(f"{tinycss2.serialize(item.prelude).strip()}{{{declarations}}}")
        else:
            out.append(item.serialize())
    return "\n".join(out)


def _used_custom_properties(kept_css: str, page_html: str) -> set[str]:
    """Custom properties (--x) used by the kept CSS or the page, following var() chains to a fixed point."""
    definitions: dict[str, set[str]] = {}
    for name, value in re.findall(r"(--[\w-]+)\s*:([^;{}]*)", kept_css):
        definitions.setdefault(name, set()).update(_VAR_USE.findall(value))
    outside_definitions = re.sub(r"--[\w-]+\s*:[^;{}]*", "", kept_css)
    used = set(_VAR_USE.findall(outside_definitions)) | set(_VAR_USE.findall(page_html))
    frontier = list(used)
    while frontier:
        for name in definitions.get(frontier.pop(), ()):
            if name not in used:
                used.add(name)
                frontier.append(name)
    return used


def prune_css(css: str, page_html: str) -> str:
    """The rules of css that may apply to page_html, in their order, without unused custom properties."""
    import tinycss2
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    classes = {c for tag in soup.find_all(class_=True) for c in tag.get("class", [])}
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    kept = _used_rules(tinycss2.parse_stylesheet(css, True, True), soup, classes, ids)
    with_all_vars = _serialize(kept, None)  # type: ignore[arg-type]
    return _serialize(kept, _used_custom_properties(with_all_vars, page_html))


PRUNED_CACHE_SUBDIR = Path(".cache") / "notebook-css"
_PRUNER_CODE = Path(__file__).read_bytes()  # the pruner's own code is part of every key: a fix re-prunes
_pruned: dict[str, str] = {}  # key -> pruned CSS, kept by the serve process between rebuilds


def pruned_key(css: str, page_html: str) -> str:
    """What prune_css(css, page_html) depends on: the theme CSS, the page and this module's code."""
    digest = hashlib.sha256(_PRUNER_CODE)
    for part in (css, page_html):
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def cached_prune_css(css: str, page_html: str, cache_dir: Path | None) -> str:
    """prune_css(css, page_html), looked up first in memory and in cache_dir (a file per key); stored after.

    Pruning takes about two seconds per notebook page (parsing 575 KB of CSS, matching every selector),
    and a warm build prunes the same CSS for the same page HTML again: the key is that input, so an
    entry is never stale.
    """
    key = pruned_key(css, page_html)
    if key in _pruned:
        return _pruned[key]
    path = cache_dir / f"{key}.css" if cache_dir is not None else None
    try:
        pruned = path.read_text(encoding="utf-8") if path is not None else None
    except OSError:
        pruned = None
    if pruned is None:
        pruned = prune_css(css, page_html)
        if path is not None:
            from exec_cache import write_atomically

            write_atomically(path, pruned)
    _pruned[key] = pruned
    return pruned


def prune_notebook_styles(output: str, page_url: str, site_dir: str | Path, cache_dir: Path | None = None) -> str:
    """Point a notebook page at its own content-addressed copy of the shared theme CSS, pruned to what it uses."""
    from mkdocs.utils import get_relative_url

    def to_pruned(match: re.Match[str]) -> str:
        name = SHARED_STYLE_DIR + "/" + match["file"]
        full = Path(site_dir) / name
        if name not in _full_notebook_css:
            if not full.is_file():
                return match[0]  # nothing to prune from: keep the link as it is
            _full_notebook_css[name] = full.read_text(encoding="utf-8")
        pruned = cached_prune_css(_full_notebook_css[name], output, cache_dir)
        pruned_name = f"{SHARED_STYLE_DIR}/{hashlib.sha256(pruned.encode()).hexdigest()[:16]}.css"
        target = Path(site_dir) / pruned_name
        if not target.is_file():
            target.write_text(pruned, encoding="utf-8")
        _UNPRUNED_FILES.add(full)
        return f'href="{html.escape(get_relative_url(pruned_name, page_url))}"'

    shared = re.compile(rf'href="(?:\.\./)*{re.escape(SHARED_STYLE_DIR)}/(?P<file>[0-9a-f]{{16}}\.css)"')
    return shared.sub(to_pruned, output)


_UNPRUNED_FILES: set[Path] = set()


def remove_unpruned_notebook_css() -> None:
    """Delete the full theme CSS files once every notebook page links its pruned copy instead."""
    while _UNPRUNED_FILES:
        _UNPRUNED_FILES.pop().unlink(missing_ok=True)


def on_page_content(html_text: str, page, config, files):
    """On notebook pages, move the large inline theme CSS into a shared content-addressed file."""
    if not notebook_source(page):
        return html_text
    return share_large_styles(html_text, page.url, config["site_dir"])


def on_post_page(output: str, page, config):
    """Point a notebook page at its pruned copy of the theme CSS."""
    if config.get("site_dir"):
        root = Path(config["config_file_path"]).resolve().parent if config.get("config_file_path") else None
        cache_dir = root / PRUNED_CACHE_SUBDIR if root is not None else None
        output = prune_notebook_styles(output, page.url, config["site_dir"], cache_dir)
    return output


def on_post_build(config):
    """Drop the full theme CSS files, which no page links any more."""
    remove_unpruned_notebook_css()
