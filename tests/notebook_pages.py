"""Shared checks for the built experiment notebook pages (used by test_training, test_filters, test_erf, ...)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import ROOT

COLAB = (
    "https://colab.research.google.com/github/kernels-and-filters/kernels-and-filters/blob/main/notebooks/experiments/"
)
EXTERNAL_URL = re.compile(r"^(?:https?:)?//", re.I)
NOT_FETCHED = {"canonical", "alternate"}  # <link rel> values a browser does not download


def external_resources(html: str) -> list[str]:
    """URLs of scripts, stylesheets, images, frames and other fetched resources outside the site."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(["script", "img", "iframe", "link", "source", "video", "audio"]):
        url = tag.get("href" if tag.name == "link" else "src") or ""
        if tag.name == "link" and NOT_FETCHED & set(tag.get("rel", [])):
            continue
        if EXTERNAL_URL.match(url):
            found.append(url)
    found += re.findall(r"@import\s+url\(\s*['\"]?((?:https?:)?//[^'\")]+)", html)
    return found


def page_html(site: Path, name: str) -> str:
    """The built HTML of docs/experiments/<name>.py."""
    return (site / "experiments" / name / "index.html").read_text(encoding="utf-8")


def article_text(html: str) -> str:
    """The visible text of the page's article, whitespace folded."""
    soup = BeautifulSoup(html, "html.parser")
    return re.sub(r"\s+", " ", soup.find("article").get_text(" "))


def check_notebook_page(site: Path, name: str) -> str:
    """Common facts of every notebook page; returns the article text."""
    html = page_html(site, name)
    assert not external_resources(html), f"external resources on {name}: {external_resources(html)[:3]}"
    assert "x-mathjax-config" not in html
    assert "cdnjs" not in html
    assert "jsdelivr" not in html
    text = article_text(html)
    assert "Traceback (most recent call last)" not in text, f"{name} shows an exception"
    soup = BeautifulSoup(html, "html.parser")
    link = soup.select_one("p.kf-notebook-links a[download]")
    assert link is not None, "no notebook download link"
    assert link["href"] == f"{name}.ipynb"
    downloaded = (site / "experiments" / name / f"{name}.ipynb").read_text(encoding="utf-8")
    notebook = json.loads(downloaded)
    assert notebook["nbformat"] == 4
    assert any(c["cell_type"] == "code" for c in notebook["cells"])
    colab = soup.select_one('p.kf-notebook-links a[href^="https://colab.research.google.com/"]')
    assert colab is not None, "no Open in Colab link"
    assert colab.get_text() == "Open in Colab"
    assert colab["href"] == f"{COLAB}{name}.ipynb"
    twin = ROOT / "notebooks" / "experiments" / f"{name}.ipynb"
    assert downloaded == twin.read_text(encoding="utf-8"), "the download is not the notebook Colab opens"
    for svg in soup.select("figure.kf-figure svg[role=img]"):
        assert svg.get("aria-label"), "figure without alt text"
        assert "#0a0b0c" not in str(svg), "a stand-in colour was not themed"
    return text
