"""MkDocs hooks: make snippets importable, keep them fresh under `mkdocs serve`, name failing files.

markdown-exec runs snippet code inside the MkDocs process, so without this a rebuild would reuse
modules imported by the previous build, and an error would only say "<code block: n3>".
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
from pathlib import Path

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
    if _snippets_dir is None or not title.startswith("snippets/"):
        return None
    path = _snippets_dir.parent / title.split(":")[0]
    if not path.is_file():
        return None
    file_lines = path.read_text(encoding="utf-8").splitlines()
    block_lines = code.splitlines()
    first = block_lines[0].strip() if block_lines else ""
    for start, text in enumerate(file_lines):
        if text.strip() == first and all(
            a.strip() == b.strip() for a, b in zip(block_lines, file_lines[start:start + len(block_lines)])
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


def on_startup(command, dirty):
    """Install the log-record rewrite once per MkDocs process (records are made by a factory)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "names_snippets", False):
        return

    def factory_naming_snippets(*args, **kwargs):
        return name_the_snippet(factory(*args, **kwargs))

    factory_naming_snippets.names_snippets = True
    logging.setLogRecordFactory(factory_naming_snippets)


# ---- Experiment notebooks (mkdocs-jupyter): kernels that import kf, a cache key that cannot go stale,
# ---- no CDN, and a downloadable .ipynb next to each page.

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


def is_notebook_page(page) -> bool:
    """True for pages that mkdocs-jupyter renders (our jupytext .py sources)."""
    return page.file.src_uri.endswith(".py")


def notebook_key_extra(nb_path: str | Path) -> str:
    """What else a rendered notebook depends on: the kf modules it imports (and theirs), data, versions."""
    from kf import cache, data  # noqa: PLC0415 - snippets/ is on sys.path by now; kf is fresh every build

    source = data.resolve_source(None)
    try:
        data_sha = data.file_sha256(data.SUBSET_PATH if source == "subset" else data.find_full_mnist())
    except (OSError, data.DataUnavailableError):
        data_sha = "missing"
    modules = cache.kf_imports(cache.notebook_code(Path(nb_path)))
    # Pages share experiments (the filters page shows the training page's models, keyed by that page's
    # code), so every sibling notebook's code is part of each page's key.
    siblings = [cache.code_digest(p) for p in sorted(Path(nb_path).parent.glob("*.py"))]
    return cache.sha256_text(cache.package_digest(modules=modules), source, data_sha, *siblings,
                             repr(sorted(cache.versions().items())), os.environ.get("KF_EXECUTE", "1"))


def key_notebook_cache() -> None:
    """Make mkdocs-jupyter's page cache key include notebook_key_extra(), so an edit to kf re-executes."""
    from mkdocs_jupyter import plugin as jupyter_plugin  # noqa: PLC0415

    original = getattr(jupyter_plugin._compute_cache_key, "kf_original", jupyter_plugin._compute_cache_key)

    def compute_cache_key(nb_path, config, exec_nb):
        extra = notebook_key_extra(nb_path)
        return hashlib.sha256((original(nb_path, config, exec_nb) + extra).encode()).hexdigest()

    compute_cache_key.kf_original = original
    jupyter_plugin._compute_cache_key = compute_cache_key


def setup_notebooks(config, snippets: Path) -> None:
    """Export PYTHONPATH for notebook kernels (separate processes) and key or disable the page cache."""
    plugin = notebook_plugin(config)
    if plugin is None:
        return
    paths = [str(snippets)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(snippets)]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    if not execution_enabled():
        plugin.config["execute"] = False
    root = snippets.parent
    plugin.config["cache_dir"] = str(root / ".cache" / "mkdocs-jupyter")  # not relative to the shell's cwd
    try:
        key_notebook_cache()
    except (ImportError, AttributeError):  # another mkdocs-jupyter: never serve a page keyed on its source alone
        plugin.config["cache"] = False


def strip_external_scripts(html: str) -> str:
    """Remove nbconvert's MathJax, Mermaid and require.js tags that point at a CDN."""
    return EXTERNAL_SCRIPT.sub("", html)


def on_page_content(html, page, config, files):
    """On notebook pages: drop CDN scripts and add a link to the page's .ipynb."""
    if notebook_plugin(config) is None or not is_notebook_page(page):
        return html
    name = Path(page.file.src_uri).with_suffix(".ipynb").name
    href = ("../" if config.use_directory_urls else "") + name
    link = (f'<p class="kf-download"><a href="{href}" download>Download this page as a Jupyter notebook '
            f"({name})</a>. It runs inside a checkout of the repository, which provides <code>kf</code>.</p>")
    html = strip_external_scripts(html)
    heading_end = html.find("</h1>")  # right under the page title, where a reader looks for it
    if heading_end < 0:
        return link + html
    return html[:heading_end + 5] + link + html[heading_end + 5:]


def on_post_build(config):
    """Write each notebook page's source as .ipynb into the site, at the source's path (never into docs/)."""
    if notebook_plugin(config) is None:
        return
    import jupytext  # noqa: PLC0415

    docs, site = Path(config.docs_dir), Path(config.site_dir)
    for source in sorted(docs.glob("experiments/*.py")):
        target = site / source.relative_to(docs).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(jupytext.writes(jupytext.read(source), fmt="ipynb"), encoding="utf-8")
