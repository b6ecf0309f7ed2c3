"""The execution cache: an executed block's raw output, reused while its code and everything it read are unchanged.

Like Quarto's `freeze` and jupyter-cache, but per block and keyed by content. markdown-exec runs each
exec="on" fence through `markdown_exec.formatters["python"]`; this hook puts a runner there that
looks the run up first. A block's entry is found by

- its code and the code of the earlier blocks of its session (in order),
- the installed package versions, the Python version and the KF_* settings (not KF_LANG, nor the
  cache's own switches),

and it is used only if everything the session read when it ran is unchanged, byte for byte:

- the snippets/ modules it imported (recorded at import, plus the kf modules those import),
- the project files it opened: data/ (the data checksum), results/, templates/, snippets/ ...,
- the folders it listed.

Not in the key: the page's path and the fence's display options (title, tabs, source, result), so
the Chinese pages' byte-identical blocks reuse the English entries. The raw output is stored before
markdown-exec formats it; `shared.add_output_filter` post-processes cached and fresh outputs alike.

A miss in the middle of a session first replays the session's earlier blocks (output discarded) to
restore its state, then runs the block. Settings: KF_CACHE=0 turns the cache off; KF_CACHE_DIR (an
absolute path) moves it to $KF_CACHE_DIR/exec (default .cache/exec); KF_CACHE_REQUIRE=1 makes a
miss fail the build, naming the page, the block's file and line, and what changed; with it,
KF_CACHE_WAIT=N waits up to N seconds for the entry while the build with process id
KF_CACHE_WRITER_PID runs (scripts/build_site.py builds the Chinese edition beside the English one).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import logging
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from errors import block_location
from recording import Digests, Recorder, recording, sha256_parts
from shared import CurrentPage, OutputOrigin, Project, execution_enabled, filter_output

T = TypeVar("T")

FORMAT = "kf-exec-1"  # the recipe of keys and entries: change it and every entry is a miss
IGNORED_SETTINGS = {
    "KF_LANG",
    "KF_CACHE",
    "KF_CACHE_DIR",
    "KF_CACHE_REQUIRE",
    "KF_CACHE_WAIT",
    "KF_CACHE_WRITER_PID",
    "KF_SERVE_CACHE",
    "KF_EXECUTE",
}
OUTPUT_ENVIRONMENT = ("PYTHONHASHSEED", "TF_ENABLE_ONEDNN_OPTS", "MPLBACKEND")  # can change what code prints
LOG = logging.getLogger("mkdocs.hooks.kf.exec_cache")


def _fatal(message: str) -> Exception:
    """An error that stops the build with message: SuperFences would swallow any other exception from a fence."""
    from mkdocs.exceptions import PluginError
    from pymdownx.superfences import SuperFencesException

    class ExecCacheError(SuperFencesException, PluginError):
        """Stops the build from inside a fence."""

    return ExecCacheError(message)


# --- Settings ---


def cache_enabled(environ=os.environ) -> bool:
    """KF_CACHE=0 turns the execution cache off: every block runs."""
    return environ.get("KF_CACHE", "1").strip() != "0"


def cache_required(environ=os.environ) -> bool:
    """KF_CACHE_REQUIRE=1: a block without a valid entry fails the build instead of running."""
    return environ.get("KF_CACHE_REQUIRE", "").strip() not in ("", "0")


def cache_wait_seconds(environ=os.environ) -> float:
    """KF_CACHE_WAIT=N: with KF_CACHE_REQUIRE, wait up to N seconds for a missing entry (another build writing it)."""
    text = environ.get("KF_CACHE_WAIT", "").strip() or "0"
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also rejects nan
        raise _fatal(f"KF_CACHE_WAIT must be a number of seconds, 0 or more: {text!r}")
    return seconds


def writer_alive(environ=os.environ) -> bool:
    """Whether the build writing the entries (KF_CACHE_WRITER_PID, set by scripts/build_site.py) still runs.

    Without KF_CACHE_WRITER_PID there is no writer to wait for.
    """
    text = environ.get("KF_CACHE_WRITER_PID", "").strip()
    if not text.isdigit():
        return False
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def wait_for(look: Callable[[], T | None], environ=os.environ, poll: float = 0.2) -> tuple[T | None, float]:
    """look() until it finds something, the writer ends or KF_CACHE_WAIT runs out; what it found and seconds waited.

    The Chinese edition's build runs beside the English one (scripts/build_site.py) and executes
    nothing: an entry the English build has not written yet is waited for, never run.
    """
    start = time.monotonic()
    limit = cache_wait_seconds(environ)
    found = look()
    while found is None and time.monotonic() - start < limit and writer_alive(environ):
        time.sleep(poll)
        found = look()
    return found, time.monotonic() - start


def cache_dir(root: Path, environ=os.environ) -> Path:
    """$KF_CACHE_DIR/exec if set (it must be absolute), else .cache/exec under the project."""
    configured = environ.get("KF_CACHE_DIR", "").strip()
    if not configured:
        return root / ".cache" / "exec"
    if not Path(configured).is_absolute():
        raise _fatal(
            f"KF_CACHE_DIR must be an absolute path (it is shared between copies of the project): {configured!r}"
        )
    return Path(configured) / "exec"


def kf_settings(environ=os.environ) -> dict[str, str]:
    """The KF_* settings that can change an output (not the language, nor the cache's own switches)."""
    return {k: v for k, v in sorted(environ.items()) if k.startswith("KF_") and k not in IGNORED_SETTINGS}


def installed_versions() -> dict[str, str]:
    """Every installed distribution's version, and Python's: an upgrade anywhere re-runs everything.

    Reading every distribution's metadata takes a noticeable part of a warm build, and the notebook
    keys ask for it again for each page: the answer is kept while the folders on sys.path list the
    same metadata folders (an install or upgrade adds or renames one).
    """
    listing = tuple(sorted(installed_metadata_folders()))
    if _versions.get("listing") != listing:
        found = {(d.metadata["Name"] or "").lower(): d.version for d in importlib.metadata.distributions()}
        _versions.update(listing=listing, versions={"python": platform.python_version(), **dict(sorted(found.items()))})
    return dict(_versions["versions"])


_versions: dict = {}


def installed_metadata_folders() -> list[str]:
    """The *.dist-info and *.egg-info entries of every folder on sys.path, with their modification times."""
    import sys

    found = []
    for folder in sys.path:
        try:
            entries = list(os.scandir(folder or "."))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith((".dist-info", ".egg-info")):
                found.append(f"{folder}/{entry.name}:{entry.stat().st_mtime_ns}")
    return found


# --- Entries ---


@dataclass
class SessionState:
    """One markdown-exec session in this build: its blocks' code so far, what they read, how many really ran."""

    codes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)  # each block's title, so a replay gets the block id it had
    dependencies: dict[str, str] = field(default_factory=dict)  # "file:x" / "folder:x" -> digest when it ran
    live: int = 0  # codes[:live] ran in this build, so the session's globals hold their state


