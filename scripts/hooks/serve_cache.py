"""The serve-only caches: `mkdocs serve` reuses the render of a page whose inputs did not change, and with --dirty
(as `make serve` runs it) writes again only the pages whose source or recorded inputs changed."""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from pathlib import Path

from mkdocs.plugins import event_priority

from recording import Digests, Recorder
from shared import CurrentPage, execution_enabled


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
        if key is not None and self.warnings.count != page.kf_warnings_before:
            self.saved.pop(page.file.src_uri, None)  # an older clean render must not stand in for this one
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


# --- `mkdocs serve --dirty`: only the pages whose source or recorded inputs changed are built again ---

DIRTY_WARNING = "A 'dirty' build is being performed"
POLL_SECONDS = 0.1  # how often serve looks for changed files (MkDocs' default is 0.5 s)
SITE_WIDE = ("overrides", "i18n")  # folders that can change every page's HTML: the theme overrides, the term lists


def site_inputs_digest(root: Path, config, page_inputs: str) -> str:
    """What every page's HTML depends on in a dirty rebuild: the render inputs, the config file, SITE_WIDE folders.

    A change here writes every page again, as a full build would: the navigation, the templates and the
    Chinese output catalogs are in every page or can be.
    """
    digest = hashlib.sha256(page_inputs.encode())
    paths = [Path(config["config_file_path"])]
    for folder in SITE_WIDE:
        paths += sorted(p for p in (root / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in paths:
        if path.is_file():
            digest.update(f"{path}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


class DirtyServe:
    """Makes `mkdocs serve --dirty` exact: MkDocs rebuilds a page only if its source is newer than its HTML.

    This deletes, before each rebuild, the HTML of every page that must change although its source did
    not: a file its last build read changed (a snippet, a kf module, the data, results), it warned or its
    build failed, or something every page depends on changed (site_inputs_digest). What a page read is
    recorded while it is built, as the render cache does (a notebook page's kf modules, data, sibling
    notebooks and results included). Never a file under docs/ is touched. The search index stays
    complete: search_cache keeps every page's entries between rebuilds.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.site_inputs = ""
        self.reads: dict[str, dict[str, str]] = {}  # src_uri -> what its last clean build read (digests)
        self.built: set[str] = set()  # src_uris built in this rebuild
        self.markdown_pages: list[str] = []  # this rebuild's Markdown pages, for the log
        self.deleted = 0
        self.root = Path.cwd()
        self.digests = Digests(self.root)  # this rebuild's

    def start_build(self, config, files) -> None:
        """Delete the HTML of every page that must be built again although its source is unchanged."""
        if not self.enabled:
            return
        if SERVE_CACHE.warnings not in logging.getLogger("mkdocs").handlers:
            logging.getLogger("mkdocs").addHandler(SERVE_CACHE.warnings)
        Recorder.active[:] = [r for r in Recorder.active if not getattr(r, "kf_dirty", False)]  # a failed page's
        root = Path(config["config_file_path"]).resolve().parent
        uris = [f.src_uri for f in files]
        page_inputs = SERVE_CACHE.inputs or inputs_digest(root, Path(config["docs_dir"]).resolve(), uris)
        site_inputs = site_inputs_digest(root, config, page_inputs)
        self.root = root
        self.digests = digests = SERVE_CACHE.digests if SERVE_CACHE.enabled else Digests(root)
        pages = files.documentation_pages()
        self.markdown_pages = [f.src_uri for f in pages if f.src_uri.endswith(".md")]
        self.deleted = 0
        for file in pages:
            read = self.reads.get(file.src_uri)
            if site_inputs != self.site_inputs or read is None or digests.changed(read):
                self.deleted += self.forget(file)
        self.site_inputs, self.built = site_inputs, set()

    def forget(self, file) -> int:
        """Delete a page's HTML in the site (so MkDocs builds it again) and what its build read; 1 if there was HTML."""
        self.reads.pop(file.src_uri, None)
        dest = Path(file.abs_dest_path)
        if dest.is_file():
            dest.unlink()
            return 1
        return 0

    def start_page(self, page) -> None:
        """Record what the page's build reads, from its first event to its content."""
        if not self.enabled:
            return
        self.built.add(page.file.src_uri)
        page.kf_dirty_recorder = Recorder(self.root)
        page.kf_dirty_recorder.kf_dirty = True
        page.kf_dirty_warnings = SERVE_CACHE.warnings.count
        Recorder.install()
        Recorder.active.append(page.kf_dirty_recorder)

    def finish_page(self, page) -> None:
        """Keep what a page's build read, if it did not warn (a page that warned is built again next time)."""
        recorder = getattr(page, "kf_dirty_recorder", None)
        if recorder is None:
            return
        if recorder in Recorder.active:
            Recorder.active.remove(recorder)
        uri = page.file.src_uri
        if SERVE_CACHE.warnings.count != page.kf_dirty_warnings:
            self.reads.pop(uri, None)
            return
        read = {d: self.digests(d) for d in recorder.dependencies()}
        read.update(CurrentPage.dependencies if uri.endswith(".md") else {})  # blocks the execution cache served
        if uri in SERVE_CACHE.saved:
            read.update(SERVE_CACHE.saved[uri][2])  # what a reused render had read
        self.reads[uri] = read

    def failed(self) -> None:
        """A rebuild failed (strict mode aborts after writing pages): build its pages again next time."""
        for uri in self.built:
            self.reads.pop(uri, None)

    def skipped_markdown_pages(self) -> int:
        """Markdown pages this rebuild did not build (their HTML was still right)."""
        return len([uri for uri in self.markdown_pages if uri not in self.built])


DIRTY = DirtyServe()


class DropDirtyWarning(logging.Filter):
    """Drops MkDocs' warning that a dirty build may be inaccurate: DirtyServe makes it exact (strict would abort)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(DIRTY_WARNING)


def quicker_polling(server, seconds: float) -> None:
    """Make serve's file watcher look for changes every `seconds` (watchdog's polling observer and its emitters)."""
    observer = getattr(server, "observer", None)
    if observer is None or not hasattr(observer, "_timeout"):
        return  # another MkDocs or watchdog: keep their interval
    observer._timeout = seconds
    for emitter in getattr(observer, "emitters", ()):
        if hasattr(emitter, "_timeout"):
            emitter._timeout = seconds


def on_files(files, config):
    """Digest what every page depends on, once per (re)build; in a dirty serve, delete the HTML of pages to redo."""
    SERVE_CACHE.start_build(config, files)
    DIRTY.start_build(config, files)
    return files


def on_post_build(config):
    """Say how many pages serve reused, so a reader of the log knows what ran."""
    if SERVE_CACHE.enabled or DIRTY.enabled:
        reused = SERVE_CACHE.reused + (DIRTY.skipped_markdown_pages() if DIRTY.enabled else 0)
        log = logging.getLogger("mkdocs.hooks.kf")
        log.info("kf: reused %d unchanged page(s) without running their snippets", reused)


def on_build_error(error):
    """A failed rebuild builds its pages again next time."""
    DIRTY.failed()


def on_startup(command, dirty):
    """Reuse renders under `mkdocs serve` only; KF_SERVE_CACHE=0 turns that off. `serve --dirty` rebuilds exactly."""
    SERVE_CACHE.enabled = command == "serve" and os.environ.get("KF_SERVE_CACHE", "1") != "0"
    DIRTY.enabled = command == "serve" and bool(dirty)
    build_log = logging.getLogger("mkdocs.commands.build")
    if DIRTY.enabled and not any(isinstance(f, DropDirtyWarning) for f in build_log.filters):
        build_log.addFilter(DropDirtyWarning())


class TemplateCodeCache:
    """Jinja's compiled templates kept by the serve process: each rebuild loads a new config, so a new Jinja
    environment that would compile Material's templates again (about half a second). Jinja keys each entry
    by the template's name and a checksum of its source, so an edited override is compiled again."""

    def __init__(self) -> None:
        import jinja2

        class InMemory(jinja2.BytecodeCache):
            def __init__(self) -> None:
                self.code: dict[str, bytes] = {}

            def load_bytecode(self, bucket) -> None:
                if bucket.key in self.code:
                    bucket.bytecode_from_string(self.code[bucket.key])

            def dump_bytecode(self, bucket) -> None:
                self.code[bucket.key] = bucket.bytecode_to_string()

        self.cache = InMemory()


TEMPLATE_CODE: TemplateCodeCache | None = None


def on_env(env, config, files):
    """Under `mkdocs serve`, reuse the compiled templates of the previous rebuilds."""
    global TEMPLATE_CODE
    if SERVE_CACHE.enabled or DIRTY.enabled:
        TEMPLATE_CODE = TEMPLATE_CODE or TemplateCodeCache()
        env.bytecode_cache = TEMPLATE_CODE.cache
    return env


# The libraries the snippets import (snippets/*.py): the first build of a serve session takes every block
# from the execution cache and every search entry from its cache, so without this the first edit that
# runs a block would import TensorFlow, and the first edit of a page with Chinese text would load jieba's
# dictionary, each for seconds, while the writer waits for the page.
WARM_IMPORTS = ("keras", "matplotlib.pyplot")


def warm_up(names: tuple[str, ...] = WARM_IMPORTS) -> list[str]:
    """Import names and load jieba's dictionary now; what could not be loaded (its block will say why)."""
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a warm-up only: the block that imports it reports the error
            failed.append(name)
    try:
        import jieba

        jieba.initialize()
    except Exception:  # no jieba: Material's search does not segment, nothing to load
        failed.append("jieba")
    return failed


def on_serve(server, config, builder):
    """Notice an edit sooner; pay the libraries' start-up before serving, not on the first edit."""
    quicker_polling(server, POLL_SECONDS)
    if execution_enabled():
        warm_up()
    return server


@event_priority(100)  # before notebook_exec and mkdocs-jupyter read what a notebook page depends on
def on_pre_page(page, config, files):
    """In a dirty serve, start recording what the page's build reads."""
    DIRTY.start_page(page)
    return page


def on_page_markdown(markdown, page, config, files):
    """Under `mkdocs serve`, skip rendering an unchanged page."""
    if SERVE_CACHE.reuse(page, markdown):
        return ""  # nothing to render or execute: on_page_content puts the saved render back
    return markdown


def on_page_content(html_text: str, page, config, files):
    """Put back a render serve reused, or save a fresh one; in a dirty serve, keep what the page's build read."""
    html_text = SERVE_CACHE.restore_or_save(html_text, page, files)
    DIRTY.finish_page(page)  # the later hooks read only the site, caches and SITE_WIDE files
    return html_text
