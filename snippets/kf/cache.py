"""A result cache for heavy experiments that cannot go stale.

A result is keyed by everything that can change it: the job's name and parameters, the seed,
the code of the page that asks for it (code cells only, so prose edits do not retrain), the
source of the whole kf package, the data checksum and the versions of Python, numpy,
TensorFlow and Keras. Results live under .cache/experiments/ at the repository root
(or $KF_CACHE_DIR); every lookup appends a hit/miss line to log.jsonl there, with the number
of models the job trained, so benchmarks can count trainings.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
KF_DIR = Path(__file__).resolve().parent
DEFAULT_DIR = REPO_ROOT / ".cache" / "experiments"
ENV_DIR = "KF_CACHE_DIR"
LOG_NAME = "log.jsonl"
VERSIONED = ("numpy", "tensorflow", "keras")

_trainings = 0  # models trained in this process; jobs call count_training()


def cache_dir() -> Path:
    """Where results are stored: $KF_CACHE_DIR, else .cache/experiments at the repository root."""
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


def count_training() -> None:
    """Record that one model was trained (the log reports how many a job needed)."""
    global _trainings
    _trainings += 1


def trainings() -> int:
    """Models trained so far in this process."""
    return _trainings


def sha256_text(*parts: str) -> str:
    """Hex sha256 of the parts, separated so that ('ab', 'c') and ('a', 'bc') differ."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part.encode()).to_bytes(8, "big"))
        digest.update(part.encode())
    return digest.hexdigest()


def kf_imports(source: str) -> set[str]:
    """Names of the kf modules a piece of Python code imports (anywhere, including inside functions)."""
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


def module_closure(modules: Iterable[str], directory: Path | None = None) -> list[Path]:
    """The files of the given kf modules, of every kf module they import (transitively), and __init__.py."""
    directory = Path(directory or KF_DIR)
    todo, seen = ["__init__", *modules], set()
    while todo:
        name = todo.pop()
        path = directory / f"{name}.py"
        if name in seen or not path.is_file():
            continue  # a name imported from kf that is not a module file (a function, say)
        seen.add(name)
        todo.extend(kf_imports(path.read_text(encoding="utf-8")))
    return sorted(directory / f"{name}.py" for name in seen)


def package_digest(directory: Path | None = None, modules: Iterable[str] | None = None) -> str:
    """sha256 over kf's .py files (name and bytes): all of them, or only `modules` and what they import."""
    directory = Path(directory or KF_DIR)
    files = sorted(directory.glob("*.py")) if modules is None else module_closure(modules, directory)
    return sha256_text(*(f"{f.name}\n{f.read_text(encoding='utf-8')}" for f in files))


def notebook_code(path: Path) -> str:
    """The code cells of a jupytext notebook (or .ipynb), joined; the whole text of any other file."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"code file {path} not found: the cache key needs the code that produces the result")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb" or (path.suffix in (".py", ".md") and "# %%" in text):
        import jupytext

        notebook = jupytext.reads(text, fmt=path.suffix.lstrip("."))
        text = "\n# ---- cell ----\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    return text


def code_digest(path: Path) -> str:
    """sha256 of a page's code: the code cells of a jupytext notebook, else the whole file."""
    return sha256_text(notebook_code(path))


def package_version(name: str) -> str:
    """Installed version of a distribution; TensorFlow may be installed as tensorflow-cpu."""
    candidates = {"tensorflow": ("tensorflow", "tensorflow-cpu")}.get(name, (name,))
    for candidate in candidates:
        try:
            return importlib.metadata.version(candidate)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def versions() -> dict[str, str]:
    """The versions that can change numerical results."""
    return {"python": platform.python_version(), **{n: package_version(n) for n in VERSIONED}}


def cache_key(
    name: str,
    params: Mapping[str, object],
    seed: int,
    code: Iterable[Path],
    data_sha256: str,
    modules: Iterable[str] | None = None,
    env_versions: Mapping[str, str] | None = None,
) -> str:
    """The sha256 key of a result: change any ingredient and the key changes."""
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"job name must be letters, digits, '-' or '_', got {name!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if not data_sha256:
        raise ValueError("data_sha256 is empty: the key needs the data checksum")
    ingredients = {
        "name": name,
        "params": params,
        "seed": seed,
        "code": {str(Path(p).name): code_digest(Path(p)) for p in code},
        "kf": package_digest(modules=modules),
        "data": data_sha256,
        "versions": dict(env_versions if env_versions is not None else versions()),
    }
    try:
        canonical = json.dumps(ingredients, sort_keys=True, separators=(",", ":"))
    except TypeError as error:
        raise ValueError(f"job parameters must be JSON values (numbers, strings, lists, dicts): {error}") from None
    return sha256_text(canonical)


def _split(result: Mapping[str, object]) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """Separate numpy arrays (stored in .npz) from JSON values."""
    scalars, arrays = {}, {}
    for key, value in result.items():
        (arrays if isinstance(value, np.ndarray) else scalars)[key] = value
    return scalars, arrays


def _write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def log(event: str, name: str, key: str, trained: int, seconds: float) -> None:
    """Append one lookup to the cache log."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {"event": event, "job": name, "key": key[:16], "trainings": trained, "seconds": round(seconds, 3)}
    )
    with open(directory / LOG_NAME, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read_log(directory: Path | None = None) -> list[dict[str, object]]:
    """Every lookup logged so far (empty when nothing ran)."""
    path = Path(directory or cache_dir()) / LOG_NAME
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load(key: str) -> dict[str, object] | None:
    """A stored result, or None if there is none (or it is unreadable)."""
    directory = cache_dir()
    meta = directory / f"{key}.json"
    if not meta.is_file():
        return None
    try:
        result = json.loads(meta.read_text(encoding="utf-8"))["result"]
        arrays = directory / f"{key}.npz"
        if arrays.is_file():
            with np.load(arrays, allow_pickle=False) as npz:
                result.update({name: npz[name] for name in npz.files})
        return result
    except (OSError, ValueError, KeyError):
        return None  # a damaged entry is recomputed, never trusted


def store(key: str, name: str, result: Mapping[str, object]) -> None:
    """Save a result: JSON values in <key>.json, arrays in <key>.npz (written first)."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    scalars, arrays = _split(result)
    if arrays:
        path = directory / f"{key}.npz"
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
    try:
        payload = json.dumps({"job": name, "result": scalars}, sort_keys=True, indent=1)
    except TypeError as error:
        raise ValueError(f"job {name!r} returned a value that is neither JSON nor a numpy array: {error}") from None
    _write_atomic(directory / f"{key}.json", payload.encode())


def cached(
    name: str,
    job: Callable[[], Mapping[str, object]],
    *,
    params: Mapping[str, object],
    seed: int,
    code: Iterable[Path],
    data_sha256: str,
    modules: Iterable[str] | None = None,
) -> dict[str, object]:
    """The job's result from the cache if its key matches, else run the job, store and return it.

    `modules` names the kf modules the job runs (their kf imports are followed); None hashes all of kf.
    """
    start = time.perf_counter()
    key = cache_key(name, params, seed, list(code), data_sha256, modules)
    hit = load(key)
    if hit is not None:
        log("hit", name, key, 0, time.perf_counter() - start)
        return hit
    before = trainings()
    result = dict(job())
    store(key, name, result)
    log("miss", name, key, trainings() - before, time.perf_counter() - start)
    return load(key) or result  # the reloaded copy: a miss and a hit give the very same types
