"""Every in-page and cross-page link with a #fragment in the built site reaches an element with that id."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup


def page_ids(html: str) -> set[str]:
    """The ids (and legacy <a name>) a fragment can point to on one page."""
    soup = BeautifulSoup(html, "html.parser")
    return {tag["id"] for tag in soup.find_all(id=True)} | {
        tag["name"] for tag in soup.find_all("a", attrs={"name": True})
    }


def fragment_links(html: str) -> list[str]:
    """The hrefs with a fragment inside the page's article (the navigation is Material's, and checked by MkDocs)."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup
    return [a["href"] for a in article.find_all("a", href=True) if "#" in a["href"] and a["href"] != "#"]


def broken_anchors(site: Path) -> list[str]:
    """'page: href' for each link whose fragment names no element on the page it reaches."""
    pages = {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8") for path in site.rglob("*.html")}
    ids = {name: page_ids(html) for name, html in pages.items()}
    broken = []
    for name, html in sorted(pages.items()):
        for href in fragment_links(html):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # another site: not ours to check
            target = urlsplit(urljoin(name, parts.path)).path if parts.path else name
            if not target.endswith(".html"):
                target = target.rstrip("/") + "/index.html" if target else "index.html"
            target = target.removeprefix("/")
            if target not in ids or unquote(parts.fragment) not in ids[target]:
                broken.append(f"{name}: {href}")
    return broken


def test_a_fragment_without_its_heading_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<article><h2 id="references">R</h2><a href="#references">ok</a><a href="#exec-1--references">x</a>'
        '<a href="a/#top">ok</a><a href="a/#gone">x</a><a href="https://example.org/#y">other site</a></article>'
    )
    (tmp_path / "a" / "index.html").write_text('<article><h1 id="top">A</h1><a href="../#references">ok</a></article>')
    assert broken_anchors(tmp_path) == ["index.html: #exec-1--references", "index.html: a/#gone"]


def test_every_fragment_in_the_built_site_resolves(built_site: Path) -> None:
    assert broken_anchors(built_site) == []
