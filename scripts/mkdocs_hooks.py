"""MkDocs hooks: make snippets importable, keep them fresh under `mkdocs serve`, name failing files,
and give notebook pages a download link and an "Open in Colab" link.

markdown-exec runs snippet code inside the MkDocs process, so without this a rebuild would reuse
modules imported by the previous build, and an error would only say "<code block: n3>".
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import sys
from pathlib import Path

# MkDocs puts this file's folder on sys.path while it imports the hooks.
from paired_notebooks import PAIRED_DIR, branch_and_docs_path, github_repo, paired_notebook, repository

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything imports TensorFlow
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the same numbers on every build
os.environ.setdefault("MPLBACKEND", "Agg")

SHARED_PACKAGE = "kf"
_snippets_dir: Path | None = None


def execution_enabled() -> bool:
    """KF_EXECUTE=0 builds the site with code shown but not run (for benchmarks and quick drafts)."""
    return os.environ.get("KF_EXECUTE", "1") != "0"


def _without_execution(config):
    """Drop markdown-exec's fences and plugin, so exec="on" blocks render as plain code."""
    fences = config.mdx_configs.get("pymdownx.superfences", {}).get("custom_fences", [])
    fences[:] = [f for f in fences if "markdown_exec" not in getattr(f.get("format"), "__module__", "")]
    config.plugins.pop("markdown-exec", None)
    return config


# An executed fence's first line: ```python exec="on" session="x" title="..." ...
_EXEC_FENCE = re.compile(r'^(?P<head>[ \t]*(?:`{3,}|~{3,})python)\b(?P<options>[^\n]*\bexec="on"[^\n]*)$', re.M)


def _plain_fence(match: re.Match[str]) -> str:
    """The same fence without markdown-exec's options, keeping only its title."""
    title = re.search(r'\btitle="[^"]*"', match["options"])
    return match["head"] + (" " + title.group(0) if title else "")


def on_page_markdown(markdown, page, config, files):
    """Under `mkdocs serve`, skip rendering an unchanged page; with execution off, strip exec options.

    Without markdown-exec, SuperFences rejects a fence whose options it does not know
    (exec, session, source, ...) and leaves its ``` lines as text; the next fence then pairs
    with the wrong ``` and swallows headings, so anchors vanish and the strict build fails.
    """
    if SERVE_CACHE.reuse(page, markdown):
        return ""  # nothing to render or execute: on_page_content puts the saved render back
    if execution_enabled():
        return markdown
    return _EXEC_FENCE.sub(_plain_fence, markdown)


def on_config(config):
    """Put snippets/ first on sys.path, so pages can `import kf` without installing anything."""
    global _snippets_dir
    if not execution_enabled():
        config = _without_execution(config)
    _snippets_dir = Path(config.config_file_path).resolve().parent / "snippets"
    if str(_snippets_dir) in sys.path:
        sys.path.remove(str(_snippets_dir))
    sys.path.insert(0, str(_snippets_dir))
    setup_notebooks(config, _snippets_dir)
    return config


def on_pre_build(config):
    """Forget snippet modules and markdown-exec sessions from the previous build."""
    for name in list(sys.modules):
        if name == SHARED_PACKAGE or name.startswith(SHARED_PACKAGE + "."):
            del sys.modules[name]
    try:
        from markdown_exec._internal.formatters import python as exec_python

        exec_python._sessions_globals.clear()
    except (ImportError, AttributeError):  # a newer markdown-exec: sessions may live elsewhere
        pass


def snippet_location(title: str, code: str, line_in_block: int) -> str | None:
    """Map line N of an executed block back to 'snippets/x.py, line M' using the block's title."""
    if _snippets_dir is None or not title.startswith(("snippets/", "templates/")):
        return None
    path = _snippets_dir.parent / title.split(":")[0]
    if not path.is_file():
        return None
    file_lines = path.read_text(encoding="utf-8").splitlines()
    block_lines = code.splitlines()
    first = block_lines[0].strip() if block_lines else ""
    for start, text in enumerate(file_lines):
        if text.strip() == first and all(
            a.strip() == b.strip()
            for a, b in zip(block_lines, file_lines[start : start + len(block_lines)], strict=False)
        ):
            return f"{title.split(':')[0]}, line {start + line_in_block}"
    return None


