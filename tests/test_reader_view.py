"""What the reader sees, on every built page: clean prose, results before code, notebook cell tags honoured.

The rules live in tests/reader_view.py; each is proven here on a small page that breaks it, then run over
every page of the built site (found on disk, so a new page is covered without being listed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from reader_view import RULES, code_before_first_result, prose_problems, visible_prose

from conftest import ROOT

CODE_BUDGET = 15  # visible code lines allowed before the first result (issue 12)
BUDGET_EXEMPT = {"write_a_page", "zh/write_a_page"}  # its code is the point (in both editions)


def page(body: str) -> str:
    """A minimal Material-like page: body inside <article>."""
    return f"<html><body><div class='md-content'><article class='md-content__inner md-typeset'>{body}</article></div></body></html>"


def tabs(first: str, second: str, labels: tuple[str, str], checked: int = 0) -> str:
    """pymdownx.tabbed (alternate style) markup, as markdown-exec writes it for source="tabbed-*"."""
    boxes = "".join(f'<input {"checked" if i == checked else ""} id="t_{i}" name="t" type="radio" />' for i in range(2))
    label = "".join(f'<label for="t_{i}">{text}</label>' for i, text in enumerate(labels))
    return (
        f'<div class="tabbed-set tabbed-alternate" data-tabs="1:2">{boxes}<div class="tabbed-labels">{label}</div>'
        f'<div class="tabbed-content"><div class="tabbed-block">{first}</div>'
        f'<div class="tabbed-block">{second}</div></div></div>'
    )


def code(lines: int) -> str:
    """A highlighted code block of n lines."""
    return '<div class="highlight"><pre><code>' + "\n".join(f"x{i} = {i}" for i in range(lines)) + "</code></pre></div>"


TABLE = "<table><tr><th>Layer</th><td>640</td></tr></table>"

# One page per rule, each breaking exactly that rule in the visible prose.
BROKEN = {
    "leaked escape": [
        r'<div class="admonition failure"><p class="admonition-title">Wrong: \"more than 2.5 times\"</p></div>',
        r"<p>It\'s small.</p>",
        r"<p>line one\nline two</p>",
        r"<p>the set \{1, 2\}</p>",
        r"<p>kernel\_size</p>",
    ],
    "unrendered placeholder": ["<p>The layer has {params} parameters.</p>", "<p>It has {s.params} weights.</p>"],
    "missing number": [
        "<p>Accuracy: nan</p>",
        "<p>The ratio is inf.</p>",
        "<td>NaN</td>",
        "<p>Parameters: None</p>",
    ],
    "template or snippet leftover": [
        "<p>--8&lt;-- &quot;snippets/x.py:compute&quot;</p>",
        "<p>&lt;!-- One paragraph: the question this page answers. --&gt;</p>",
        "<h1>TITLE</h1>",
        "<p>TODO: say why</p>",
    ],
    "raw Markdown": [
        "<p>```python exec=&quot;on&quot;</p>",
        "<p>The **bold** did not render.</p>",
        '<p>!!! success "Right"</p>',
        '<p>??? info "Code"</p>',
        "<p>[Keras](https://keras.io/)</p>",
    ],
}
CLEAN = page(
    "<h1>Parameters</h1><p>None of the 640 weights is shared; the ratio is 2.5 (<code>{params}</code> in code is fine).</p>"
    '<p>Math stays for KaTeX: <span class="arithmatex">\\(\\frac{a}{b}\\)</span>. 卷积核 kernel.</p>' + code(3) + TABLE
)


def test_every_rule_has_a_breaking_page() -> None:
    assert set(BROKEN) == set(RULES)


@pytest.mark.parametrize(("rule", "body"), [(rule, body) for rule, bodies in BROKEN.items() for body in bodies])
def test_each_rule_fails_on_a_page_that_breaks_it(rule: str, body: str) -> None:
    problems = prose_problems(page(body))
    assert rule in {p.rule for p in problems}, f"{rule!r} not flagged in {body}: {problems}"


def test_clean_page_passes() -> None:
    assert prose_problems(CLEAN) == []
    assert "{params}" not in visible_prose(BeautifulSoup(CLEAN, "html.parser").find("article"))


def test_page_without_article_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no <article>"):
        prose_problems("<html><body><p>hi</p></body></html>")


# --- Results first: the budget of visible code before the first result ---


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (code(16) + TABLE, 16),  # code first, in plain view
        (tabs(code(16), "<pre>ok</pre>", ("Code", "Output")), 16),  # source="tabbed-left": code tab selected
        (tabs("<pre>ok</pre>", code(40), ("Output", "Code")), 0),  # source="tabbed-right": result first
        (tabs(code(40), TABLE, ("Code", "Table"), checked=1), 0),  # whichever tab is checked is what shows
        ("<details class='info'><summary>Code</summary>" + code(40) + "</details>" + TABLE, 0),  # collapsed
        ("<details class='info' open><summary>Code</summary>" + code(20) + "</details>" + TABLE, 20),  # open
        (
            '<div class="jp-Cell"><details class="kf-code"><summary>Show code</summary>'
            + code(40)
            + '</details><div class="jp-OutputArea-output"><p>0.98</p></div></div>',
            0,
        ),  # a notebook cell tagged hide-input
        (code(5) + '<div class="admonition success"><p class="admonition-title">Right</p></div>' + code(30), 5),
        (  # a notebook output that is only a folded source listing is not a result
            '<div class="jp-OutputArea-output"><details class="kf-code info"><summary>Source</summary>'
            + code(50)
            + "</details></div>"
            + code(16)
            + TABLE,
            16,
        ),
    ],
)
def test_code_before_first_result(body: str, expected: int) -> None:
    assert code_before_first_result(page(body))[0] == expected


# --- The built site ---


def built_pages(site: Path) -> list[Path]:
    """Every HTML page of the built site: new pages are found, not listed."""
    return sorted(p for p in site.rglob("*.html") if not p.is_relative_to(site / "assets"))


def page_name(site: Path, path: Path) -> str:
    """'myths' for site/myths/index.html, '' for the home page, '404.html' for others."""
    relative = path.relative_to(site)
    return relative.parent.as_posix().strip(".") if relative.name == "index.html" else relative.as_posix()


@pytest.mark.slow
def test_visible_text_is_clean_on_every_page(built_site: Path, built_zh_site: Path) -> None:
    pages = built_pages(built_site)  # both editions: the Chinese one is built into <built_site>/zh/
    assert len(pages) >= 15, "the site lost pages"
    found = {page_name(built_site, p) or "index": prose_problems(p.read_text(encoding="utf-8")) for p in pages}
    bad = {name: [str(p) for p in problems] for name, problems in found.items() if problems}
    assert not bad, "visible text a reader should not see:\n" + json.dumps(bad, indent=1, ensure_ascii=False)


@pytest.mark.slow
def test_results_come_before_code_on_every_page(built_site: Path, built_zh_site: Path) -> None:
    over = {}
    for path in built_pages(built_site):
        name = page_name(built_site, path)
        lines, result = code_before_first_result(path.read_text(encoding="utf-8"))
        if name not in BUDGET_EXEMPT and lines > CODE_BUDGET:
            over[name or "index"] = f"{lines} visible code lines before the first result {result or '(none)'}"
    assert not over, f"more than {CODE_BUDGET} lines of code before the first result:\n{json.dumps(over, indent=1)}"


@pytest.mark.slow
def test_budget_fails_on_a_real_page_with_code_first(built_site: Path) -> None:
    """The answer page with every tab set switched to its Code tab (as source="tabbed-left" did) breaks it."""
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert code_before_first_result(html)[0] <= CODE_BUDGET
    soup = BeautifulSoup(html, "html.parser")
    for tab_set in soup.select(".tabbed-set"):
        labels = [label.get_text(strip=True) for label in tab_set.select(".tabbed-labels > label")]
        for box, label in zip(tab_set.find_all("input", recursive=False), labels, strict=True):
            if label == "Code":
                box["checked"] = "checked"
            else:
                del box["checked"]
    assert code_before_first_result(str(soup))[0] > CODE_BUDGET


# --- Notebook cell tags (scripts/nbconvert_templates/kf_notebook.html.j2) ---

NOTEBOOKS = sorted(p.stem for p in (ROOT / "docs" / "experiments").glob("*.py"))


def tagged_cells(name: str, tag: str) -> list[str]:
    """Sources of the cells of docs/experiments/<name>.py that carry tag."""
    import jupytext

    notebook = jupytext.read(ROOT / "docs" / "experiments" / f"{name}.py")
    return [c.source for c in notebook.cells if tag in c.metadata.get("tags", [])]


def first_line(source: str) -> str:
    """The first code line of a cell that is not a comment, as it appears in highlighted HTML text."""
    return next(line for line in source.splitlines() if line.strip() and not line.startswith("#"))


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_cell_tags_render(built_site: Path, name: str) -> None:
    soup = BeautifulSoup((built_site / "experiments" / name / "index.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article")
    code_text = " ".join(pre.get_text() for pre in article.select(".jp-InputArea pre"))
    for source in tagged_cells(name, "remove-cell"):
        assert first_line(source) not in code_text, f"{name}: a remove-cell cell is on the page"
    folded = [d for d in article.select("details.kf-code") if d.find(class_="jp-InputArea")]
    assert len(folded) == len(tagged_cells(name, "hide-input")), f"{name}: hide-input cells not all folded"
    for details in folded:
        assert details.summary.get_text(strip=True) == "Show code"
        assert not details.has_attr("open")
        assert details.find("pre") is not None
        assert details.find(class_="jp-OutputArea-output") is None, "an output is hidden with the code"
    listings = [d for d in article.select("details.kf-code") if d.summary.get_text(strip=True).startswith("Source:")]
    calls = sum(source.count("show_source(") for source in tagged_cells(name, "hide-input"))
    assert len(listings) >= min(calls, 1), f"{name}: a show_source listing is not folded"
    for details in listings:
        assert not details.has_attr("open")
        assert "def " in details.find("pre").get_text() or '"""' in details.find("pre").get_text()
    assert not article.select(".celltoolbar"), f"{name}: cell tags are printed on the page"
    twin = json.loads((ROOT / "notebooks" / "experiments" / f"{name}.ipynb").read_text(encoding="utf-8"))
    kept = [c for c in twin["cells"] if "remove-cell" in c["metadata"].get("tags", [])]
    assert len(kept) == len(tagged_cells(name, "remove-cell")), f"{name}: the .ipynb twin lost its set-up cells"


