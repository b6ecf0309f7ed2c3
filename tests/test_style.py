"""Code style: ruff lint and format pass on the project's Python, and pre-commit runs the pinned ruff."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

PATHS = ["snippets", "scripts", "tests", "templates"]


def ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the pinned ruff from this environment, in the project unless told otherwise."""
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def pinned(package: str) -> str:
    """The version requirements.txt pins for package."""
    found = re.search(rf"^{re.escape(package)}==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M | re.I)
    assert found, f"{package} is not pinned in requirements.txt"
    return found.group(1)


def test_ruff_check_passes() -> None:
    done = ruff("check", "--no-cache", *PATHS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_check_passes() -> None:
    done = ruff("format", "--check", "--no-cache", *PATHS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_catches_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "snippets" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("import os\nx=1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(), encoding="utf-8")
    done = ruff("check", "--no-cache", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert "F401" in done.stdout  # `os` imported but unused


def test_ruff_settings() -> None:
    ruff_config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert ruff_config["line-length"] == 120
    assert ruff_config["target-version"] == "py311"
    assert set(ruff_config["lint"]["select"]) >= {"E", "F", "W", "I", "UP", "B", "SIM", "PT", "RUF"}


@pytest.mark.parametrize("package", ["ruff", "pre_commit", "check-jsonschema"])
def test_tools_are_pinned(package: str) -> None:
    assert re.fullmatch(r"\d+(\.\d+)+", pinned(package))


def test_pre_commit_runs_the_pinned_ruff() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (repo,) = [r for r in config["repos"] if r["repo"] == "https://github.com/astral-sh/ruff-pre-commit"]
    assert repo["rev"] == "v" + pinned("ruff")
    assert [hook["id"] for hook in repo["hooks"]] == ["ruff-check", "ruff-format"]


def test_pre_commit_checks_the_paired_notebooks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (local,) = [r for r in config["repos"] if r["repo"] == "local"]
    (hook,) = [h for h in local["hooks"] if h["id"] == "paired-notebooks"]
    assert hook["entry"] == "python scripts/paired_notebooks.py --check"
    assert re.search(hook["files"], "docs/experiments/training.py")
    assert re.search(hook["files"], "notebooks/experiments/training.ipynb")
