"""Execution on and off: KF_EXECUTE=0 shows the code without running it, and a build refuses KF_DRAFT."""

from __future__ import annotations

import os
import re

from shared import execution_enabled


def without_execution(config):
    """Drop markdown-exec's fences and plugin, so exec="on" blocks render as plain code."""
    fences = config.mdx_configs.get("pymdownx.superfences", {}).get("custom_fences", [])
    fences[:] = [f for f in fences if "markdown_exec" not in getattr(f.get("format"), "__module__", "")]
    config.plugins.pop("markdown-exec", None)
    return config


# An executed fence's first line: ```python exec="on" session="x" title="..." ...
EXEC_FENCE = re.compile(r'^(?P<head>[ \t]*(?:`{3,}|~{3,})python)\b(?P<options>[^\n]*\bexec="on"[^\n]*)$', re.M)


def plain_fence(match: re.Match[str]) -> str:
    """The same fence without markdown-exec's options, keeping only its title."""
    title = re.search(r'\btitle="[^"]*"', match["options"])
    return match["head"] + (" " + title.group(0) if title else "")


def refuse_draft_build(command: str, environ=os.environ) -> None:
    """KF_DRAFT=1 (quick stand-ins for missing frozen results) is for `mkdocs serve` only: a build refuses it."""
    if command != "serve" and environ.get("KF_DRAFT", "").strip() not in ("", "0"):
        from mkdocs.exceptions import Abort

        raise Abort(
            "KF_DRAFT is set: draft results are for `mkdocs serve` only; a build uses the committed results "
            "under results/ (refresh them with `make experiments`). Unset KF_DRAFT and build again."
        )


def on_startup(command, dirty):
    """Refuse draft builds."""
    refuse_draft_build(command)


def on_config(config):
    """With execution off, take markdown-exec out of the build."""
    return config if execution_enabled() else without_execution(config)


def on_page_markdown(markdown, page, config, files):
    """With execution off, strip exec options from fences.

    Without markdown-exec, SuperFences rejects a fence whose options it does not know
    (exec, session, source, ...) and leaves its ``` lines as text; the next fence then pairs
    with the wrong ``` and swallows headings, so anchors vanish and the strict build fails.
    """
    if execution_enabled():
        return markdown
    return EXEC_FENCE.sub(plain_fence, markdown)