def name_the_snippet(record: logging.LogRecord) -> logging.LogRecord:
    """Prefix markdown-exec's 'exited with errors' warning with the snippet file and line."""
    if not record.name.startswith("mkdocs.plugins.markdown_exec"):
        return record
    message = record.getMessage()
    found = re.search(r"code block '([^']+)' exited with", message)
    if found:
        lines = [int(n) for n in re.findall(r'File "<code block: [^"]*>", line (\d+)', message)]
        code = message.split("Code block is:\n\n", 1)[-1].split("\n\nOutput is:", 1)[0]
        code = "\n".join(line[2:] for line in code.splitlines())
        where = snippet_location(found.group(1), code, lines[-1]) if lines else None
        record.msg, record.args = f"{where or found.group(1)}: {message}", ()
    return record


def refuse_draft_build(command: str, environ=os.environ) -> None:
    """KF_DRAFT=1 (quick stand-ins for missing frozen results) is for `mkdocs serve` only: a build refuses it."""
    if command != "serve" and environ.get("KF_DRAFT", "").strip() not in ("", "0"):
        from mkdocs.exceptions import Abort

        raise Abort(
            "KF_DRAFT is set: draft results are for `mkdocs serve` only; a build uses the committed results "
            "under results/ (refresh them with `make experiments`). Unset KF_DRAFT and build again."
        )


def on_startup(command, dirty):
    """Refuse draft builds; install the log-record rewrite once per MkDocs process (records are made by a factory)."""
    refuse_draft_build(command)
    SERVE_CACHE.enabled = command == "serve" and os.environ.get("KF_SERVE_CACHE", "1") != "0"
    factory = logging.getLogRecordFactory()
    if getattr(factory, "names_snippets", False):
        return

    def factory_naming_snippets(*args, **kwargs):
        return name_the_snippet(factory(*args, **kwargs))

    factory_naming_snippets.names_snippets = True
    logging.setLogRecordFactory(factory_naming_snippets)


# --- Under `mkdocs serve`: render again only the Markdown pages whose inputs changed ---


class WarningCounter(logging.Handler):
    """Counts the warnings MkDocs logs, so a page whose render warned is never reused."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def inputs_digest(root: Path, docs_dir: Path, src_uris: list[str]) -> str:
    """Everything a Markdown page's output may depend on besides its own Markdown.

    The code and data every snippet can reach (snippets/, templates/, scripts/, data/, the frozen
    experiment results in results/), mkdocs.yml, every
    docs/ file that is not a Markdown page (the notebooks whose results the decision guide quotes,
    the calculator's JavaScript, ...), the list of pages (a new or removed page can break or mend a
    link) and the KF_* settings. Any change to these renders every page again.
    """
    digest = hashlib.sha256()
    paths = [root / "mkdocs.yml"]
    folders = (root / "snippets", root / "templates", root / "scripts", root / "data", root / "results", docs_dir)
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

    Serve rebuilds the whole site on every save, which re-runs every page's snippets (about 15 s).
    A page is reused only when its Markdown and inputs_digest() are unchanged and its last render
    logged no warning; `mkdocs build` never reuses anything. KF_SERVE_CACHE=0 turns it off.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.saved: dict[str, tuple[str, dict]] = {}  # src_uri -> (key, render)
        self.inputs = ""
        self.reused = 0
        self.warnings = WarningCounter()

    def start_build(self, config, files) -> None:
        """Digest this build's inputs (called from on_files)."""
        if not self.enabled:
            return
        if self.warnings not in logging.getLogger("mkdocs").handlers:
            logging.getLogger("mkdocs").addHandler(self.warnings)
        root = Path(config["config_file_path"]).resolve().parent
        uris = [f.src_uri for f in files]
        self.inputs, self.reused = inputs_digest(root, Path(config["docs_dir"]).resolve(), uris), 0

    def key(self, page, markdown: str) -> str:
        """The key of one page's render."""
        return hashlib.sha256(f"{self.inputs}\0{page.file.src_uri}\0{markdown}".encode()).hexdigest()

    def reuse(self, page, markdown: str) -> bool:
        """True if page can take its saved render; otherwise note what on_page_content needs to save it."""
        if not self.enabled or not page.file.src_uri.endswith(".md"):
            return False
        key = self.key(page, markdown)
        saved_key, render = self.saved.get(page.file.src_uri, ("", None))
        if saved_key == key:
            page.kf_saved_render = render
            return True
        page.kf_render_key, page.kf_warnings_before = key, self.warnings.count
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
        if key is not None and self.warnings.count == page.kf_warnings_before:
            self.saved[page.file.src_uri] = (
                key,
                {
                    "content": html_text,
                    "toc": page.toc,
                    "anchors": set(page.present_anchor_ids or ()),
                    "title": page._title_from_render,
                    "links": {f.src_uri: dict(v) for f, v in (page.links_to_anchors or {}).items()},
                },
            )
        return html_text


