"""What code reads while it runs: project files opened, folders listed, modules imported; and their digests.

A plain module (not a hook) that exec_cache and serve_cache share: an audit hook on "open" and
"os.listdir"/"os.scandir"/"glob.glob" events and a wrapper around imports, installed once per
process and silent unless a Recorder is active. Recorders nest (a page being rendered, and a block
running inside it): every active one sees the event.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

IGNORED_FOLDERS = {".cache", ".git", ".venv", "site", "__pycache__", "test-artifacts", ".pytest_cache"}


class Recorder:
    """The project files, folders and modules touched while it is active."""

    active: ClassVar[list[Recorder]] = []
    _installed = False

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.files: set[str] = set()
        self.folders: set[str] = set()
        self.modules: set[str] = set()

    def relative(self, path) -> str | None:
        """path relative to the project root if it is a project file a key should follow, else None."""
        try:
            absolute = os.path.abspath(os.fsdecode(path))
        except TypeError:  # a file descriptor
            return None
        if not absolute.startswith(self.root + os.sep):
            return None
        relative = absolute[len(self.root) + 1 :]
        if IGNORED_FOLDERS.intersection(relative.split(os.sep)) or relative.endswith(".pyc"):
            return None
        return relative.replace(os.sep, "/")

    def dependencies(self) -> set[str]:
        """What was read, as 'file:<path>' and 'folder:<path>' names (modules as their files, kf's closure too)."""
        files = self.files | module_files(self.modules, Path(self.root))
        return {f"file:{f}" for f in files} | {f"folder:{f}" for f in self.folders}

    @classmethod
    def install(cls) -> None:
        """Install the audit hook and the import wrappers once per process; they do nothing while none is active."""
        if cls._installed:
            return
        cls._installed = True
        sys.addaudithook(_audit)
        original_import, original_import_module = builtins.__import__, importlib.import_module

        def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
            module = original_import(name, globals, locals, fromlist, level)
            if cls.active:
                base = name if level == 0 else getattr(module, "__name__", name)
                names = {base} | {f"{base}.{item}" for item in fromlist or () if item != "*"}
                for recorder in cls.active:
                    recorder.modules.update(names)
            return module

        def recording_import_module(name, package=None):
            module = original_import_module(name, package)
            for recorder in cls.active:
                recorder.modules.add(module.__name__)
            return module

        builtins.__import__ = recording_import
        importlib.import_module = recording_import_module


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    """Make recorder active for the duration of the block."""
    Recorder.install()
    Recorder.active.append(recorder)
    try:
        yield recorder
    finally:
        Recorder.active.remove(recorder)


def _audit(event: str, args: tuple) -> None:
    """Audit hook: note project files opened for reading and folders listed, for every active recorder."""
    if not Recorder.active:
        return
    if event == "open" and args and not isinstance(args[0], int):
        mode, flags = (args[1], args[2]) if len(args) > 2 else (None, 0)
        writing = (
            any(c in mode for c in "wax") if isinstance(mode, str) else bool((flags or 0) & (os.O_WRONLY | os.O_RDWR))
        )
        if writing:
            return
        for recorder in Recorder.active:
            relative = recorder.relative(args[0])
            if relative is not None:
                recorder.files.add(relative)
    elif event in ("os.listdir", "os.scandir", "glob.glob") and args and args[0] is not None:
        for recorder in Recorder.active:
            relative = recorder.relative(os.path.dirname(args[0]) if event == "glob.glob" else args[0])
            if relative is not None:
                recorder.folders.add(relative)


def kf_imports(source: str) -> set[str]:
    """Names of the kf modules a piece of Python code imports, anywhere in it (as kf.cache.kf_imports counts them)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("kf.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kf":
                found |= {a.name for a in node.names}
            elif node.module.startswith("kf."):
                found.add(node.module.split(".")[1])
    return found


def kf_closure(names: set[str], kf_dir: Path) -> set[Path]:
    """The files of the named kf modules, of every kf module they import (transitively), and __init__.py."""
    todo, seen = ["__init__", *names], set()
    while todo:
        name = todo.pop()
        path = kf_dir / f"{name}.py"
        if name in seen or not path.is_file():
            continue  # a name imported from kf that is not a module file (a function, say)
        seen.add(name)
        todo.extend(kf_imports(path.read_text(encoding="utf-8")))
    return {kf_dir / f"{name}.py" for name in seen}


def module_files(names: set[str], root: Path) -> set[str]:
    """The project files (relative) of the named modules, plus every kf module a kf module imports, statically.

    A module imported earlier in the build (by another page) is not read again, so the import itself is
    recorded; what that module imports at its top or inside its functions is found by reading its code.
    """
    files, kf_modules = set(), set()
    for name in names:
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path or not os.path.abspath(path).startswith(str(root) + os.sep):
            continue
        relative = Path(os.path.abspath(path)).relative_to(root)
        if is_ignored(relative.as_posix()):
            continue  # an installed package in .venv inside the project: its version is in every key
        files.add(relative.as_posix())
        if name == "kf" or name.startswith("kf."):
            kf_modules.add(name.split(".")[1] if "." in name else "__init__")
    kf_dir = root / "snippets" / "kf"
    if kf_modules and kf_dir.is_dir():
        files.update(p.relative_to(root).as_posix() for p in kf_closure(kf_modules, kf_dir))
    return files


def sha256_parts(*parts: str) -> str:
    """Hex sha256 of the parts, length-prefixed so that ('ab', 'c') and ('a', 'bc') differ."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode()
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.hexdigest()


class Digests:
    """Current digests of recorded dependencies, each computed once (make a new one per build)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.known: dict[str, str] = {}

    def __call__(self, dependency: str) -> str:
        """The digest of 'file:<path>' (its bytes) or 'folder:<path>' (its names); 'missing' if it is gone."""
        if dependency not in self.known:
            kind, _, relative = dependency.partition(":")
            path = self.root / relative
            if kind == "folder":
                # Names no key follows (__pycache__, site, ...) appear while builds run: a Python import, or a
                # build beside this one, adds them. Counting them made a listing taken a second later differ.
                listed = path.iterdir() if path.is_dir() else None
                names = sorted(p.name for p in listed if p.name not in IGNORED_FOLDERS) if listed is not None else None
                self.known[dependency] = sha256_parts(*names) if names is not None else "missing"
            else:
                data = path.read_bytes() if path.is_file() else None
                self.known[dependency] = hashlib.sha256(data).hexdigest() if data is not None else "missing"
        return self.known[dependency]

    def changed(self, dependencies: dict[str, str]) -> list[str]:
        """The dependencies whose content differs now from the digest recorded with them.

        Files in IGNORED_FOLDERS are skipped: entries recorded before module_files left .venv out
        list thousands of installed modules, and the installed versions are in every key anyway.
        """
        return [
            name
            for name, digest in sorted(dependencies.items())
            if not is_ignored(name.partition(":")[2]) and self(name) != digest
        ]


def is_ignored(relative: str) -> bool:
    """Whether a project-relative path lies in a folder no key follows (.venv, .cache, site, ...)."""
    return bool(IGNORED_FOLDERS.intersection(relative.split("/")))
