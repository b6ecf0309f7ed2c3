"""Frozen experiment results: trained once by `make experiments`, committed, loaded by the site build.

A result is keyed by everything that can change its numbers: the job's name and parameters, the
seed, the source of the kf modules the job runs (and every kf module they import), any code files
the job names, the data checksum and the versions of Python, numpy, TensorFlow and Keras. Page
display code is not part of the key, so a prose or plotting edit never retrains.

Where results live and when jobs run:

- `results/<experiment>/<job>.json` (+ `.npz` for arrays), committed: the frozen results, each with
  its key, the key's ingredients and provenance (date, machine, device, wall time). At most one
  file per job name; `make experiments` overwrites it when the key changes.
- The site build and tests only read them (mode "frozen"). A job whose frozen result is missing
  or stale raises FrozenResultMissing, naming the experiment and the command that refreshes it.
- `scripts/run_experiments.py` (`make experiments`) sets mode "write": a job whose frozen result
  matches is skipped (so the run resumes), any other is run and frozen.
- KF_DRAFT=1 (for `mkdocs serve` only; a strict `mkdocs build` refuses it) lets a missing result
  fall back to the job's quick low-budget `draft` run, cached in .cache/experiments/ (or
  $KF_CACHE_DIR) and marked `draft: True` so the page shows a banner.

The job registry: every module in EXPERIMENT_MODULES that defines `jobs() -> list[Job]` takes part
in `make experiments`; `Job.result()` is what a page calls. `cached(name, job, params=, seed=,
code=, data_sha256=, modules=)` is the same lookup without a Job object. Every lookup appends a
line to .cache/experiments/log.jsonl with the number of models trained, so benchmarks can show a
build trains none.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import platform
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
KF_DIR = Path(__file__).resolve().parent
DEFAULT_DIR = REPO_ROOT / ".cache" / "experiments"
ENV_DIR = "KF_CACHE_DIR"
RESULTS_DIR = REPO_ROOT / "results"
ENV_RESULTS = "KF_RESULTS_DIR"
ENV_DRAFT = "KF_DRAFT"
REFRESH_CMD = "make experiments"
MODES = ("frozen", "write")
EXPERIMENT_MODULES = ("kf.experiments", "kf.erf", "kf.scenarios")  # each may define jobs() -> list[Job]
LOG_NAME = "log.jsonl"
VERSIONED = ("numpy", "tensorflow", "keras")

_trainings = 0  # models trained in this process; jobs call count_training()
_mode = "frozen"  # "write" only inside scripts/run_experiments.py
_epoch_hook: Callable[[int, int, Mapping[str, float]], None] | None = None


class FrozenResultMissing(RuntimeError):
    """No committed result matches the current code and data for this job."""


def set_mode(mode: str) -> None:
    """'frozen' (read committed results only) or 'write' (run and freeze what is missing)."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    _mode = mode


def mode() -> str:
    """The current lookup mode."""
    return _mode


def draft_enabled() -> bool:
    """True when $KF_DRAFT asks for quick low-budget stand-ins where no frozen result matches."""
    return os.environ.get(ENV_DRAFT, "").strip() not in ("", "0")


def results_dir() -> Path:
    """Where frozen results are committed: $KF_RESULTS_DIR, else results/ at the repository root."""
    return Path(os.environ.get(ENV_RESULTS) or RESULTS_DIR)


def set_epoch_hook(hook: Callable[[int, int, Mapping[str, float]], None] | None) -> None:
    """Register a callback (epoch, max_epochs, metrics) that training calls after every epoch."""
    global _epoch_hook
    _epoch_hook = hook


def report_epoch(epoch: int, max_epochs: int, metrics: Mapping[str, float]) -> None:
    """Tell the progress display that an epoch finished (no-op without a hook)."""
    if _epoch_hook is not None:
        _epoch_hook(epoch, max_epochs, metrics)


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


