"""What the hook modules share (a plain module, not a hook): the project's folders, the execution switch, page kinds."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything imports TensorFlow
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the same numbers on every build
os.environ.setdefault("MPLBACKEND", "Agg")

HOOKS_DIR = Path(__file__).resolve().parent
SCRIPTS_DIR = HOOKS_DIR.parent


def scripts_on_path() -> None:
    """Make scripts/ importable (paired_notebooks.py, which the notebook hooks reuse).

    Call it where the import happens: MkDocs puts sys.path back as it was after loading each hook.
    """
    if str(SCRIPTS_DIR) not in sys.path:
        sys.path.append(str(SCRIPTS_DIR))


SHARED_PACKAGE = "kf"
# Notebook kernels log only errors: ipykernel warns "Kernel is running over TCP without encryption" on
# every start, though the kernel listens on loopback only; a healthy build prints no warning.
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]
NOTEBOOK_SUFFIXES = (".ipynb", ".py")


class Project:
    """The folders of the project being built, set by paths.on_config before any page renders."""

    root: Path | None = None

    @classmethod
    def snippets(cls) -> Path | None:
        """snippets/ of the project being built, or None before on_config."""
        return cls.root / "snippets" if cls.root else None


class CurrentPage:
    """The page whose Markdown is being rendered: set by errors.on_page_markdown, read by error messages and caches."""

    source: Path | None = None  # its file (docs/x.md)
    markdown: str = ""  # its Markdown as written, before pymdownx.snippets pulls code in
    dependencies: ClassVar[dict[str, str]] = {}  # what its executed blocks read (digests), as the execution cache knows

    @classmethod
    def relative(cls) -> str:
        """The page's file relative to the project root (docs/x.md), or '' outside a page."""
        if cls.source is None:
            return ""
        try:
            return cls.source.relative_to(Project.root).as_posix() if Project.root else cls.source.as_posix()
        except ValueError:
            return cls.source.as_posix()


def project_root(config) -> Path:
    """The folder holding mkdocs.yml."""
    return Path(config["config_file_path"]).resolve().parent


def execution_enabled() -> bool:
    """KF_EXECUTE=0 builds the site with code shown but not run (for benchmarks and quick drafts)."""
    return os.environ.get("KF_EXECUTE", "1") != "0"


def notebook_source(page) -> str | None:
    """The page's source path under docs/ (e.g. 'experiments/x.ipynb') if it was rendered from a notebook."""
    src_uri = getattr(page.file, "src_uri", "") or ""
    return src_uri if src_uri.endswith(NOTEBOOK_SUFFIXES) else None


# --- Output post-processing: one hook point for cached and fresh outputs, blocks and notebooks alike ---


@dataclass(frozen=True)
class OutputOrigin:
    """Where an output came from, for output filters: the page, the session and the code that printed it."""

    page: str  # the page's file relative to the project (docs/x.md, docs_zh/x.md, docs/experiments/x.py)
    session: str  # markdown-exec's session name ('' for none; the notebook's path for a notebook cell)
    code: str  # the block's or the notebook cell's code
    kind: str = "block"  # "block" (an exec="on" fence) or "notebook" (a notebook cell's output)
    mime: str = "text/markdown"  # what the text is: a block's raw output, or a notebook output's MIME type


OutputFilter = Callable[[str, OutputOrigin], str]
OUTPUT_FILTERS: list[OutputFilter] = []


def add_output_filter(output_filter: OutputFilter) -> None:
    """Register fn(text, origin) -> text, applied to every executed output (cached or fresh) before it is formatted.

    For an exec="on" block the text is its raw output (what it printed: Markdown, or HTML with html="1"),
    before markdown-exec adds tabs, titles and source. For a notebook, each text output of a code cell
    (streams, text/plain, text/markdown, text/html), with origin.mime saying which. The cache stores
    outputs unfiltered, so one entry serves every edition: the Chinese build translates prose here.
    Registering the same function twice (a serve rebuild re-running on_config) adds it once.
    """
    if output_filter not in OUTPUT_FILTERS:
        OUTPUT_FILTERS.append(output_filter)


def filter_output(text: str, origin: OutputOrigin) -> str:
    """text after every registered output filter, in registration order."""
    for output_filter in OUTPUT_FILTERS:
        text = output_filter(text, origin)
    return text


class ExecutedNotebooks:
    """Notebook pages with their outputs filled in by notebook_exec, by source path, for mkdocs-jupyter to render."""

    _by_path: ClassVar[dict[str, tuple[object, str]]] = {}  # absolute source path -> (notebook, sha256 of its JSON)

    @classmethod
    def register(cls, source: Path, notebook) -> None:
        """Remember source's executed notebook for this build."""
        import hashlib
        import json

        # Cell ids left out: jupytext gives a .py notebook's cells new random ids on every read.
        cells = [{k: v for k, v in cell.items() if k != "id"} for cell in notebook["cells"]]
        digest = hashlib.sha256(json.dumps([notebook.get("metadata"), cells], sort_keys=True).encode()).hexdigest()
        cls._by_path[os.path.abspath(source)] = (notebook, digest)

    @classmethod
    def get(cls, source):
        """The executed notebook registered for source, or None."""
        found = cls._by_path.get(os.path.abspath(os.fsdecode(source)))
        return found[0] if found else None

    @classmethod
    def digest(cls, source) -> str:
        """sha256 of source's executed notebook ('' if none is registered): part of the rendered page's key."""
        found = cls._by_path.get(os.path.abspath(os.fsdecode(source)))
        return found[1] if found else ""

    @classmethod
    def clear(cls) -> None:
        """Forget every registered notebook."""
        cls._by_path.clear()
