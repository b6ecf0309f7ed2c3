"""Read pages of the built site the way a reader sees them: parsed HTML and its visible text."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

PUNCTUATION = ",.:;)%"  # get_text(" ") puts a space before these; a reader sees none
HUGGING_TIMES = PUNCTUATION + "×"  # pages where "2.8×" is written against its number
ZH_PUNCTUATION = PUNCTUATION + "，。：；）、！？"  # Chinese pages: no space before full-width punctuation either


def built_page(site: Path, name: str) -> BeautifulSoup:
    """The built page docs/<name>.md ('' for the home page), parsed."""
    path = site / name / "index.html" if name else site / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(node, punctuation: str = PUNCTUATION) -> str:
    """Visible text with whitespace folded and no space before punctuation."""
    text = re.sub(r"\s+", " ", node.get_text(" "))
    return re.sub(rf"\s+([{re.escape(punctuation)}])", r"\1", text).replace("( ", "(").replace("（ ", "（").strip()


def missing_sentences(page: BeautifulSoup, sentences: list[str], punctuation: str = PUNCTUATION) -> list[str]:
    """The sentences a reader would not find in the page's article (all of them, for one clear failure)."""
    text = text_of(page.find("article"), punctuation)
    return [sentence for sentence in sentences if sentence not in text]


def built_zh_page(zh_site: Path, name: str) -> BeautifulSoup:
    """The built Chinese page docs_zh/<name>.md ('' for the home page), parsed; zh_site is the built_zh_site fixture.

    Pin Chinese sentences with missing_sentences(page, [...], ZH_PUNCTUATION).
    """
    return built_page(zh_site, name)


def table_rows(page: BeautifulSoup, column: str) -> list[list[str]]:
    """The cell texts, row by row (header first), of the article's one table that has a column named column."""
    tables = [t for t in page.find("article").find_all("table") if column in [text_of(th) for th in t.find_all("th")]]
    if len(tables) != 1:
        raise ValueError(f"{len(tables)} tables on the page have a column {column!r}; expected exactly one")
    return [[text_of(cell) for cell in row.find_all(["th", "td"])] for row in tables[0].find_all("tr")]
