"""Start a new page from the template trio: docs/NAME.md, snippets/NAME.py, tests/test_NAME.py, and a nav entry.

Usage: python scripts/new_page.py NAME [--title "Page title"] [--after PAGE]
NAME is lower_snake_case; it names the page, its snippet (a Python module) and its test.
The page goes into the nav right after PAGE (a page's file or title, e.g. calculator), or by
default before the contributor pages ("Write a page"), at the end of the guide itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import keyword
import re
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER_NAME, PLACEHOLDER_TITLE = "NAME", "TITLE"
TEMPLATES = {  # template file -> where its copy goes; NAME is replaced in paths and text
    "templates/page.md": "docs/NAME.md",
    "templates/snippet.py": "snippets/NAME.py",
    "templates/test_page.py": "tests/test_NAME.py",
}
RESERVED = {"index", "kf", "conftest", "templates", "assets"}
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


def check_name(name: str, root: Path = ROOT) -> str:
    """Return name if a new page may take it; else raise ValueError saying why."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise ValueError(
            f"bad page name {name!r}: use lower_snake_case, start with a letter, at most 40 characters "
            "(it becomes a Python module name, snippets/NAME.py)"
        )
    if name in RESERVED or keyword.iskeyword(name):
        raise ValueError(f"page name {name!r} is reserved; choose another")
    for destination in TEMPLATES.values():
        path = root / destination.replace(PLACEHOLDER_NAME, name)
        if path.exists():
            raise ValueError(f"{path.relative_to(root)} already exists: page {name!r} exists; choose another name")
    if name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None:
        raise ValueError(f"page name {name!r} is already a Python module; snippets/{name}.py would shadow it")
    if re.search(rf"(^|[\s:/]){re.escape(name)}\.md\s*$", nav_block(read(root / "mkdocs.yml")), re.M):
        raise ValueError(f"mkdocs.yml's nav already lists {name}.md")
    return name