SERVE_CACHE = ServeRenderCache()


def on_files(files, config):
    """Digest what every page depends on, once per (re)build."""
    SERVE_CACHE.start_build(config, files)
    return files


def on_post_build(config):
    """Say how many pages serve reused, so a reader of the log knows what ran; drop the unpruned notebook CSS."""
    remove_unpruned_notebook_css()
    if SERVE_CACHE.enabled:
        logging.getLogger("mkdocs.hooks.kf").info(
            "kf: reused %d unchanged page(s) without running their snippets", SERVE_CACHE.reused
        )


# --- Notebook execution (mkdocs-jupyter): kernels that import kf, a cache key that cannot go stale, no CDN ---

NOTEBOOK_PLUGIN = "mkdocs-jupyter"
EXTERNAL_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=\"(?:https?:)?//[^\"]*\"[^>]*>\s*</script>"  # <script src="https://cdn...">
    r"|<script\b[^>]*\bsrc=\"\s*\"[^>]*>\s*</script>"  # src="" (an empty MathJax URL) would refetch the page
    r"|<script type=\"text/x-mathjax-config\">.*?</script>"  # MathJax config: this site renders math with KaTeX
    r"|<script\b[^>]*>(?:(?!</script>).)*?https?://(?:(?!</script>).)*?</script>",  # inline loaders of CDN code
    re.S,
)


def notebook_plugin(config):
    """The mkdocs-jupyter plugin instance, or None when it is not configured."""
    return config.plugins.get(NOTEBOOK_PLUGIN)


def results_digest() -> str:
    """sha256 over the committed frozen results (names and bytes): a refreshed result re-renders its pages."""
    from kf import cache

    folder = cache.results_dir()
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return cache.sha256_text(*(f"{p.relative_to(folder)}\n{p.read_bytes().hex()}" for p in files))


def notebook_key_extra(nb_path: str | Path) -> str:
    """What else a rendered notebook depends on: kf modules it imports (and theirs), data, frozen results, versions."""
    from kf import cache, data

    source = data.resolve_source(None)
    try:
        data_sha = data.file_sha256(data.SUBSET_PATH if source == "subset" else data.find_full_mnist())
    except (OSError, data.DataUnavailableError):
        data_sha = "missing"
    modules = cache.kf_imports(cache.notebook_code(Path(nb_path)))
    # Pages share experiments (the filters page shows the training page's models, keyed by that page's
    # code), so every sibling notebook's code is part of each page's key.
    siblings = [cache.code_digest(p) for p in sorted(Path(nb_path).parent.glob("*.py"))]
    return cache.sha256_text(
        cache.package_digest(modules=modules),
        source,
        data_sha,
        *siblings,
        repr(sorted(cache.versions().items())),
        os.environ.get("KF_EXECUTE", "1"),
        (NOTEBOOK_TEMPLATES / NOTEBOOK_TEMPLATE).read_text(encoding="utf-8"),  # how cell tags render
        os.environ.get("KF_DRAFT", ""),
        results_digest(),
    )


def key_notebook_cache() -> None:
    """Make mkdocs-jupyter's page cache key include notebook_key_extra(), so an edit to kf re-executes."""
    from mkdocs_jupyter import plugin as jupyter_plugin

    original = getattr(jupyter_plugin._compute_cache_key, "kf_original", jupyter_plugin._compute_cache_key)

    def compute_cache_key(nb_path, config, exec_nb):
        extra = notebook_key_extra(nb_path)
        return hashlib.sha256((original(nb_path, config, exec_nb) + extra).encode()).hexdigest()

    compute_cache_key.kf_original = original
    jupyter_plugin._compute_cache_key = compute_cache_key


NOTEBOOK_TEMPLATES = Path(__file__).resolve().parent / "nbconvert_templates"
NOTEBOOK_TEMPLATE = "kf_notebook.html.j2"  # mkdocs-jupyter's template plus the remove-cell and hide-input tags


