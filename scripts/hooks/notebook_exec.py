"""Notebook pages executed through the execution cache, keyed by their code cells: no build mode evicts another's.

mkdocs-jupyter keys its page cache on the notebook file and evicts every entry a build did not use,
so a KF_EXECUTE=0 build or a test build used to throw away the real build's executed pages. Here the
notebook's outputs are cached by content under $KF_CACHE_DIR/exec/notebooks (default .cache/exec/):
the key is the code cells only (not the Markdown cells, so a translated twin reuses them), the kf
modules the code imports (and theirs), the data, the sibling notebooks' code, the frozen results,
the installed versions and the KF_* settings. On a miss this hook runs the notebook itself (nbclient,
project root as working directory); mkdocs-jupyter never executes: it is handed the notebook with
the cached outputs filled in (read in memory, nothing is written under docs/) and only renders it.
Output filters (shared.add_output_filter) see each text output, cached or fresh.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import types
from datetime import UTC, datetime
from pathlib import Path

from mkdocs.plugins import event_priority

from exec_cache import (
    FORMAT,
    _fatal,
    cache_dir,
    cache_enabled,
    cache_required,
    installed_versions,
    kf_settings,
    wait_for,
    waited_note,
    write_atomically,
)
from recording import sha256_parts
from shared import (
    ExecutedNotebooks,
    OutputOrigin,
    Project,
    execution_enabled,
    filter_output,
    from_file,
    kernel_arguments,
    kf_package_digest,
    notebook_source,
    scripts_on_path,
)

LOG = logging.getLogger("mkdocs.hooks.kf.notebook_exec")
KERNEL = "python3"
TEXT_TYPES = ("text/plain", "text/markdown", "text/html")
counts = {"reused": 0, "executed": 0}


def parse_notebook(path: Path):
    """The notebook at path (jupytext percent .py or .ipynb) as an nbformat node, parsed by jupytext."""
    import jupytext

    return jupytext.read(path)


def read_notebook(path: Path):
    """A fresh copy of the notebook at path; the parse is reused while the file's bytes are unchanged."""
    return copy.deepcopy(from_file(path, parse_notebook))


def code_cells(notebook) -> list[str]:
    """The sources of the notebook's code cells, in order: all that decides its outputs."""
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def code_cells_digest(path: Path) -> str:
    """sha256 of the code cells of the notebook at path."""
    return sha256_parts(*code_cells(from_file(path, parse_notebook)))


def inputs_digest(path: Path, codes: list[str]) -> str:
    """What else the outputs depend on: the kf closure of the code, data, sibling notebooks' code, frozen results."""
    from kf import cache, data

    source = data.resolve_source(None)
    try:
        data_sha = data.file_sha256(data.SUBSET_PATH if source == "subset" else data.find_full_mnist())
    except (OSError, data.DataUnavailableError):
        data_sha = "missing"
    modules = cache.kf_imports("\n".join(codes))
    # Pages share experiments (the filters page shows the training page's models, keyed by that page's
    # code), so every sibling notebook's code is part of each page's key.
    siblings = [from_file(p, code_cells_digest) for p in sorted(path.parent.glob("*.py"))]
    results = cache.results_dir()
    result_files = sorted(p for p in results.rglob("*") if p.is_file()) if results.is_dir() else []
    results_sha = results_digest(results, result_files)
    return sha256_parts(kf_package_digest(frozenset(modules)), source, data_sha, *siblings, results_sha)


_results_digests: dict[str, str] = {}


def results_digest(results: Path, files: list[Path]) -> str:
    """sha256_parts over each frozen result's name and bytes (as hex), computed once per content."""
    import hashlib

    contents = [(p.relative_to(results).as_posix(), p.read_bytes()) for p in files]
    quick = hashlib.sha256(b"".join(f"{n}\0{len(b)}\0".encode() + b for n, b in contents)).hexdigest()
    if quick not in _results_digests:
        _results_digests[quick] = sha256_parts(*(f"{n}\n{b.hex()}" for n, b in contents))
    return _results_digests[quick]


def notebook_key(path: Path, codes: list[str], environ=os.environ) -> tuple[str, dict]:
    """The cache key of a notebook's outputs, and the ingredients named when KF_CACHE_REQUIRE explains a miss."""
    ingredients = {
        "code": sha256_parts(*codes),
        "inputs": inputs_digest(path, codes),
        "settings": kf_settings(environ),
        "versions": sha256_parts(json.dumps(installed_versions(), sort_keys=True)),
    }
    return sha256_parts(FORMAT, "notebook", json.dumps(ingredients, sort_keys=True)), ingredients


