"""Shared fixtures: the project root, a strict build of the site, and copies of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "snippets"
sys.path.insert(0, str(SNIPPETS))
sys.path.insert(0, str(ROOT / "scripts"))  # tooling the tests reuse, e.g. serve_probe
for key, value in {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "NO_MKDOCS_2_WARNING": "1",
}.items():
    os.environ.setdefault(key, value)

# What a copy of the project needs in order to build: everything else (tests, .venv) stays behind.
PROJECT_PARTS = ("mkdocs.yml", "docs", "notebooks", "snippets", "scripts", "data", "results", "templates", "overrides")
PROJECT_PARTS += ("mkdocs.zh.yml", "docs_zh", "i18n")  # the Chinese edition and its catalogs and term list


def in_ci() -> bool:
    """True when running under CI, where a missing tool is a failure, not a skip."""
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    """Skip locally, fail in CI, when something a test needs is missing."""
    if not condition:
        if in_ci():
            pytest.fail(f"CI=true and {what} is missing")
        pytest.skip(f"{what} is missing (required when CI=true)")


def mkdocs_build(project: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` on a project folder; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=900,
    )


def copy_project(dest: Path) -> Path:
    """Copy the parts of the project a build needs into dest (no .venv, no site)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
        elif source.exists():
            shutil.copy(source, dest / part)
    trained = ROOT / ".cache" / "experiments"  # keyed by content, not path: a copy reuses it instead of retraining
    if trained.is_dir():
        shutil.copytree(trained, dest / ".cache" / "experiments", ignore=shutil.ignore_patterns("log.jsonl"))
    return dest


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once, strictly, from the working tree."""
    out = tmp_path_factory.mktemp("site")
    done = mkdocs_build(ROOT, out)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def mkdocs_build_zh(project: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict -f mkdocs.zh.yml` (the Chinese edition) on a project folder."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.zh.yml", "--site-dir", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=900,
    )


@pytest.fixture(scope="session")
def built_zh_site(built_site: Path) -> Path:
    """The Chinese edition built once, strictly, into <built_site>/zh/ after the English one (as `make build`).

    KF_CACHE_REQUIRE=1: it must take every executed output from the English build's cache, running nothing.
    """
    out = built_site / "zh"
    if not (out / "index.html").is_file():
        done = mkdocs_build_zh(ROOT, out, KF_CACHE_REQUIRE="1")
        assert done.returncode == 0, f"mkdocs build --strict -f mkdocs.zh.yml failed:\n{done.stdout}\n{done.stderr}"
    return out