def use_notebook_template() -> None:
    """Make mkdocs-jupyter render notebook pages with NOTEBOOK_TEMPLATE (an nbconvert template extending its own).

    mkdocs-jupyter's remove_tag_config cannot do this: nbconvert's TagRemovePreprocessor runs before the
    ExecutePreprocessor, so a removed set-up cell would never run. The template drops the cell after execution.
    """
    from mkdocs_jupyter import nbconvert2

    exporter = getattr(nbconvert2.HTMLExporter, "kf_original", nbconvert2.HTMLExporter)

    class NotebookExporter(exporter):
        """nbconvert's HTMLExporter, with this site's notebook template searched first."""

        kf_original = exporter

        def __init__(self, *args, template_file=None, extra_template_paths=(), **kwargs):
            paths = [str(NOTEBOOK_TEMPLATES), *extra_template_paths]
            super().__init__(*args, template_file=NOTEBOOK_TEMPLATE, extra_template_paths=paths, **kwargs)

    nbconvert2.HTMLExporter = NotebookExporter


def setup_notebooks(config, snippets: Path) -> None:
    """Export PYTHONPATH for notebook kernels (separate processes) and key or disable the page cache."""
    plugin = notebook_plugin(config)
    if plugin is None:
        return
    paths = [str(snippets)] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(snippets)
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    if not execution_enabled():
        plugin.config["execute"] = False
    root = snippets.parent
    plugin.config["cache_dir"] = str(root / ".cache" / "mkdocs-jupyter")  # not relative to the shell's cwd
    use_notebook_template()
    try:
        key_notebook_cache()
    except (ImportError, AttributeError):  # another mkdocs-jupyter: never serve a page keyed on its source alone
        plugin.config["cache"] = False


def strip_external_scripts(html: str) -> str:
    """Remove nbconvert's MathJax, Mermaid and require.js tags that point at a CDN."""
    return EXTERNAL_SCRIPT.sub("", html)


# --- Notebook pages (mkdocs-jupyter renders docs/**/*.ipynb, or jupytext .py sources, as pages) ---

NOTEBOOK_SUFFIXES = (".ipynb", ".py")
COLAB = "https://colab.research.google.com/github"


def notebook_source(page) -> str | None:
    """The page's source path under docs/ (e.g. 'experiments/x.ipynb') if it was rendered from a notebook."""
    src_uri = getattr(page.file, "src_uri", "") or ""
    return src_uri if src_uri.endswith(NOTEBOOK_SUFFIXES) else None


def colab_url(config, src_uri: str) -> str | None:
    """Colab's URL for a notebook in the GitHub repository named by repo_url/edit_uri; None if it cannot be built.

    Colab opens only .ipynb files stored in the repository: an .ipynb page is opened itself, a jupytext
    .py page through its committed twin notebooks/<path>.ipynb (scripts/paired_notebooks.py), if there is one.
    """
    repo = github_repo(config.get("repo_url"))
    where = branch_and_docs_path(config.get("edit_uri"))
    if repo is None or where is None:
        return None
    owner, name = repo
    branch, docs_path = where
    if src_uri.endswith(".ipynb"):
        return f"{COLAB}/{owner}/{name}/blob/{branch}/{docs_path}{src_uri}"
    twin = Path(src_uri).with_suffix(".ipynb").as_posix()
    root = Path(config["config_file_path"]).resolve().parent if config.get("config_file_path") else None
    if src_uri.endswith(".py") and root is not None and (root / PAIRED_DIR / twin).is_file():
        return f"{COLAB}/{owner}/{name}/blob/{branch}/{PAIRED_DIR}/{twin}"
    return None


def notebook_links(page, config) -> str:
    """HTML for a notebook page: a download link to its .ipynb and, with a GitHub repo_url, Open in Colab; else ''."""
    src_uri = notebook_source(page)
    if src_uri is None:
        return ""
    name = Path(src_uri).with_suffix(".ipynb").name  # a jupytext .py source is downloaded as the notebook it makes
    links = [
        f'<a class="md-button" href="{html.escape(name)}" download>Download the notebook ({html.escape(name)})</a>'
    ]
    colab = colab_url(config, src_uri)
    if colab:
        links.append(f'<a class="md-button" href="{html.escape(colab)}">Open in Colab</a>')
    return '<p class="kf-notebook-links">' + " ".join(links) + "</p>"


# nbconvert's theme CSS, inlined by mkdocs-jupyter: the same ~575 KB <style> block on every notebook page.
INLINE_STYLE = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style>", re.S)
SHARED_STYLE_MIN_BYTES = 20_000  # smaller <style> blocks stay inline
SHARED_STYLE_DIR = "assets/notebook"


