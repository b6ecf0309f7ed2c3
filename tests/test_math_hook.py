"""scripts/hooks/math.py: math rendered by KaTeX on Node at build time, cached by content, errors named."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, require

_spec = importlib.util.spec_from_file_location("kf_hooks_math", ROOT / "scripts" / "hooks" / "math.py")
math_hook = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = math_hook
_spec.loader.exec_module(math_hook)

INLINE = '<span class="arithmatex">\\(k^2 \\cdot C_\\text{in} &lt; 10\\)</span>'
DISPLAY = '<div class="arithmatex">\\[\\frac{a}{b}\\]</div>'
PAGE_HEAD = '<head><link rel="stylesheet" href="../assets/stylesheets/extra.css"></head>'
EXTRA_CSS = ["assets/stylesheets/extra.css"]


@pytest.fixture
def node() -> None:
    require(shutil.which("node") is not None, "Node.js")


@pytest.fixture
def renderer(tmp_path: Path, node) -> math_hook.MathRenderer:
    return math_hook.MathRenderer(tmp_path / "cache")


def test_the_source_is_read_from_arithmatex_html() -> None:
    assert math_hook.formulas_in(f"<p>{INLINE}</p>{DISPLAY}") == [
        math_hook.Formula("k^2 \\cdot C_\\text{in} < 10", False),
        math_hook.Formula("\\frac{a}{b}", True),
    ]
    with pytest.raises(math_hook.MathError, match="not in"):
        math_hook.formula_of("$x$")


def test_math_becomes_katex_html_in_its_element(renderer) -> None:
    out = renderer.render_page(f"<p>Inline {INLINE}.</p>{DISPLAY}", "docs/x.md")
    assert "\\(" not in out
    assert "\\[" not in out.split("<annotation")[0]
    inline, display = re.findall(r'<(span|div) class="arithmatex"><span><span class="(katex(?:-display)?)">', out)
    assert inline == ("span", "katex")
    assert display == ("div", "katex-display")
    assert "<mfrac>" in out  # the MathML copy screen readers read, as auto-render drew it
    assert 'encoding="application/x-tex">k^2 \\cdot C_\\text{in} &lt; 10</annotation>' in out
    assert renderer.node_runs == 1


def test_every_page_is_rendered_by_one_node_process(renderer) -> None:
    renderer.want(math_hook.formulas_in(INLINE), "docs/a.md")
    renderer.want(math_hook.formulas_in(DISPLAY), "docs/b.md")
    renderer.render_wanted()
    renderer.render_page(INLINE, "docs/a.md")
    renderer.render_page(DISPLAY + INLINE, "docs/b.md")
    assert renderer.node_runs == 1


def test_a_warm_cache_starts_no_node(tmp_path: Path, node) -> None:
    cold = math_hook.MathRenderer(tmp_path / "cache")
    first = cold.render_page(INLINE + DISPLAY, "docs/x.md")
    warm = math_hook.MathRenderer(tmp_path / "cache")
    assert warm.render_page(INLINE + DISPLAY, "docs/x.md") == first
    assert (cold.node_runs, warm.node_runs) == (1, 0)
    assert len(list((tmp_path / "cache").glob("*.html"))) == 2


def test_the_cache_is_keyed_by_katex_itself(tmp_path: Path, node) -> None:
    other_katex = tmp_path / "katex.min.js"
    other_katex.write_text(math_hook.KATEX_JS.read_text(encoding="utf-8") + "\n// another build\n", encoding="utf-8")
    math_hook.MathRenderer(tmp_path / "cache").render_page(INLINE, "docs/x.md")
    changed = math_hook.MathRenderer(tmp_path / "cache", katex_js=other_katex)
    changed.render_page(INLINE, "docs/x.md")
    assert changed.node_runs == 1


def test_a_formula_katex_cannot_render_names_the_pages(renderer) -> None:
    bad = '<span class="arithmatex">\\(\\frac{a}\\)</span>'
    renderer.want(math_hook.formulas_in(bad), "docs/a.md")
    renderer.want(math_hook.formulas_in(bad), "docs/b.md")
    with pytest.raises(math_hook.MathError, match=r"docs/a\.md, docs/b\.md: KaTeX cannot render \\\(\\frac\{a\}\\\)"):
        renderer.render_wanted()


def test_an_undefined_command_is_an_error_not_red_text(renderer) -> None:
    with pytest.raises(math_hook.MathError, match=r"docs/x\.md.*Undefined control sequence"):
        renderer.render_page('<span class="arithmatex">\\(\\kernelsize\\)</span>', "docs/x.md")


def test_without_node_the_build_says_what_is_missing(renderer, monkeypatch) -> None:
    monkeypatch.setattr(math_hook.shutil, "which", lambda name: None)
    with pytest.raises(math_hook.MathError, match=r"Node\.js is not installed"):
        renderer.render_page(INLINE, "docs/x.md")


def test_a_page_with_math_links_only_the_katex_stylesheet_and_preloads_its_fonts(renderer) -> None:
    page = renderer.render_page(f"<html>{PAGE_HEAD}<body>{INLINE}</body></html>", "parameters/")
    out = math_hook.add_math_styles(page, "parameters/", EXTRA_CSS)
    assert out.index('href="../assets/vendor/katex/katex.min.css"') < out.index("extra.css")
    assert "<script" not in out
    preloaded = re.findall(r'<link rel="preload" href="\.\./assets/vendor/katex/fonts/([\w-]+\.woff2)" as="font"', out)
    assert preloaded == ["KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2"]
    for font in preloaded:
        assert (ROOT / "docs" / "assets" / "vendor" / "katex" / "fonts" / font).is_file()


def test_a_page_without_math_is_left_alone() -> None:
    plain = f"<html>{PAGE_HEAD}<body><p>No formulas, only 3×3.</p></body></html>"
    assert math_hook.add_math_styles(plain, "parameters/", EXTRA_CSS) == plain


def test_the_stylesheet_falls_back_to_the_end_of_head() -> None:
    out = math_hook.add_math_styles(f"<html><head></head><body>{DISPLAY}</body></html>", "", [])
    assert re.search(r'katex\.min\.css"></head>', out)


def test_the_hooks_render_a_page_and_fail_the_build_naming_it(tmp_path: Path, node) -> None:
    from mkdocs.exceptions import PluginError

    config = {"config_file_path": str(tmp_path / "mkdocs.yml"), "docs_dir": str(tmp_path / "docs"), "extra_css": []}
    math_hook.on_config(config)
    page = SimpleNamespace(file=SimpleNamespace(src_uri="parameters.md"), url="parameters/")
    bad = SimpleNamespace(file=SimpleNamespace(src_uri="broken.md"), url="broken/")
    math_hook.on_page_content(f"<p>{INLINE}</p>", page, config, None)
    math_hook.on_env(None, config, None)
    out = math_hook.on_post_page(f"<html><head></head><body>{INLINE}</body></html>", page, config)
    assert 'class="katex"' in out
    assert "katex.min.css" in out
    assert list((tmp_path / ".cache" / "katex").glob("*.html"))  # under the project, not the shell's cwd
    math_hook.on_page_content('<span class="arithmatex">\\(x^\\)</span>', bad, config, None)
    with pytest.raises(PluginError, match=r"docs/broken\.md: KaTeX cannot render"):
        math_hook.on_env(None, config, None)


def test_katex_strict_mode_warnings_are_build_warnings(renderer, caplog) -> None:
    """A warning under MkDocs' logger fails the strict build: here, text typed in math mode."""
    with caplog.at_level("WARNING", logger="mkdocs"):
        renderer.render_page('<span class="arithmatex">\\(é\\)</span>', "docs/x.md")
    assert any(r.name.startswith("mkdocs.") and "docs/x.md" in r.getMessage() for r in caplog.records)
    assert any("unicodeTextInMathMode" in r.getMessage() for r in caplog.records)


def test_katex_fonts_never_swap_in_late() -> None:
    """Every @font-face of the served stylesheet says font-display: optional (a late font would move the text)."""
    from vendor_katex import DEST, with_font_display

    css = (DEST / "katex.min.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\{[^}]*\}", css)
    assert faces
    assert all("font-display:optional" in face for face in faces)
    assert with_font_display("@font-face{src:url(a.woff2)}") == "@font-face{font-display:optional;src:url(a.woff2)}"
    with pytest.raises(ValueError, match="already sets font-display"):
        with_font_display(css)