@pytest.mark.slow
def test_template_drops_removed_cells_only_after_they_ran(tmp_path: Path) -> None:
    """A remove-cell cell still runs (a later cell uses it); it is not on the page; hide-input folds only code."""
    notebook = tmp_path / "tags.py"
    notebook.write_text(
        '# %% tags=["remove-cell"]\nhidden_value = 41\n\n# %% tags=["hide-input"]\nprint(hidden_value + 1)\n\n'
        "# %%\nprint('shown')\n",
        encoding="utf-8",
    )
    script = (
        "import sys; sys.path.insert(0, 'scripts'); from hooks import notebooks; notebooks.use_notebook_template()\n"
        "from mkdocs_jupyter.nbconvert2 import nb2html\n"
        f"print(nb2html({str(notebook)!r}, execute=True, allow_errors=False, no_prompt=True))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    soup = BeautifulSoup(done.stdout, "html.parser")
    assert "hidden_value = 41" not in soup.get_text()
    details = soup.select("details.kf-code")
    assert len(details) == 1
    assert "hidden_value + 1" in details[0].get_text()
    outputs = [re.sub(r"\s+", "", o.get_text()) for o in soup.select(".jp-OutputArea-output")]
    assert outputs == ["42", "shown"]
    assert "print('shown')" in " ".join(p.get_text() for p in soup.select("pre") if not p.find_parent("details"))


# --- The convention in the sources: every executed fence that shows code opens on its result ---

EXEC_FENCE = re.compile(r'^(?P<indent>[ \t]*)(?:`{3,}|~{3,})python\b[^\n]*\bexec="on"[^\n]*$', re.M)
MARKDOWN_PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "templates" / "page.md"]


