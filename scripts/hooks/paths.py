"""snippets/ first on sys.path, and fresh snippet modules (with kf's key memo) and markdown-exec sessions each build."""

from __future__ import annotations

import sys

from shared import SHARED_PACKAGE, Project, has_key_memo, project_root


def put_snippets_first(snippets: str) -> None:
    """Make `import kf` (and any snippets/ module) resolve to this project's snippets/, ahead of everything else."""
    if snippets in sys.path:
        sys.path.remove(snippets)
    sys.path.insert(0, snippets)


def forget_snippet_modules() -> None:
    """Drop kf and its submodules from sys.modules, so the next import reads the files as they are now."""
    for name in list(sys.modules):
        if name == SHARED_PACKAGE or name.startswith(SHARED_PACKAGE + "."):
            del sys.modules[name]


def forget_sessions() -> None:
    """Drop markdown-exec's session globals from the previous build."""
    try:
        from markdown_exec._internal.formatters import python as exec_python

        exec_python._sessions_globals.clear()
    except (ImportError, AttributeError):  # a newer markdown-exec: sessions may live elsewhere
        pass


def on_config(config):
    """Put snippets/ first on sys.path, so pages can `import kf` without installing anything."""
    Project.root = project_root(config)
    put_snippets_first(str(Project.snippets()))
    return config


def memoize_result_keys() -> None:
    """Install kf.key_memo on the kf.cache this build's blocks will import (see kf/key_memo.py), if kf has one."""
    if has_key_memo():
        from kf import key_memo

        key_memo.install()


def on_pre_build(config):
    """Forget snippet modules and markdown-exec sessions from the previous build; memoize kf's result keys."""
    forget_snippet_modules()
    forget_sessions()
    memoize_result_keys()