def key_ingredients(
    name: str,
    params: Mapping[str, object],
    seed: int,
    code: Iterable[Path],
    data_sha256: str,
    modules: Iterable[str] | None = None,
    env_versions: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """Everything a result's key is made of, checked: change any of it and the key changes."""
    if not name or not name.replace("-", "").replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"job name must be ASCII letters, digits, '-' or '_', got {name!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if not data_sha256:
        raise ValueError("data_sha256 is empty: the key needs the data checksum")
    modules = None if modules is None else sorted(modules)
    files = module_closure(modules) if modules is not None else sorted(KF_DIR.glob("*.py"))
    ingredients = {
        "name": name,
        "params": params,
        "seed": seed,
        "code": {str(Path(p).name): code_digest(Path(p)) for p in code},
        "kf": package_digest(modules=modules),
        "kf_files": [f.name for f in files],
        "data": data_sha256,
        "versions": dict(env_versions if env_versions is not None else versions()),
    }
    try:
        json.dumps(ingredients, sort_keys=True)
    except TypeError as error:
        raise ValueError(f"job parameters must be JSON values (numbers, strings, lists, dicts): {error}") from None
    return ingredients


def key_of(ingredients: Mapping[str, object]) -> str:
    """The sha256 key of a set of ingredients (canonical JSON)."""
    return sha256_text(json.dumps(ingredients, sort_keys=True, separators=(",", ":")))


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
    return key_of(key_ingredients(name, params, seed, code, data_sha256, modules, env_versions))


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


def experiment_of(name: str) -> str:
    """The experiment a job belongs to when none is given: its name up to the first '-'."""
    return name.split("-", 1)[0]


def frozen_paths(experiment: str, name: str) -> tuple[Path, Path]:
    """The committed JSON and NPZ files of one job."""
    folder = results_dir() / experiment
    return folder / f"{name}.json", folder / f"{name}.npz"


def read_frozen(experiment: str, name: str) -> dict[str, object] | None:
    """The committed record of a job (key, ingredients, provenance, result), or None if absent or unreadable."""
    meta, _ = frozen_paths(experiment, name)
    if not meta.is_file():
        return None
    try:
        record = json.loads(meta.read_text(encoding="utf-8"))
        return record if isinstance(record, dict) and "key" in record and "result" in record else None
    except (OSError, ValueError):
        return None


def load_frozen(experiment: str, name: str, key: str) -> dict[str, object] | None:
    """The committed result of a job if its key matches, with its arrays; else None."""
    record = read_frozen(experiment, name)
    if record is None or record["key"] != key:
        return None
    result = dict(record["result"])
    _, arrays = frozen_paths(experiment, name)
    if record.get("arrays"):
        try:
            with np.load(arrays, allow_pickle=False) as npz:
                result.update({array: npz[array] for array in npz.files})
        except (OSError, ValueError):
            return None
    result["provenance"] = record.get("provenance", {})
    return result


def machine() -> dict[str, object]:
    """The machine a job ran on (provenance, not part of the key)."""
    return {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def store_frozen(
    experiment: str, name: str, key: str, ingredients: Mapping[str, object], result: Mapping[str, object], **extra
) -> None:
    """Commit-ready files for one job: <name>.json (key, ingredients, provenance, JSON values) and <name>.npz."""
    meta, arrays_path = frozen_paths(experiment, name)
    meta.parent.mkdir(parents=True, exist_ok=True)
    scalars, arrays = _split(result)
    if arrays:
        tmp = arrays_path.with_name(f".{name}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, arrays_path)
    elif arrays_path.exists():
        arrays_path.unlink()
    record = {
        "job": name,
        "experiment": experiment,
        "key": key,
        "ingredients": ingredients,
        "provenance": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            **extra,
        },
        "arrays": sorted(arrays),
        "result": scalars,
    }
    try:
        payload = json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False)
    except TypeError as error:
        raise ValueError(f"job {name!r} returned a value that is neither JSON nor a numpy array: {error}") from None
    _write_atomic(meta, payload.encode())


def missing_message(experiment: str, name: str, key: str, stale: bool) -> str:
    """What to tell someone whose page needs a result that is not frozen."""
    state = "is stale (its key no longer matches the code and data)" if stale else "is missing"
    return (
        f"experiment {experiment!r}: the committed result of job {name!r} {state}; key {key[:16]}…, "
        f"file {frozen_paths(experiment, name)[0].relative_to(results_dir().parent)}. "
        f"Refresh it with `{REFRESH_CMD}` (or `python scripts/run_experiments.py --only {experiment}`) "
        f"and commit results/. While drafting, `{ENV_DRAFT}=1 mkdocs serve` shows a quick low-budget run instead."
    )


def device() -> str:
    """'GPU' when TensorFlow sees one, else 'CPU' (training uses whichever it sees)."""
    import tensorflow as tf

    return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"


def cached(
    name: str,
    job: Callable[[], Mapping[str, object]],
    *,
    params: Mapping[str, object],
    seed: int,
    code: Iterable[Path] = (),
    data_sha256: str,
    modules: Iterable[str] | None = None,
    experiment: str | None = None,
    draft: Callable[[], Mapping[str, object]] | None = None,
) -> dict[str, object]:
    """The job's frozen result if its key matches; else freeze it (write mode), draft it (KF_DRAFT) or fail.

    `modules` names the kf modules the job runs (their kf imports are followed); None hashes all of kf.
    `draft` is a quick low-budget version of `job` for KF_DRAFT=1 (default: `job` itself).
    """
    start = time.perf_counter()
    experiment = experiment or experiment_of(name)
    ingredients = key_ingredients(name, params, seed, list(code), data_sha256, modules)
    key = key_of(ingredients)
    hit = load_frozen(experiment, name, key)
    if hit is not None:
        log("hit", name, key, 0, time.perf_counter() - start)
        return hit
    before = trainings()
    if _mode == "write":
        result = dict(job())
        seconds = time.perf_counter() - start
        store_frozen(
            experiment, name, key, ingredients, result,
            wall_seconds=round(seconds, 2), trainings=trainings() - before, device=device(),
        )  # fmt: skip
        log("miss", name, key, trainings() - before, seconds)
        return load_frozen(experiment, name, key) or result  # the reloaded copy: same types as a hit
    if not draft_enabled():
        raise FrozenResultMissing(missing_message(experiment, name, key, read_frozen(experiment, name) is not None))
    draft_key = sha256_text("draft", key)
    result = load(draft_key)
    if result is None:
        result = {**dict((draft or job)()), "draft": True}
        store(draft_key, name, result)
        result = load(draft_key) or result
    log("draft", name, draft_key, trainings() - before, time.perf_counter() - start)
    return result


def is_draft(*results: Mapping[str, object]) -> bool:
    """True if any of these results is a KF_DRAFT stand-in rather than a frozen result."""
    return any(bool(r.get("draft")) for r in results)


@dataclass(frozen=True)
class Job:
    """One unit of frozen work: e.g. one (experiment, variant, seed). Modules list them in jobs()."""

    name: str  # unique, ASCII: the file name under results/<experiment>/
    run: Callable[[], Mapping[str, object]]  # the full-budget computation; JSON values and numpy arrays
    params: Mapping[str, object]  # everything the run depends on besides code, data and seed
    seed: int
    data_sha256: str
    modules: tuple[str, ...] | None  # kf modules the run executes (None: all of kf)
    code: tuple[Path, ...] = ()
    experiment: str | None = None  # default: name up to the first '-'
    draft: Callable[[], Mapping[str, object]] | None = None  # quick low-budget run for KF_DRAFT=1
    cost: float = 1.0  # relative cost, for the progress bar's time estimate
    label: str = ""  # what the progress bar shows, e.g. "64×3×3 seed 0"
    meta: Mapping[str, object] = field(default_factory=dict)

    @property
    def group(self) -> str:
        """The experiment this job belongs to."""
        return self.experiment or experiment_of(self.name)

    def key(self) -> str:
        """The content key this job's result must carry."""
        return cache_key(self.name, self.params, self.seed, self.code, self.data_sha256, self.modules)

    def is_frozen(self) -> bool:
        """True when a committed result with this job's key exists."""
        record = read_frozen(self.group, self.name)
        return record is not None and record["key"] == self.key()

    def result(self) -> dict[str, object]:
        """The frozen result (see `cached`)."""
        return cached(
            self.name,
            self.run,
            params=self.params,
            seed=self.seed,
            code=self.code,
            data_sha256=self.data_sha256,
            modules=self.modules,
            experiment=self.group,
            draft=self.draft,
        )


def registered_jobs(modules: Iterable[str] = EXPERIMENT_MODULES) -> list[Job]:
    """Every job of every experiment module that defines jobs(); ValueError on a duplicated name."""
    import importlib

    found: list[Job] = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        if callable(getattr(module, "jobs", None)):
            found.extend(module.jobs())
    names = [(job.group, job.name) for job in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"job names must be unique within an experiment; repeated: {duplicates}")
    return found


def orphans(jobs: Iterable[Job], directory: Path | None = None) -> list[Path]:
    """Committed result files that belong to no registered job (left by a renamed or removed job)."""
    directory = Path(directory or results_dir())
    known = {(job.group, job.name) for job in jobs}
    files = sorted(directory.glob("*/*.json")) + sorted(directory.glob("*/*.npz"))
    return [f for f in files if (f.parent.name, f.stem) not in known]
