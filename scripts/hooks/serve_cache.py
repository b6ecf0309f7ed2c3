"""The serve-only render cache: `mkdocs serve` reuses the render of a Markdown page whose inputs did not change."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from recording import Digests, Recorder
from shared import CurrentPage


class WarningCounter(logging.Handler):
    """Counts the warnings MkDocs logs, so a page whose render warned is never reused."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def inputs_digest(root: Path, docs_dir: Path, src_uris: list[str]) -> str:
    """What every Markdown page's output may depend on besides its own Markdown and what its render read.

    mkdocs.yml, scripts/ (the hooks, and tools pages run), every docs/ file that is not a Markdown
    page (the notebooks whose results the decision guide quotes, the calculator's JavaScript, ...),
    the list of pages (a new or removed page can break or mend a link) and the KF_* settings. Any
    change to these renders every page again. What one page read (snippets/ files it includes or
    imports, data, results, templates) is followed page by page: see ServeRenderCache.
    """
    digest = hashlib.sha256()
    paths = [root / "mkdocs.yml"]
    folders = (root / "scripts", docs_dir)
    for folder in folders:
        paths += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in paths:
        if path.suffix != ".md" or not path.is_relative_to(docs_dir):
            digest.update(f"{path.relative_to(root)}\0".encode() + path.read_bytes() + b"\0")
    digest.update("\n".join(sorted(src_uris)).encode())
    digest.update(repr(sorted((k, v) for k, v in os.environ.items() if k.startswith("KF_"))).encode())
    return digest.hexdigest()


class ServeRenderCache:
    """Saved renders of Markdown pages, kept by the `mkdocs serve` process between rebuilds.

    Serve rebuilds the whole site on every save. A page is reused only when its Markdown and
    inputs_digest() are unchanged, every file its last render read (recorded while it rendered:
    the snippets pymdownx.snippets pulled in, the modules and data its blocks read, including those
    the execution cache recorded for blocks it did not run) is unchanged, and that render logged no
    warning. So a snippet edit renders again only the pages that include or import it. `mkdocs build`
    never reuses anything. KF_SERVE_CACHE=0 turns it off.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.saved: dict[str, tuple[str, dict, dict[str, str]]] = {}  # src_uri -> (key, render, what it read)
        self.inputs = ""
        self.reused = 0
        self.warnings = WarningCounter()
        self.root = Path.cwd()
        self.digests = Digests(self.root)

    def start_build(self, config, files) -> None:
        """Digest this build's inputs (called from on_files)."""
        if not self.enabled:
            return
        if self.warnings not in logging.getLogger("mkdocs").handlers:
            logging.getLogger("mkdocs").addHandler(self.warnings)
        root = Path(config["config_file_path"]).resolve().parent
        uris = [f.src_uri for f in files]
        self.inputs, self.reused = inputs_digest(root, Path(config["docs_dir"]).resolve(), uris), 0
        self.root, self.digests = root, Digests(root)
        Recorder.active[:] = [r for r in Recorder.active if not getattr(r, "serve_page", False)]  # a failed render's

    def key(self, page, markdown: str) -> str:
        """The key of one page's render."""
        return hashlib.sha256(f"{self.inputs}\0{page.file.src_uri}\0{markdown}".encode()).hexdigest()

    def reuse(self, page, markdown: str) -> bool:
        """True if page can take its saved render; otherwise start recording what its render reads."""
        if not self.enabled or not page.file.src_uri.endswith(".md"):
            return False
        key = self.key(page, markdown)
        saved_key, render, read = self.saved.get(page.file.src_uri, ("", None, {}))
        if saved_key == key and not self.digests.changed(read):
            page.kf_saved_render = render
            return True
        page.kf_render_key, page.kf_warnings_before = key, self.warnings.count
        page.kf_recorder = Recorder(self.root)
        page.kf_recorder.serve_page = True
        Recorder.install()
        Recorder.active.append(page.kf_recorder)
        return False

    def restore_or_save(self, html_text: str, page, files) -> str:
        """After rendering: put a reused render back on the page, or save a fresh one that did not warn."""
        render = getattr(page, "kf_saved_render", None)
        if render is not None:
            page.toc, page.present_anchor_ids = render["toc"], set(render["anchors"])
            page._title_from_render = render["title"]
            page.links_to_anchors = {
                files.get_file_from_path(uri): dict(links)
                for uri, links in render["links"].items()
                if files.get_file_from_path(uri) is not None
            }
            self.reused += 1
            return render["content"]
        key = getattr(page, "kf_render_key", None)
        recorder = getattr(page, "kf_recorder", None)
        if recorder is not None and recorder in Recorder.active:
            Recorder.active.remove(recorder)
        if key is not None and self.warnings.count == page.kf_warnings_before:
            read = {d: self.digests(d) for d in recorder.dependencies()} if recorder else {}
            read.update(CurrentPage.dependencies)  # what the blocks the execution cache served had read
            self.saved[page.file.src_uri] = (
                key,
                {
                    "content": html_text,
                    "toc": page.toc,
                    "anchors": set(page.present_anchor_ids or ()),
                    "title": page._title_from_render,
                    "links": {f.src_uri: dict(v) for f, v in (page.links_to_anchors or {}).items()},
                },
                read,
            )
        return html_text


SERVE_CACHE = ServeRenderCache()


def on_files(files, config):
    """Digest what every page depends on, once per (re)build."""
    SERVE_CACHE.start_build(config, files)
    return files


def on_post_build(config):
    """Say how many pages serve reused, so a reader of the log knows what ran."""
    if SERVE_CACHE.enabled:
        logging.getLogger("mkdocs.hooks.kf").info(
            "kf: reused %d unchanged page(s) without running their snippets", SERVE_CACHE.reused
        )


def on_startup(command, dirty):
    """Reuse renders under `mkdocs serve` only; KF_SERVE_CACHE=0 turns that off."""
    SERVE_CACHE.enabled = command == "serve" and os.environ.get("KF_SERVE_CACHE", "1") != "0"


def on_page_markdown(markdown, page, config, files):
    """Under `mkdocs serve`, skip rendering an unchanged page."""
    if SERVE_CACHE.reuse(page, markdown):
        return ""  # nothing to render or execute: on_page_content puts the saved render back
    return markdown


def on_page_content(html_text: str, page, config, files):
    """Put back a render serve reused, or save a fresh one."""
    return SERVE_CACHE.restore_or_save(html_text, page, files)
