"""Error locations: a failing executed block is reported with its file and line (snippets/x.py or the page itself)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from shared import CurrentPage, Project


def block_start(file_lines: list[str], code: str) -> int | None:
    """0-based index of the line where code's lines start in file_lines (compared without indentation), or None."""
    block_lines = code.splitlines()
    first = block_lines[0].strip() if block_lines else ""
    for start, text in enumerate(file_lines):
        if text.strip() == first and all(
            a.strip() == b.strip()
            for a, b in zip(block_lines, file_lines[start : start + len(block_lines)], strict=False)
        ):
            return start
    return None


def snippet_location(title: str, code: str, line_in_block: int) -> str | None:
    """Map line N of an executed block back to 'snippets/x.py, line M' using the block's title."""
    snippets = Project.snippets()
    if snippets is None or not title.startswith(("snippets/", "templates/")):
        return None
    path = snippets.parent / title.split(":")[0]
    if not path.is_file():
        return None
    start = block_start(path.read_text(encoding="utf-8").splitlines(), code)
    return None if start is None else f"{title.split(':')[0]}, line {start + line_in_block}"


def page_location(code: str, line_in_block: int) -> str | None:
    """Map line N of a block written in the page itself to 'docs/x.md, line M'; the page alone if not found."""
    if CurrentPage.source is None:
        return None
    start = block_start(CurrentPage.markdown.splitlines(), code)
    return CurrentPage.relative() + ("" if start is None else f", line {start + line_in_block}")


def block_location(title: str, code: str, line_in_block: int) -> str | None:
    """Where a block's line N was written: its snippet file if its title names one, else the page."""
    return snippet_location(title, code, line_in_block) or page_location(code, line_in_block)


def name_the_snippet(record: logging.LogRecord) -> logging.LogRecord:
    """Prefix markdown-exec's 'exited with errors' warning with the file and line the failing code was written in."""
    if not record.name.startswith("mkdocs.plugins.markdown_exec"):
        return record
    message = record.getMessage()
    found = re.search(r"code block (?:'([^']*)' )?exited with", message)
    if found:
        lines = [int(n) for n in re.findall(r'File "<code block: [^"]*>", line (\d+)', message)]
        code = message.split("Code block is:\n\n", 1)[-1].split("\n\nOutput is:", 1)[0]
        code = "\n".join(line[2:] for line in code.splitlines())
        where = block_location(found.group(1) or "", code, lines[-1] if lines else 1)
        record.msg, record.args = f"{where or found.group(1)}: {message}", ()
    return record


def on_startup(command, dirty):
    """Install the log-record rewrite once per MkDocs process (records are made by a factory)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "names_snippets", False):
        return

    def factory_naming_snippets(*args, **kwargs):
        return name_the_snippet(factory(*args, **kwargs))

    factory_naming_snippets.names_snippets = True
    logging.setLogRecordFactory(factory_naming_snippets)


def on_page_markdown(markdown, page, config, files):
    """Remember which page is rendering, so an error in a block written in it can name its file and line."""
    source = Path(page.file.abs_src_path) if page.file.abs_src_path else None
    CurrentPage.source = source
    CurrentPage.dependencies = {}
    # The file as written (front matter included), so line numbers are the editor's.
    CurrentPage.markdown = source.read_text(encoding="utf-8") if source and source.is_file() else markdown
    return markdown
