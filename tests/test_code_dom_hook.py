"""scripts/hooks/code_dom.py: code blocks lose the token spans that draw nothing, and nothing else."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("kf_hooks_code_dom", ROOT / "scripts" / "hooks" / "code_dom.py")
code_dom = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = code_dom
_spec.loader.exec_module(code_dom)

BLOCK = (
    '<div class="highlight"><pre><span></span><code>'
    '<span class="kn">from</span><span class="w"> </span><span class="nn">kf</span>'
    '<span class="w"> </span><span class="kn">import</span><span class="w"> </span><span class="n">say</span>\n'
    '<span class="n">x</span><span class="w"> </span><span class="o">=</span><span class="w"> </span>'
    '<span class="mi">3</span><span class="p">,</span> <span class="s2">&quot;a&lt;b&quot;</span>\n'
    "</code></pre></div>"
)


def text_of(html: str) -> str:
    """What a reader sees of the HTML: its text, tags removed."""
    return re.sub(r"<[^>]+>", "", html)


def test_name_and_whitespace_spans_are_unwrapped_and_the_text_is_kept() -> None:
    out = code_dom.unwrap_invisible_tokens(BLOCK)
    assert '<span class="n">' not in out
    assert '<span class="w">' not in out
    assert text_of(out) == text_of(BLOCK)
    assert out.count("<span") == BLOCK.count("<span") - 7  # 2 names, 5 whitespace runs


def test_coloured_tokens_keep_their_spans() -> None:
    out = code_dom.unwrap_invisible_tokens(BLOCK)
    for token in ("kn", "nn", "o", "mi", "p", "s2"):
        assert out.count(f'<span class="{token}">') == BLOCK.count(f'<span class="{token}">'), token


def test_notebook_cells_without_a_code_element_are_unwrapped_too() -> None:
    cell = '<div class="highlight-ipynb hl-python"><pre><span></span><span class="n">x</span><span class="w"> </span>'
    cell += '<span class="o">=</span> <span class="mi">1</span>\n</pre></div>'
    unwrapped = '<div class="highlight-ipynb hl-python"><pre><span></span>x <span class="o">=</span>'
    unwrapped += ' <span class="mi">1</span>\n</pre></div>'
    assert code_dom.unwrap_invisible_tokens(cell) == unwrapped


def test_spans_outside_code_are_left_alone() -> None:
    prose = '<p><span class="n">n</span> and <span class="w">w</span></p>'
    assert code_dom.unwrap_invisible_tokens(prose + BLOCK).startswith(prose)


def test_unwrapping_twice_changes_nothing() -> None:
    once = code_dom.unwrap_invisible_tokens(BLOCK)
    assert code_dom.unwrap_invisible_tokens(once) == once


def material_css() -> str:
    """Material's main stylesheet as installed (the one the site ships)."""
    import material

    found = sorted((Path(material.__file__).parent / "templates/assets/stylesheets").glob("main.*.min.css"))
    assert found, "Material's main stylesheet not found"
    return found[0].read_text(encoding="utf-8")


def test_material_draws_names_in_the_code_colour_so_unwrapping_them_changes_nothing() -> None:
    """The hook's premise: a name span's colour is the colour of the code around it, in both schemes."""
    css = material_css()
    assert "--md-code-hl-name-color:var(--md-code-fg-color)" in css
    rules = re.findall(r"([^{}]*\.highlight \.(?:n|w)\b[^{}]*)\{([^}]*)\}", css)
    assert rules
    assert all(body == "color:var(--md-code-hl-name-color)" for _, body in rules), rules
    extra = (ROOT / "docs" / "assets" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert not re.search(r"--md-code-hl-name-color\s*:", extra), "extra.css recolours names: keep their spans"
