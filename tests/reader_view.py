"""What a reader sees on a built page: the visible prose, and how much code stands before the first result.

Both checks read the HTML as built (no browser): collapsed blocks (<details> without `open`) and the
tabs that are not selected by default count as hidden, because the reader must click to see them.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

# Not prose: code, math source for KaTeX, and page furniture that is not text (icons, permalinks, hidden copies).
NOT_PROSE = (
    "pre, code, script, style, template, textarea, .arithmatex, .headerlink, .clipboard-copy-txt, "
    ".md-clipboard, [hidden], .md-source-file"
)
CONTEXT = 30  # characters shown on each side of a problem

# Each rule: a name and the pattern that breaks it in visible prose.
RULES: dict[str, re.Pattern[str]] = {
    "leaked escape": re.compile(r"\\[\"'n{}_]"),
    "unrendered placeholder": re.compile(r"\{[A-Za-z_][\w.]*(?:\[[^\]{}]*\])*(?:![rsa])?(?::[^{}\s]*)?\}"),
    "missing number": re.compile(r"(?<![\w`-])(?:None(?!\s+of\b)|nan|NaN|-?inf|-?Infinity)(?![\w`])"),
    "template or snippet leftover": re.compile(
        r"<!--|-->|--8<--|\[(?:start|end):\w+\]|\bTODO\b|\bFIXME\b|\bTITLE\b|\bNAME\b"
    ),
    "raw Markdown": re.compile(r"```|~~~|\*\*|!!!|\?\?\?|\]\((?:[^)\s]*)\)"),
}


@dataclass(frozen=True)
class Problem:
    """One rule broken on a page, with the text around it."""

    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: …{self.text}…"


def article_of(html: str) -> Tag:
    """The page's <article> (Material's content column), parsed."""
    article = BeautifulSoup(html, "html.parser").find("article")
    if article is None:
        raise ValueError("no <article> in the page: not a Material page")
    return article


def visible_prose(article: Tag) -> str:
    """The article's text without code, math source or hidden furniture, whitespace folded."""
    prose = copy.copy(article)
    for node in prose.select(NOT_PROSE):
        node.decompose()
    return re.sub(r"\s+", " ", prose.get_text(" ")).strip()


def prose_problems(html: str) -> list[Problem]:
    """Every rule the visible prose of the page's article breaks, with the text around it."""
    text = visible_prose(article_of(html))
    return [
        Problem(rule, text[max(0, m.start() - CONTEXT) : m.end() + CONTEXT])
        for rule, pattern in RULES.items()
        for m in pattern.finditer(text)
    ]


# --- Results first: code lines a reader must scroll past before the first result ---

CODE_TAB = "Code"  # the tab label of the source in every executed fence (tabs="Code|Output", CONTRIBUTING)
CODE_TABS = (CODE_TAB, "代码")  # ...and on Chinese pages (tabs="代码|输出")
RESULT_TAGS = {"table", "figure", "img"}  # and figures drawn as <svg role="img"> (not icons)
RESULT_CLASSES = {"admonition", "jp-OutputArea-output"}


def hidden_by_default(node: Tag) -> bool:
    """True if a reader must click to see node: inside a closed <details>, or a tab that is not selected."""
    for parent in [node, *node.parents]:
        if parent.name == "details" and not parent.has_attr("open") and node.find_parent("summary") is None:
            return True
        if "tabbed-block" in (parent.get("class") or []) and tab_label(parent) != default_tab_label(parent):
            return True
    return False


def _tab_set(block: Tag) -> tuple[Tag, int]:
    """The tabbed-set holding a tabbed-block, and the block's position in it."""
    content = block.find_parent(class_="tabbed-content")
    blocks = content.find_all(class_="tabbed-block", recursive=False)
    return content.find_parent(class_="tabbed-set"), blocks.index(block)


def tab_label(block: Tag) -> str:
    """The label of a tabbed-block's tab."""
    tab_set, index = _tab_set(block)
    labels = tab_set.find(class_="tabbed-labels").find_all("label", recursive=False)
    return labels[index].get_text(strip=True)


def default_tab_label(block: Tag) -> str:
    """The label of the tab a reader sees first in block's tab set (the checked radio input)."""
    tab_set, _ = _tab_set(block)
    inputs = tab_set.find_all("input", recursive=False)
    checked = next((i for i, box in enumerate(inputs) if box.has_attr("checked")), 0)
    return tab_set.find(class_="tabbed-labels").find_all("label", recursive=False)[checked].get_text(strip=True)


def is_result(node: Tag) -> bool:
    """A table, figure, verdict box, notebook output, or program output shown in a result tab."""
    if node.name in RESULT_TAGS:
        return True
    if RESULT_CLASSES & set(node.get("class") or []):  # a notebook output holding only a folded listing is not one
        return any(not (isinstance(c, Tag) and c.name == "details") for c in node.contents if str(c).strip())
    if node.name == "svg" and node.get("role") == "img":
        return True
    block = node.find_parent(class_="tabbed-block") if node.name == "pre" else None
    return block is not None and tab_label(block) not in CODE_TABS


def code_before_first_result(html: str) -> tuple[int, str]:
    """Visible code lines before the first visible result, and the result's description ('' if none)."""
    lines = 0
    for node in article_of(html).find_all(True):
        if hidden_by_default(node):
            continue
        if is_result(node):
            return lines, f"<{node.name} class={' '.join(node.get('class') or [])}>"
        if node.name == "pre":
            lines += len(node.get_text().rstrip("\n").splitlines())
    return lines, ""