def share_large_styles(html_text: str, page_url: str, site_dir: str | Path) -> str:
    """Move large inline <style> blocks into content-addressed CSS files in the site, linked in place.

    Each notebook page then loads the same cached file instead of carrying its own copy. The name is
    the CSS's hash, so two builds write the same bytes and a changed theme gets a new URL.
    """
    from mkdocs.utils import get_relative_url

    def to_link(match: re.Match[str]) -> str:
        css = match["css"]
        if len(css.encode()) < SHARED_STYLE_MIN_BYTES:
            return match[0]
        name = f"{SHARED_STYLE_DIR}/{hashlib.sha256(css.encode()).hexdigest()[:16]}.css"
        target = Path(site_dir) / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")
        return f'<link rel="stylesheet" href="{html.escape(get_relative_url(name, page_url))}">'

    return INLINE_STYLE.sub(to_link, html_text)


def on_page_content(html_text: str, page, config, files):
    """Put back a render serve reused; on notebook pages drop CDN scripts, share the CSS, add the links."""
    html_text = SERVE_CACHE.restore_or_save(html_text, page, files)
    links = notebook_links(page, config)
    if not links:
        return html_text
    html_text = share_large_styles(strip_external_scripts(html_text), page.url, config["site_dir"])
    head, h1, rest = html_text.partition("</h1>")
    return head + h1 + links + rest if h1 else links + html_text


# --- Notebook CSS: each notebook page loads only the rules of nbconvert's theme that it uses (issue 15) ---

_PSEUDO = re.compile(r"::?[\w-]+(?:\((?:[^()]|\([^()]*\))*\))?")  # :hover, ::before, :not(.a, .b), :is(:x(y))
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_CLASS_OR_ID = re.compile(r"([.#])((?:[\w-]|\\.)+)")
_VAR_USE = re.compile(r"var\(\s*(--[\w-]+)")
# Classes that scripts add in the browser (Material wraps tables in .md-typeset__scrollwrap, a11y.js adds
# .kf-more, ...): absent from the built HTML, so a selector naming one is matched without it.
_RUNTIME_CLASS = re.compile(r"\.(?:md|kf)-[\w-]+")
_full_notebook_css: dict[str, str] = {}  # shared file name -> its CSS, read once (serve rebuilds reuse it)


def _selectors(prelude: str) -> list[str]:
    """Split a selector list on its top-level commas (not those inside :not(...) and the like)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    return [p.strip() for p in [*parts, prelude[start:]] if p.strip()]


def _may_match(selector: str, soup, classes: set[str], ids: set[str]) -> bool:
    """Whether selector can match in the page, any state assumed: hover, focus, open and the like all count.

    Pseudo-classes, pseudo-elements and attribute tests are dropped before matching, so the test errs on
    the side of keeping a rule; a selector soupsieve cannot parse is kept too.
    """
    static = _RUNTIME_CLASS.sub("", _ATTRIBUTE.sub("", selector))
    while _PSEUDO.search(static):
        static = _PSEUDO.sub("", static)
    for kind, name in _CLASS_OR_ID.findall(static):  # cheap first: every class and id it names must exist
        if name.replace("\\", "") not in (classes if kind == "." else ids):
            return False
    static = re.sub(r"([>+~])\s*(?=[>+~]|$)", r"\1 *", static.strip()) or "*"
    try:
        return soup.select_one(static) is not None
    except Exception:  # soupsieve's SelectorSyntaxError and friends: keep what cannot be checked
        return True


def _declarations(content, used_vars: set[str] | None) -> str:
    """A rule's declarations as CSS text; custom properties no kept rule uses are left out (if used_vars given)."""
    import tinycss2

    kept = []
    for decl in tinycss2.parse_declaration_list(content, skip_comments=True, skip_whitespace=True):
        if decl.type != "declaration":
            continue
        if used_vars is not None and decl.name.startswith("--") and decl.name not in used_vars:
            continue
        kept.append(f"{decl.name}:{tinycss2.serialize(decl.value).strip()}{' !important' if decl.important else ''}")
    return ";".join(kept)


def _used_rules(rules, soup, classes: set[str], ids: set[str]) -> list:
    """The rules (with @media blocks pruned inside) that may match the page; other at-rules are kept."""
    import tinycss2

    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if any(_may_match(s, soup, classes, ids) for s in _selectors(tinycss2.serialize(rule.prelude))):
                kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content is not None:
            inner = _used_rules(tinycss2.parse_rule_list(rule.content, True, True), soup, classes, ids)
            if inner:
                kept.append((rule, inner))
        elif rule.type == "at-rule":
            kept.append(rule)
    return kept