def read(path: Path) -> str:
    """A text file's contents, or a clear error naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path} is missing: run this script inside the project") from None


def title_from(name: str) -> str:
    """A page title from its name: 'stride_and_padding' -> 'Stride and padding'."""
    return name.replace("_", " ").capitalize()


NAV = re.compile(r"^nav:[ \t]*\n((?:[ \t-].*\n?|[ \t]*\n)*)", re.M)


def nav_block(config_text: str) -> str:
    """The `nav:` block of mkdocs.yml as text; ValueError if there is none."""
    found = NAV.search(config_text)
    if not found:
        raise ValueError("mkdocs.yml has no top-level nav: block to add the page to")
    return found.group(1)


NAV_ENTRY = re.compile(  # one page of the nav: `- Title: page.md`, `- "Quoted: title": dir/page.py` or `- page.md`
    r"^(?P<indent>[ \t]*)- (?:(?P<label>.+?):[ \t]+)?(?P<target>[^\s:#]+\.(?:md|py|ipynb))[ \t]*(?:#.*)?$"
)
CONTRIBUTOR_PAGES = ("write_a_page.md",)  # a new page goes before these (the end of the guide proper)


class NavPage(NamedTuple):
    """One page entry of the nav block: its line (0-based), indent, title ('' if none) and file."""

    line: int
    indent: str
    title: str
    target: str


def nav_pages(block: str) -> list[NavPage]:
    """The pages of a nav block, in order."""
    pages = []
    for index, line in enumerate(block.splitlines()):
        entry = NAV_ENTRY.match(line)
        if entry:
            title = (entry["label"] or "").strip().strip("\"'")
            pages.append(NavPage(index, entry["indent"], title, entry["target"]))
    return pages


NAV_SECTION = re.compile(r"^[ \t]*- (?P<label>[^:#]+?):[ \t]*(?:#.*)?$")  # `- Experiments:`, pages below it


def find_page(block: str, wanted: str) -> NavPage:
    """The nav entry that wanted names (its file, with or without suffix, or its title); ValueError if none or many."""
    pages = nav_pages(block)
    key = wanted.strip().removeprefix("docs/")
    found = [page for page in pages if key in (page.target, page.target.rsplit(".", 1)[0], page.title or None)]
    found = found or [page for page in pages if page.title and key.casefold() == page.title.casefold()]
    if len(found) == 1:
        return found[0]
    known = ", ".join(page.target.rsplit(".", 1)[0] for page in pages) or "none"
    sections = [m["label"].strip().strip("\"'") for m in map(NAV_SECTION.match, block.splitlines()) if m]
    if not found and key.casefold() in [section.casefold() for section in sections]:
        raise ValueError(f"--after {wanted!r} is a section of the nav, not a page: name the page to follow")
    if not found:
        raise ValueError(f"--after {wanted!r}: no such page in mkdocs.yml's nav (its pages: {known})")
    raise ValueError(f"--after {wanted!r} names {len(found)} pages in the nav; give the file, e.g. {found[0].target}")


def add_to_nav(config_text: str, name: str, title: str, after: str | None = None) -> str:
    """mkdocs.yml text with `- title: name.md` in its nav, the rest kept as it was.

    The entry goes right after the page `after` (same nesting), else before the first contributor page
    (Write a page), else at the end of the nav.
    """
    if not title.strip() or "\n" in title:
        raise ValueError("the title must be one non-empty line")
    nav_block(config_text)
    found = NAV.search(config_text)
    block = found.group(1)
    pages = nav_pages(block)
    label = title if re.fullmatch(r"[\w ()×.,-]+", title) else json.dumps(title, ensure_ascii=False)
    lines = block.rstrip().splitlines()
    trailing = block[len(block.rstrip()) :]  # the blank lines and newline after the last entry, kept
    if after is not None:
        follow = find_page(block, after)
        position, indent = follow.line + 1, follow.indent
    else:
        contributor = [page for page in pages if page.target in CONTRIBUTOR_PAGES]
        if contributor:
            position, indent = contributor[0].line, contributor[0].indent
        else:
            position = len(lines)
            indent = re.match(r"[ \t]*", block).group(0) if block.strip() else "  "
    lines.insert(position, f"{indent}- {label}: {name}.md")
    new_block = "\n".join(lines) + (trailing if trailing.startswith("\n") else "\n" + trailing)
    return config_text[: found.start(1)] + new_block + config_text[found.end(1) :]


def nav_position(config_text: str, name: str) -> str:
    """Where name.md sits in the nav, in words: between which two pages, after which, or alone."""
    pages = nav_pages(nav_block(config_text))
    titles = [page.title or page.target for page in pages]
    index = [page.target for page in pages].index(f"{name}.md")
    before = f'"{titles[index - 1]}"' if index > 0 else None
    after = f'"{titles[index + 1]}"' if index + 1 < len(titles) else None
    if before and after:
        return f"between {before} and {after}"
    if before or after:
        return f"after {before}" if before else f"before {after}"
    return "as its only page"


def fill(text: str, name: str, title: str) -> str:
    """A template with its NAME and TITLE placeholders filled in."""
    return text.replace(PLACEHOLDER_TITLE, title).replace(PLACEHOLDER_NAME, name)


def create(name: str, title: str | None = None, root: Path = ROOT, after: str | None = None) -> list[Path]:
    """Copy the template trio for name into docs/, snippets/ and tests/, add it to nav; return the new files."""
    check_name(name, root)
    title = title or title_from(name)
    config = root / "mkdocs.yml"
    new_config = add_to_nav(read(config), name, title, after)
    written = []
    for template, destination in TEMPLATES.items():
        target = root / destination.replace(PLACEHOLDER_NAME, name)
        target.write_text(fill(read(root / template), name, title), encoding="utf-8")
        written.append(target)
    config.write_text(new_config, encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> None:
    """Create the page, or exit with a message saying what is wrong."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="lower_snake_case page name, e.g. stride_and_padding")
    parser.add_argument("--title", help="page title (default: from the name)")
    parser.add_argument("--after", metavar="PAGE", help="put it in the nav after this page (file or title)")
    args = parser.parse_args(argv)
    try:
        written = create(args.name, args.title, after=args.after)
    except ValueError as error:
        sys.exit(f"error: {error}")
    for path in written:
        print(f"created {path.relative_to(ROOT)}")
    where = nav_position(read(ROOT / "mkdocs.yml"), args.name)
    print(f"added {args.name}.md to the nav in mkdocs.yml, {where}")
    print(f"next: make serve, open http://127.0.0.1:8000/{args.name}/, then pytest tests/test_{args.name}.py")


if __name__ == "__main__":
    main()