class ExecCache:
    """The cache of one MkDocs process: settings, per-build session states and digests, counts for the log."""

    def __init__(self) -> None:
        self.enabled = False
        self.required = False
        self.root = Path.cwd()
        self.folder = self.root / ".cache" / "exec"
        self.environment: dict = {}
        self.environment_key = ""
        self.sessions: dict[str, SessionState] = {}
        self.digests = Digests(self.root)  # dependency -> digest, computed once per build
        self.counts: Counter[str] = Counter()

    def start_build(self, root: Path, environ=os.environ) -> None:
        """Read the settings and forget the previous build's sessions and digests (called from on_pre_build)."""
        self.enabled = cache_enabled(environ) and execution_enabled()
        self.required = cache_required(environ)
        self.root = root
        self.folder = cache_dir(root, environ)
        self.sessions, self.digests, self.counts = {}, Digests(root), Counter()
        output_environment = {k: environ.get(k, "") for k in OUTPUT_ENVIRONMENT}
        self.environment = {"settings": kf_settings(environ), "environment": output_environment}
        versions = installed_versions()
        self.environment["versions"] = sha256_parts(json.dumps(versions, sort_keys=True))
        self.environment_key = sha256_parts(FORMAT, json.dumps(self.environment, sort_keys=True))

    # -- keys and digests --

    def key(self, codes: list[str]) -> str:
        """The lookup key of a session's latest block: the environment and the code of the session so far."""
        return sha256_parts(self.environment_key, *codes)

    def entry_path(self, key: str) -> Path:
        """Where the entry of key lives."""
        return self.folder / "blocks" / key[:2] / f"{key}.json"

    def load(self, key: str) -> dict | None:
        """The stored entry of key, or None (a damaged entry counts as none)."""
        try:
            entry = json.loads(self.entry_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("format") == FORMAT else None

    def valid_entry(self, key: str) -> dict | None:
        """The stored entry of key if everything it read is unchanged, else None."""
        entry = self.load(key)
        return entry if entry is not None and not self.digests.changed(entry["dependencies"]) else None

    def store(self, key: str, entry: dict) -> None:
        """Write an entry atomically (several builds may share the folder)."""
        write_atomically(self.entry_path(key), json.dumps(entry, ensure_ascii=False, sort_keys=True))

    # -- the runner markdown-exec calls --

    def run(self, code: str, returncode: int | None = None, session: str | None = None, id=None, **extra) -> str:
        """markdown-exec's `run`: the block's output from the cache, or from running it (and then stored)."""
        if not self.enabled:
            from markdown_exec._internal.formatters.python import _run_python

            return _run_python(code, returncode=returncode, session=session, id=id, **extra)
        name = session or ""
        state = self.sessions.setdefault(name, SessionState()) if name else SessionState()
        codes = [*state.codes, code]
        key = self.key(codes)
        origin = OutputOrigin(page=CurrentPage.relative(), session=name, code=code)
        entry = self.load(key)
        if entry is not None and not self.digests.changed(entry["dependencies"]):
            state.codes, state.dependencies = codes, dict(entry["dependencies"])
            state.titles.append(extra.get("title", ""))
            CurrentPage.dependencies.update(state.dependencies)
            self.counts["reused"] += 1
            return filter_output(entry["output"], origin)
        if self.required:
            entry, waited = wait_for(lambda: self.valid_entry(key))
            if entry is not None:
                state.codes, state.dependencies = codes, dict(entry["dependencies"])
                state.titles.append(extra.get("title", ""))
                CurrentPage.dependencies.update(state.dependencies)
                self.counts["reused"] += 1
                return filter_output(entry["output"], origin)
            message = self.explain_miss(name, codes, self.load(key), extra.get("title", ""))
            raise _fatal(message + waited_note(waited))
        LOG.debug("kf: running block %d of session %r on %s", len(codes), name, origin.page)
        output, read = self.execute(state, code, returncode=returncode, session=session, id=id, **extra)
        dependencies = {**state.dependencies, **{d: self.digests(d) for d in read}}
        state.dependencies = dependencies
        CurrentPage.dependencies.update(dependencies)
        self.counts["executed"] += 1
        self.store(
            key,
            {
                "format": FORMAT,
                "output": output,
                "dependencies": dependencies,
                "code": code,
                "session": name,
                "position": len(codes),
                "page": origin.page,
                "environment": self.environment,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )
        if name:
            self.remember_session(name, codes)
        return filter_output(output, origin)

    def execute(self, state: SessionState, code: str, **options) -> tuple[str, set[str]]:
        """Replay the session's blocks that did not run in this build, run this one; its output and what they read."""
        from markdown_exec._internal.formatters import python as exec_python

        session = options.get("session") or ""
        with recording(Recorder(self.root)) as recorder:
            for position in range(state.live, len(state.codes)):
                LOG.debug("kf: replaying block %d of session %r to restore its state", position + 1, session)
                if session:
                    exec_python._sessions_counter[session] = position  # the block id a cold build gives it
                title = {"title": state.titles[position]} if state.titles[position] else {}
                exec_python._run_python(state.codes[position], session=session, **title)
            if session:
                exec_python._sessions_counter[session] = len(state.codes)
            try:
                output = exec_python._run_python(code, **options)
            finally:
                state.codes.append(code)
                state.titles.append(options.get("title", ""))
                state.live = len(state.codes)
        return output, recorder.dependencies()

    # -- KF_CACHE_REQUIRE: say what changed --

    def session_index_path(self, name: str) -> Path:
        """The file that remembers the code of each block of a session, last time it ran."""
        return self.folder / "sessions" / f"{sha256_parts(name)[:32]}.json"

    def remember_session(self, name: str, codes: list[str]) -> None:
        """Record the code digests of a session's blocks up to this one, and the environment they ran in."""
        path = self.session_index_path(name)
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {"codes": [], "environment": {}}
        digests = [sha256_parts(c) for c in codes]
        known["codes"] = digests + known.get("codes", [])[len(digests) :]
        known["environment"] = self.environment
        write_atomically(path, json.dumps(known, sort_keys=True))

    def explain_miss(self, name: str, codes: list[str], entry: dict | None, title: str) -> str:
        """The message of a required miss: the page, the block's file and line, and what changed."""
        where = block_location(title, codes[-1], 1) or CurrentPage.relative() or "a page"
        head = f"KF_CACHE_REQUIRE is set and the block at {where} (page {CurrentPage.relative()}) has no cached output"
        if entry is not None:
            changed = ", ".join(self.digests.changed(entry["dependencies"]))
            return f"{head}: what it read has changed since it ran: {changed}."
        try:
            known = json.loads(self.session_index_path(name).read_text(encoding="utf-8")) if name else None
        except (OSError, ValueError):
            known = None
        if known is None:
            return f"{head}: this code never ran with the execution cache on (session {name or '(none)'})."
        digests = [sha256_parts(c) for c in codes]
        for position, digest in enumerate(digests):
            if position >= len(known["codes"]) or known["codes"][position] != digest:
                which = "this block" if position == len(codes) - 1 else f"block {position + 1} of the session"
                return f"{head}: the code of {which} ({name}) changed since the session last ran."
        before, now = known.get("environment", {}), self.environment
        changed = sorted(
            {
                k
                for k in {**before.get("settings", {}), **now["settings"]}
                if before.get("settings", {}).get(k) != now["settings"].get(k)
            }
        )
        if changed:
            return f"{head}: these settings changed: {', '.join(changed)}."
        if before.get("versions") != now["versions"]:
            return f"{head}: the installed package versions changed."
        return f"{head}: the environment ({', '.join(OUTPUT_ENVIRONMENT)}) changed."


def waited_note(seconds: float) -> str:
    """What a required miss adds when it waited for another build to write the entry."""
    if seconds < 0.05:
        return ""
    return f" (waited {seconds:.0f} s for the English build, which ended or ran past KF_CACHE_WAIT, to write it)"


def write_atomically(path: Path, text: str) -> None:
    """Write text to path through a temporary file in the same folder, so a reader never sees half an entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


CACHE = ExecCache()


def format_python(**options) -> str:
    """markdown-exec's Python formatter with the cached runner: the same formatting, the run looked up first."""
    from markdown_exec import base_format

    return base_format(language="python", run=CACHE.run, **options)


def install_formatter(enabled: bool) -> None:
    """Put format_python in markdown-exec's formatter table for python/py fences, or put the original back."""
    import markdown_exec
    from markdown_exec._internal.formatters.python import _format_python

    for language in ("python", "py"):
        markdown_exec.formatters[language] = format_python if enabled else _format_python


def on_config(config):
    """Route markdown-exec's Python fences through the cache (or not, with KF_CACHE=0 or execution off)."""
    install_formatter(cache_enabled() and execution_enabled())
    return config


def on_pre_build(config):
    """Start a build: settings, fresh session states and digests."""
    CACHE.start_build(Project.root or Path(config["config_file_path"]).resolve().parent)


def on_post_build(config):
    """Say how many blocks came from the cache and how many ran."""
    if CACHE.enabled:
        LOG.info(
            "kf: %d executed block(s) reused from %s, %d run",
            CACHE.counts["reused"],
            CACHE.folder,
            CACHE.counts["executed"],
        )
