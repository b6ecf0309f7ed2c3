"""Notebook pages (mkdocs-jupyter): kernels that import kf, cache keys, cell-tag template, download and Colab links."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from pathlib import Path

from shared import (
    SCRIPTS_DIR,
    ExecutedNotebooks,
    Project,
    execution_enabled,
    from_file,
    kernel_arguments,
    kf_package_digest,
    notebook_source,
    scripts_on_path,
)

scripts_on_path()
from paired_notebooks import PAIRED_DIR, branch_and_docs_path, github_repo, paired_notebook, repository  # noqa: E402

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


def kf_modules_of_notebook(path: Path) -> set[str]:
    """The kf modules the code cells of the notebook at path import."""
    from kf import cache

    return cache.kf_imports(cache.notebook_code(path))


def notebook_key_extra(nb_path: str | Path) -> str:
    """What else a rendered notebook depends on: kf modules it imports (and theirs), data, frozen results, versions."""
    from kf import cache, data

    source = data.resolve_source(None)
    try:
        data_sha = data.file_sha256(data.SUBSET_PATH if source == "subset" else data.find_full_mnist())
    except (OSError, data.DataUnavailableError):
        data_sha = "missing"
    modules = from_file(Path(nb_path), kf_modules_of_notebook)
    # Pages share experiments (the filters page shows the training page's models, keyed by that page's
    # code), so every sibling notebook's code is part of each page's key.
    siblings = [from_file(p, cache.code_digest) for p in sorted(Path(nb_path).parent.glob("*.py"))]
    return cache.sha256_text(
        kf_package_digest(frozenset(modules)),
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
        extra = notebook_key_extra(nb_path) + ExecutedNotebooks.digest(nb_path)  # the outputs notebook_exec fills in
        return hashlib.sha256((original(nb_path, config, exec_nb) + extra).encode()).hexdigest()

    compute_cache_key.kf_original = original
    jupyter_plugin._compute_cache_key = compute_cache_key


NOTEBOOK_TEMPLATES = SCRIPTS_DIR / "nbconvert_templates"
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


def quiet_kernels() -> None:
    """Start the kernels mkdocs-jupyter runs itself (with KF_CACHE=0) with kernel_arguments(), as notebook_exec does."""
    from mkdocs_jupyter import nbconvert2

    original = getattr(nbconvert2.get_nbconvert_app, "kf_original", nbconvert2.get_nbconvert_app)

    def get_nbconvert_app(*args, **kwargs):
        app = original(*args, **kwargs)
        app.config["ExecutePreprocessor"]["extra_arguments"] = kernel_arguments()  # a dict or a Config: both take it
        return app

    get_nbconvert_app.kf_original = original
    nbconvert2.get_nbconvert_app = get_nbconvert_app


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
    # Not relative to the shell's cwd; one folder per mode, because mkdocs-jupyter deletes every entry
    # a build did not use: a KF_EXECUTE=0 build must not throw away the executed pages' renders.
    mode = "executed" if execution_enabled() else "not-executed"
    plugin.config["cache_dir"] = str(root / ".cache" / "mkdocs-jupyter" / mode)
    use_notebook_template()
    quiet_kernels()
    try:
        key_notebook_cache()
    except (ImportError, AttributeError):  # another mkdocs-jupyter: never serve a page keyed on its source alone
        plugin.config["cache"] = False


def strip_external_scripts(html: str) -> str:
    """Remove nbconvert's MathJax, Mermaid and require.js tags that point at a CDN."""
    return EXTERNAL_SCRIPT.sub("", html)


COLAB = "https://colab.research.google.com/github"


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


def on_config(config):
    """Let notebook kernels import kf, render with the site's template and key the page cache on what can change."""
    setup_notebooks(config, Project.snippets())
    return config


def on_page_content(html_text: str, page, config, files):
    """On notebook pages, drop CDN scripts and add the download and Colab links under the title."""
    links = notebook_links(page, config)
    if not links:
        return html_text
    html_text = strip_external_scripts(html_text)
    head, h1, rest = html_text.partition("</h1>")
    return head + h1 + links + rest if h1 else links + html_text


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
    return output
