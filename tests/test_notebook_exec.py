"""scripts/hooks/notebook_exec.py: notebook pages run once per content, whatever the build mode, twins included.

A small project with the site's hooks, kf and data, and one jupytext notebook page (plus a twin with
translated Markdown cells under docs_twin/). mkdocs-jupyter used to evict the real build's executed
pages whenever a KF_EXECUTE=0 or test build ran; now the outputs are keyed by the code cells.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_exec_cache import twin_build

from conftest import ROOT

HOOKS = ("paths", "execution", "errors", "exec_cache", "notebook_exec", "notebooks")
CONFIG = """site_name: notebook cache test
docs_dir: {docs}
theme: mkdocs
plugins:
  - mkdocs-jupyter:
      include: ["experiments/*.py"]
      execute: true
      allow_errors: false
      include_requirejs: false
      cache: true
markdown_extensions: [pymdownx.superfences]
hooks:
{hooks}
"""
NOTEBOOK = """# %% [markdown]
# # {title}
#
# {prose}

# %% tags=["remove-cell"]
hidden = 6

# %% tags=["hide-input"]
print(f"answer {{hidden * 7}}")
"""
EXECUTING = "kf: executing"


def make_project(root: Path) -> Path:
    """The small project: the hooks and what they import, kf and the data, the notebook and its twin."""
    for part in ("snippets", "data"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scripts", root / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    hooks = "\n".join(f"  - scripts/hooks/{name}.py" for name in HOOKS)
    for config, docs, title, prose in (
        ("mkdocs.yml", "docs", "Notebook", "Some prose."),
        ("mkdocs.twin.yml", "docs_twin", "Тетрадь", "Немного прозы."),
    ):
        (root / config).write_text(CONFIG.format(docs=docs, hooks=hooks), encoding="utf-8")
        (root / docs / "experiments").mkdir(parents=True)
        (root / docs / "index.md").write_text("# Home\n", encoding="utf-8")
        (root / docs / "experiments" / "nb.py").write_text(NOTEBOOK.format(title=title, prose=prose), encoding="utf-8")
    return root


def build(project: Path, config: str = "mkdocs.yml", **env: str) -> str:
    """A strict build of project; its log. Fails with the log if the build fails."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KF_")}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", "site"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**environ, "KF_CACHE_DIR": str(project / "cache"), **env},
        timeout=600,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    return log


def page(project: Path) -> str:
    """The built notebook page."""
    return (project / "site" / "experiments" / "nb" / "index.html").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ColdBuild:
    """The small project after its first build (its notebook ran), and that build's log."""

    project: Path
    log: str


@pytest.fixture(scope="module")
def cold_build(tmp_path_factory: pytest.TempPathFactory) -> ColdBuild:
    """The small project built once, from an empty cache: the two tests below each start from a copy of it."""
    project = make_project(tmp_path_factory.mktemp("notebook-project"))
    return ColdBuild(project, build(project))


def copy_of(cold: ColdBuild, tmp_path: Path) -> Path:
    """A copy of the cold-built project (its cache and site too) that a test may change."""
    return Path(shutil.copytree(cold.project, tmp_path / "project"))


@pytest.mark.slow
def test_a_notebook_runs_once_whatever_the_build_mode(cold_build: ColdBuild, tmp_path: Path) -> None:
    project, cold = copy_of(cold_build, tmp_path), cold_build.log
    assert cold.count(EXECUTING) == 1
    assert "answer 42" in page(project)
    assert "Kernel is running over TCP" not in cold  # a healthy build prints no kernel warning
    assert "WARNING" not in cold

    assert EXECUTING not in build(project, KF_EXECUTE="0")
    assert "answer 42" not in page(project)  # code shown, not run
    assert EXECUTING not in build(project)  # the KF_EXECUTE=0 build evicted nothing
    assert "answer 42" in page(project)
    assert not list((project / "docs").rglob("*.ipynb"))  # nothing written under docs/

    twin = build(project, "mkdocs.twin.yml", KF_LANG="zh", KF_CACHE_REQUIRE="1")
    assert EXECUTING not in twin  # same code cells, translated Markdown: the outputs are reused
    assert "answer 42" in page(project)
    assert "Немного прозы." in page(project)

    notebook = project / "docs" / "experiments" / "nb.py"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("hidden * 7", "hidden * 8"), encoding="utf-8")
    assert build(project).count(EXECUTING) == 1
    assert "answer 48" in page(project)


@pytest.mark.slow
def test_a_required_notebook_miss_names_the_page_and_what_changed(cold_build: ColdBuild, tmp_path: Path) -> None:
    project = copy_of(cold_build, tmp_path)  # built once: the notebook's outputs are cached
    twin = project / "docs_twin" / "experiments" / "nb.py"
    twin.write_text(twin.read_text(encoding="utf-8").replace("hidden * 7", "hidden * 9"), encoding="utf-8")
    done = twin_build(project, timeout=600, KF_CACHE_REQUIRE="1")
    assert done.returncode != 0
    assert "docs_twin/experiments/nb.py has no cached outputs" in done.stderr
    assert "its code cells" in done.stderr


@pytest.mark.parametrize("modules", [set(), {"experiments"}, {"erf", "render"}, {"scenarios", "timing"}, {"no_such"}])
def test_the_memoized_package_digest_is_kf_caches_own(modules: set[str]) -> None:
    """shared.kf_package_digest keys notebooks exactly as kf.cache.package_digest does, only faster."""
    from hooks.shared import kf_package_digest
    from kf import cache

    assert kf_package_digest(frozenset(modules)) == cache.package_digest(modules=modules)


def test_a_notebook_is_parsed_again_only_when_its_bytes_change(tmp_path: Path) -> None:
    from hooks.notebook_exec import code_cells, read_notebook

    path = tmp_path / "x.py"
    path.write_text("# %%\nprint(1)\n", encoding="utf-8")
    first = read_notebook(path)
    first.cells[0].source = "changed in memory"  # a caller's edit must not reach the next reader
    assert code_cells(read_notebook(path)) == ["print(1)"]
    path.write_text("# %%\nprint(2)\n", encoding="utf-8")
    assert code_cells(read_notebook(path)) == ["print(2)"]
