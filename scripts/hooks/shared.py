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
# ... and memoize kf's result keys (kf/key_memo.py) as the build process does, leaving no name in the notebook.
MEMOIZE_KEYS = '--IPKernelApp.exec_lines=__import__("kf.key_memo").key_memo.install()'

NOTEBOOK_SUFFIXES = (".ipynb", ".py")


class Project:
    """The folders of the project being built, set by paths.on_config before any page renders."""

    root: Path | None = None

    @classmethod
    def snippets(cls) -> Path | None:
        """snippets/ of the project being built, or None before on_config."""
        return cls.root / "snippets" if cls.root else None


def has_key_memo() -> bool:
    """True when the project's kf has kf/key_memo.py (the tests' small projects have a kf of their own without it)."""
    snippets = Project.snippets()
    return snippets is not None and (snippets / "kf" / "key_memo.py").is_file()


def kernel_arguments() -> list[str]:
    """The arguments of the notebook kernels a build starts: quiet, and with kf's key memo if it has one."""
    return QUIET_KERNEL + ([MEMOIZE_KEYS] if has_key_memo() else [])


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


# --- Work memoized by the content it reads: the same answer for the same bytes, within one process ---

_by_content: dict[tuple[str, str], object] = {}


def from_file(path: Path, compute: Callable[[Path], object]) -> object:
    """compute(path), reused while path's bytes and the code of compute's module are unchanged.

    For pure functions of one file (a notebook's code cells, their digest): a build keys each notebook
    on its siblings' code, so without this every notebook is parsed again for each of its siblings.
    """
    import hashlib

    module = sys.modules.get(compute.__module__)
    code = Path(module.__file__).read_bytes() if module is not None and getattr(module, "__file__", None) else b""
    digest = hashlib.sha256(code + b"\0" + Path(path).read_bytes()).hexdigest()
    key = (f"{compute.__module__}.{compute.__qualname__}:{os.path.abspath(path)}", digest)
    if key not in _by_content:
        _by_content[key] = compute(Path(path))
    return _by_content[key]


def kf_package_digest(modules: frozenset[str]) -> str:
    """kf.cache.package_digest(modules=modules), the same value, each kf module's imports parsed once per content.

    kf.cache (frozen) parses every module of the closure again for each notebook page.
    """
    from kf import cache

    directory = Path(cache.KF_DIR)
    parser_code = Path(cache.__file__).read_bytes()
    todo, seen, texts = ["__init__", *modules], set(), {}
    while todo:  # kf.cache.module_closure, with kf_imports memoized
        name = todo.pop()
        path = directory / f"{name}.py"
        if name in seen or not path.is_file():
            continue
        seen.add(name)
        texts[name] = path.read_text(encoding="utf-8")
        todo.extend(_kf_imports(texts[name], cache.kf_imports, parser_code))
    return cache.sha256_text(*(f"{name}.py\n{texts[name]}" for name in sorted(seen, key=lambda n: f"{n}.py")))


def _kf_imports(source: str, kf_imports: Callable[[str], set[str]], parser_code: bytes) -> set[str]:
    """kf_imports(source), memoized by the source text and the code of the module defining kf_imports."""
    import hashlib

    key = ("kf_imports", hashlib.sha256(parser_code + b"\0" + source.encode()).hexdigest())
    if key not in _by_content:
        _by_content[key] = kf_imports(source)
    return _by_content[key]  # type: ignore[return-value]