def execute(notebook, root: Path):
    """Run every code cell of a copy of notebook in a fresh kernel started in root; the executed copy."""
    from nbclient import NotebookClient

    executed = copy.deepcopy(notebook)
    client = NotebookClient(
        executed,
        kernel_name=KERNEL,
        allow_errors=False,
        timeout=None,
        resources={"metadata": {"path": str(root)}},
        extra_arguments=kernel_arguments(),
    )
    client.execute()
    return executed


def outputs_of(notebook) -> list[dict]:
    """Each code cell's outputs and execution count, in order (what the cache stores)."""
    return [
        {"outputs": cell.get("outputs", []), "execution_count": cell.get("execution_count")}
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def with_outputs(notebook, stored: list[dict], page: str):
    """A copy of notebook whose code cells carry the stored outputs, passed through the output filters."""
    import nbformat

    filled = copy.deepcopy(notebook)
    cells = [cell for cell in filled.cells if cell.cell_type == "code"]
    for cell, saved in zip(cells, stored, strict=True):
        origin = OutputOrigin(page=page, session=page, code=cell.source, kind="notebook")
        cell.outputs = [nbformat.from_dict(filter_notebook_output(output, origin)) for output in saved["outputs"]]
        cell.execution_count = saved["execution_count"]
    return filled


def filter_notebook_output(output: dict, origin: OutputOrigin) -> dict:
    """One output with its texts passed through the output filters (streams and text/* data)."""
    output = copy.deepcopy(output)
    if output.get("output_type") == "stream":
        output["text"] = filter_output(joined(output["text"]), OutputOrigin(**{**origin.__dict__, "mime": "stream"}))
    for mime in TEXT_TYPES:
        if mime in output.get("data", {}):
            text = joined(output["data"][mime])
            output["data"][mime] = filter_output(text, OutputOrigin(**{**origin.__dict__, "mime": mime}))
    return output


def joined(text) -> str:
    """nbformat stores multi-line text as a string or a list of lines."""
    return "".join(text) if isinstance(text, list) else text


class NotebookCache:
    """Outputs of notebook pages, stored by key as JSON."""

    def __init__(self, folder: Path, required: bool) -> None:
        self.folder = folder
        self.required = required

    def path(self, key: str) -> Path:
        """Where the outputs of key live."""
        return self.folder / "notebooks" / f"{key}.json"

    def executed(self, source: Path, page: str, root: Path):
        """source with its outputs: from the cache if its key matches, else run (and stored)."""
        notebook = read_notebook(source)
        codes = code_cells(notebook)
        key, ingredients = notebook_key(source, codes)
        entry = self.load(key, len(codes))
        if entry is None and self.required:
            entry, waited = wait_for(lambda: self.load(key, len(codes)))
            if entry is None:
                raise _fatal(self.explain_miss(page, codes, ingredients) + waited_note(waited))
        if entry is not None:
            counts["reused"] += 1
            return with_outputs(notebook, entry["cells"], page)
        LOG.info("kf: executing %s (no cached outputs for its code and inputs)", page)
        try:
            cells = outputs_of(execute(notebook, root))
        except Exception as error:  # nbclient's CellExecutionError and kernel failures: name the page
            raise _fatal(f"{page}: executing the notebook failed:\n{error}") from error
        counts["executed"] += 1
        entry = {
            "format": FORMAT,
            "cells": cells,
            "page": page,
            "ingredients": ingredients,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_atomically(self.path(key), json.dumps(entry, sort_keys=True))
        write_atomically(self.index_path(codes), json.dumps(ingredients, sort_keys=True))
        return with_outputs(notebook, cells, page)

    def load(self, key: str, cells: int) -> dict | None:
        """The stored outputs of key if they are whole (one entry per code cell), else None."""
        try:
            entry = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(entry, dict) and entry.get("format") == FORMAT and len(entry.get("cells", ())) == cells:
            return entry
        return None

    def index_path(self, codes: list[str]) -> Path:
        """The ingredients the notebook with the same first code cell last ran with (to say what changed)."""
        return self.folder / "notebooks" / "last" / f"{sha256_parts(codes[0] if codes else '')[:32]}.json"

    def explain_miss(self, page: str, codes: list[str], ingredients: dict) -> str:
        """KF_CACHE_REQUIRE's message for a notebook: the page and what differs from its last run."""
        head = f"KF_CACHE_REQUIRE is set and the notebook {page} has no cached outputs"
        try:
            before = json.loads(self.index_path(codes).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return f"{head}: its code cells never ran with the execution cache on."
        changed = [name for name in ingredients if before.get(name) != ingredients[name]]
        labels = {
            "code": "its code cells",
            "inputs": "the kf modules it imports, the data, a sibling notebook's code or the frozen results",
            "settings": "the KF_* settings",
            "versions": "the installed package versions",
        }
        return f"{head}: changed since it last ran: {'; '.join(labels[n] for n in changed) or 'unknown'}."


class JupytextWithOutputs(types.ModuleType):
    """Stands in for jupytext inside mkdocs-jupyter: while it renders a page, read() returns it with its outputs.

    Only nb2html (the page) sees the outputs; nb2md (the table of contents) reads the source, as before.
    """

    def __init__(self, real: types.ModuleType) -> None:
        super().__init__("jupytext")
        self.real = real
        self.rendering = False

    def __getattr__(self, name: str):
        return getattr(self.real, name)

    def read(self, path, *args, **kwargs):
        """The executed notebook registered for path while a page renders, else jupytext's own; stable cell ids."""
        found = ExecutedNotebooks.get(path) if self.rendering else None
        if found is not None:
            return with_stable_ids(copy.deepcopy(found))
        if args or kwargs or not isinstance(path, str | os.PathLike):
            return with_stable_ids(self.real.read(path, *args, **kwargs))
        return with_stable_ids(read_notebook(Path(path)))  # the parse notebook_exec made of the same bytes


def with_stable_ids(notebook):
    """notebook with each cell's id made from its place and source, as its committed twin has them.

    jupytext gives a .py notebook's cells new random ids on every read, and nbconvert writes them into
    the page (id="cell-id=..."): without this, two renders of the same notebook differ.
    """
    scripts_on_path()
    from paired_notebooks import cell_id

    for index, cell in enumerate(notebook.cells):
        cell.id = cell_id(index, cell.source)
    return notebook


def hand_outputs_to_mkdocs_jupyter(config) -> bool:
    """Make mkdocs-jupyter's nb2html read notebooks through JupytextWithOutputs; False without mkdocs-jupyter."""
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        return False
    from mkdocs_jupyter import convert, nbconvert2

    if not isinstance(nbconvert2.jupytext, JupytextWithOutputs):
        proxy = JupytextWithOutputs(nbconvert2.jupytext)
        nbconvert2.jupytext = proxy  # what nb2html's body reads through
        render = convert.nb2html  # the plugin calls convert.nb2html (a star-import of nbconvert2's)

        def nb2html_with_outputs(*args, **kwargs):
            proxy.rendering = True
            try:
                return render(*args, **kwargs)
            finally:
                proxy.rendering = False

        convert.nb2html = nb2html_with_outputs
    return True


STATE: dict = {"cache": None}


def on_config(config):
    """With execution and the cache on, this hook executes notebook pages and mkdocs-jupyter only renders them."""
    ExecutedNotebooks.clear()
    STATE["cache"] = None
    if not hand_outputs_to_mkdocs_jupyter(config):
        return config
    if execution_enabled() and cache_enabled():
        config.plugins["mkdocs-jupyter"].config["execute"] = False
        root = Project.root or Path(config["config_file_path"]).resolve().parent
        STATE["cache"] = NotebookCache(cache_dir(root), cache_required())
    return config


def on_pre_build(config):
    """Start counting for this build."""
    counts.update(reused=0, executed=0)


@event_priority(50)  # before mkdocs-jupyter's on_pre_page, which keys its page cache on what it will read
def on_pre_page(page, config, files):
    """Give a notebook page its outputs: cached, or run now."""
    cache = STATE["cache"]
    if cache is None or not notebook_source(page) or not page.file.abs_src_path:
        return page
    root = Project.root or Path(config["config_file_path"]).resolve().parent
    source = Path(page.file.abs_src_path)
    relative = source.relative_to(root).as_posix() if source.is_relative_to(root) else source.as_posix()
    ExecutedNotebooks.register(source, cache.executed(source, relative, root))
    return page


def on_post_build(config):
    """Say how many notebook pages came from the cache and how many ran."""
    if STATE["cache"] is not None:
        LOG.info(
            "kf: %d notebook page(s) reused from the execution cache, %d run", counts["reused"], counts["executed"]
        )
