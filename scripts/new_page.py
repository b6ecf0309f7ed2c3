"""Start a new page from the template trio: docs/NAME.md, snippets/NAME.py, tests/test_NAME.py, and a nav entry.

Usage: python scripts/new_page.py NAME [--title "Page title"]
NAME is lower_snake_case; it names the page, its snippet (a Python module) and its test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import keyword
import re
import sys
from pathlib import Path

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


def add_to_nav(config_text: str, name: str, title: str) -> str:
    """mkdocs.yml text with `- title: name.md` after the last entry of its nav, the rest kept as it was."""
    if not title.strip() or "\n" in title:
        raise ValueError("the title must be one non-empty line")
    nav_block(config_text)
    found = NAV.search(config_text)
    block = found.group(1)
    indent = re.match(r"[ \t]*", block).group(0) if block.strip() else "  "
    label = title if re.fullmatch(r"[\w ()×.,-]+", title) else json.dumps(title, ensure_ascii=False)
    entry = f"{indent}- {label}: {name}.md"
    if not block.strip():
        return config_text[: found.start(1)] + entry + "\n" + config_text[found.start(1) :]
    end = found.start(1) + len(block.rstrip())
    return config_text[:end] + "\n" + entry + config_text[end:]


def fill(text: str, name: str, title: str) -> str:
    """A template with its NAME and TITLE placeholders filled in."""
    return text.replace(PLACEHOLDER_TITLE, title).replace(PLACEHOLDER_NAME, name)


def create(name: str, title: str | None = None, root: Path = ROOT) -> list[Path]:
    """Copy the template trio for name into docs/, snippets/ and tests/, add it to nav; return the new files."""
    check_name(name, root)
    title = title or title_from(name)
    config = root / "mkdocs.yml"
    new_config = add_to_nav(read(config), name, title)
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
    args = parser.parse_args(argv)
    try:
        written = create(args.name, args.title)
    except ValueError as error:
        sys.exit(f"error: {error}")
    for path in written:
        print(f"created {path.relative_to(ROOT)}")
    print(f"added {args.name}.md to the nav in mkdocs.yml")
    print(f"next: make serve, open http://127.0.0.1:8000/{args.name}/, then pytest tests/test_{args.name}.py")


if __name__ == "__main__":
    main()