def fences_showing_code_first(markdown: str) -> list[str]:
    """Executed fences whose source is visible before their result: not tabbed-right, not in a folded block."""
    bad = []
    lines = markdown.splitlines()
    for match in EXEC_FENCE.finditer(markdown):
        fence = match[0].strip()
        source = re.search(r'\bsource="([^"]*)"', fence)
        if source is None or source[1] == "tabbed-right":
            continue
        if match["indent"]:
            row = markdown[: match.start()].count("\n")
            opener = next((line for line in reversed(lines[:row]) if line and not line[0].isspace()), "")
            if opener.startswith("??? "):  # inside a folded block (an exercise's answer): one click away
                continue
        bad.append(fence)
    return bad


def test_fence_check_catches_code_first() -> None:
    assert fences_showing_code_first('```python exec="on" source="tabbed-left" tabs="Code|Output"\n```\n')
    assert fences_showing_code_first('```python exec="on" source="above"\n```\n')
    assert fences_showing_code_first('!!! note "Open"\n    ```python exec="on" source="above"\n    ```\n')
    assert not fences_showing_code_first('??? question "Answer"\n    ```python exec="on" source="above"\n    ```\n')
    assert not fences_showing_code_first('```python exec="on" source="tabbed-right" tabs="Code|Output"\n```\n')
    assert not fences_showing_code_first('```python exec="on" session="x"\nprint("prose")\n```\n')


@pytest.mark.parametrize("path", MARKDOWN_PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_executed_fences_open_on_their_result(path: Path) -> None:
    bad = fences_showing_code_first(path.read_text(encoding="utf-8"))
    assert not bad, f'{path.relative_to(ROOT)}: use source="tabbed-right" tabs="Code|..." for {bad}'


def test_source_listing_is_folded_and_names_its_source() -> None:
    from kf.notebook import source_listing
    from kf.render import num

    listing = source_listing(num)
    assert listing.startswith(
        '<details class="kf-code info">\n<summary>Source: <code>num</code> (snippets/kf/render.py)'
    )
    assert "\n\n```python\ndef num(" in listing
    assert listing.endswith("```\n\n</details>")
    with pytest.raises(ValueError, match="at least one"):
        source_listing()