def _serialize(kept, used_vars: set[str]) -> str:
    """CSS text of the kept rules, dropping unused custom properties."""
    import tinycss2

    out = []
    for item in kept:
        if isinstance(item, tuple):
            rule, inner = item
            condition = tinycss2.serialize(rule.prelude).strip()
            out.append(f"@{rule.at_keyword} {condition}{{{_serialize(inner, used_vars)}}}")
        elif item.type == "qualified-rule":
            declarations = _declarations(item.content, used_vars)
            if declarations:
                out.append(f"{tinycss2.serialize(item.prelude).strip()}{{{declarations}}}")
        else:
            out.append(item.serialize())
    return "\n".join(out)


def _used_custom_properties(kept_css: str, page_html: str) -> set[str]:
    """Custom properties (--x) used by the kept CSS or the page, following var() chains to a fixed point."""
    definitions: dict[str, set[str]] = {}
    for name, value in re.findall(r"(--[\w-]+)\s*:([^;{}]*)", kept_css):
        definitions.setdefault(name, set()).update(_VAR_USE.findall(value))
    outside_definitions = re.sub(r"--[\w-]+\s*:[^;{}]*", "", kept_css)
    used = set(_VAR_USE.findall(outside_definitions)) | set(_VAR_USE.findall(page_html))
    frontier = list(used)
    while frontier:
        for name in definitions.get(frontier.pop(), ()):
            if name not in used:
                used.add(name)
                frontier.append(name)
    return used


def prune_css(css: str, page_html: str) -> str:
    """The rules of css that may apply to page_html, in their order, without unused custom properties."""
    import tinycss2
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    classes = {c for tag in soup.find_all(class_=True) for c in tag.get("class", [])}
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    kept = _used_rules(tinycss2.parse_stylesheet(css, True, True), soup, classes, ids)
    with_all_vars = _serialize(kept, None)  # type: ignore[arg-type]
    return _serialize(kept, _used_custom_properties(with_all_vars, page_html))


def prune_notebook_styles(output: str, page_url: str, site_dir: str | Path) -> str:
    """Point a notebook page at its own content-addressed copy of the shared theme CSS, pruned to what it uses."""
    from mkdocs.utils import get_relative_url

    def to_pruned(match: re.Match[str]) -> str:
        name = SHARED_STYLE_DIR + "/" + match["file"]
        full = Path(site_dir) / name
        if name not in _full_notebook_css:
            if not full.is_file():
                return match[0]  # nothing to prune from: keep the link as it is
            _full_notebook_css[name] = full.read_text(encoding="utf-8")
        pruned = prune_css(_full_notebook_css[name], output)
        pruned_name = f"{SHARED_STYLE_DIR}/{hashlib.sha256(pruned.encode()).hexdigest()[:16]}.css"
        target = Path(site_dir) / pruned_name
        if not target.is_file():
            target.write_text(pruned, encoding="utf-8")
        _UNPRUNED_FILES.add(full)
        return f'href="{html.escape(get_relative_url(pruned_name, page_url))}"'

    shared = re.compile(rf'href="(?:\.\./)*{re.escape(SHARED_STYLE_DIR)}/(?P<file>[0-9a-f]{{16}}\.css)"')
    return shared.sub(to_pruned, output)


_UNPRUNED_FILES: set[Path] = set()


def remove_unpruned_notebook_css() -> None:
    """Delete the full theme CSS files once every notebook page links its pruned copy instead."""
    while _UNPRUNED_FILES:
        _UNPRUNED_FILES.pop().unlink(missing_ok=True)


def on_post_page(output: str, page, config):
    """Write a notebook page's .ipynb next to its HTML, so the download link works (the site only, never docs/)."""
    if notebook_source(page) and page.file.abs_src_path and page.file.abs_dest_path:
        source = Path(page.file.abs_src_path)
        target = Path(page.file.abs_dest_path).parent / source.with_suffix(".ipynb").name
        target.parent.mkdir(parents=True, exist_ok=True)  # MkDocs writes the page itself only after this hook
        if source.suffix == ".ipynb":
            shutil.copyfile(source, target)
        else:  # the same file as the committed twin that Colab opens (tests/test_paired_notebooks.py)
            target.write_text(paired_notebook(source, *repository(config)), encoding="utf-8")
    if config.get("site_dir"):
        output = prune_notebook_styles(output, page.url, config["site_dir"])
    return output
