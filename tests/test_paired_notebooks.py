"""notebooks/: the committed .ipynb twins of the jupytext pages, which Colab opens. In sync, stable, and runnable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paired_notebooks import PairingError, colab_cell_source, main, paired_notebook, stale, write

from conftest import ROOT, copy_project

PAGES = sorted((ROOT / "docs" / "experiments").glob("*.py"))
REPO = "https://github.com/kernels-and-filters/kernels-and-filters"


def cells(text: str) -> list[dict]:
    """The cells of an .ipynb text."""
    return json.loads(text)["cells"]


def source(cell: dict) -> str:
    """A cell's source as one string."""
    return "".join(cell["source"])


def test_every_notebook_page_has_a_committed_twin_in_sync() -> None:
    assert [p.stem for p in PAGES] == ["erf", "filters", "scenarios", "training"]
    problems = stale(ROOT)
    assert not problems, "notebooks/ is stale; run: python scripts/paired_notebooks.py\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_twin_has_the_pages_cells_and_no_outputs(page: Path) -> None:
    twin = cells((ROOT / "notebooks" / "experiments" / f"{page.stem}.ipynb").read_text(encoding="utf-8"))
    plain = cells(paired_notebook(page))  # without the Colab cell
    assert [source(c) for c in twin if not source(c).startswith("# Open in Colab:")] == [source(c) for c in plain]
    code = [c for c in twin if c["cell_type"] == "code"]
    assert source(code[0]).startswith("# Open in Colab:"), "the Colab cell is not the first code cell"
    assert "snippets" in source(code[1]), "the second code cell should put snippets/ on sys.path"
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_twins_are_the_same_bytes_every_time() -> None:
    page = ROOT / "docs" / "experiments" / "erf.py"
    first, second = paired_notebook(page, REPO, "main"), paired_notebook(page, REPO, "main")
    assert first == second  # jupytext alone gives random cell ids
    assert len({c["id"] for c in cells(first)}) == len(cells(first))


def test_without_a_github_repo_there_is_no_colab_cell() -> None:
    page = ROOT / "docs" / "experiments" / "erf.py"
    for repo_url, branch in [(None, None), (REPO, None), ("https://gitlab.com/a/b", "main")]:
        assert "Open in Colab" not in paired_notebook(page, repo_url, branch)


def test_bad_input_gets_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PairingError, match="not a plain git branch name"):
        colab_cell_source(REPO, "main; rm -rf /")
    with pytest.raises(PairingError, match=r"is not https://github\.com/OWNER/REPO"):
        colab_cell_source("https://example.com/x", "main")
    with pytest.raises(PairingError, match="cannot be read"):
        paired_notebook(tmp_path / "missing.py")
    with pytest.raises(SystemExit) as exited:
        main(["--root", str(tmp_path)])
    assert exited.value.code == 2


def test_check_names_a_drifted_twin_and_write_fixes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path / "project")
    page = project / "docs" / "experiments" / "erf.py"
    page.write_text(page.read_text(encoding="utf-8") + "\n# %% [markdown]\n# A new closing remark.\n")
    orphan = project / "notebooks" / "experiments" / "gone.ipynb"
    orphan.write_text("{}", encoding="utf-8")
    assert main(["--check", "--root", str(project)]) == 1
    err = capsys.readouterr().err
    assert "notebooks/experiments/erf.ipynb: differs from docs/experiments/erf.py" in err
    assert "notebooks/experiments/gone.ipynb: has no page in docs/" in err
    assert "run: python scripts/paired_notebooks.py" in err
    changed = write(project)
    assert sorted(p.name for p in changed) == ["erf.ipynb", "gone.ipynb"]
    assert not orphan.exists()
    assert stale(project) == []
    assert "A new closing remark." in (project / "notebooks" / "experiments" / "erf.ipynb").read_text(encoding="utf-8")


def run_setup_cells(notebook: Path, cwd: Path, colab: bool, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a notebook's first two code cells (Colab setup, sys.path) in a fresh Python, then import kf."""
    script = f"""
import json, os, sys, types
if {colab!r}:
    sys.modules["google.colab"] = types.ModuleType("google.colab")  # what Colab's runtime has loaded
code = [c for c in json.load(open({str(notebook)!r}))["cells"] if c["cell_type"] == "code"]
for cell in code[:2]:
    exec("".join(cell["source"]), {{"__name__": "__main__"}})
import kf
print(json.dumps({{"cwd": os.getcwd(), "kf": kf.__file__}}))
"""
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_on_colab_the_first_cells_clone_the_repository_and_import_kf(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the Colab cell (it clones the repository)")
    upstream = tmp_path / "upstream"  # stands in for the GitHub repository
    shutil.copytree(ROOT / "snippets", upstream / "snippets", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(upstream)]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "snippets"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    content = tmp_path / "content"  # Colab's working directory
    content.mkdir()
    env = {**os.environ, "PYTHONPATH": "", "KF_REPOSITORY": upstream.as_uri(), "KF_BRANCH": "main"}
    notebook = ROOT / "notebooks" / "experiments" / "training.ipynb"

    done = run_setup_cells(notebook, content, colab=True, env=env)
    assert done.returncode == 0, done.stderr
    where = json.loads(done.stdout.splitlines()[-1])
    clone = content / "kernels-and-filters"
    assert Path(where["cwd"]) == clone
    assert Path(where["kf"]).is_relative_to(clone / "snippets")

    again = run_setup_cells(notebook, content, colab=True, env=env)  # re-running reuses the clone
    assert again.returncode == 0, again.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = run_setup_cells(notebook, elsewhere, colab=False, env=env)  # not Colab: no clone, a clear message
    assert outside.returncode != 0
    assert "Run this notebook inside the kernels-and-filters repository" in outside.stderr + outside.stdout
    assert list(elsewhere.iterdir()) == []


def test_chinese_pages_get_twins_in_notebooks_zh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs_zh/<path>.py pairs with notebooks/zh/<path>.ipynb; a page awaiting translation has no Chinese twin."""
    project = copy_project(tmp_path / "project")
    shutil.rmtree(project / "docs_zh", ignore_errors=True)
    shutil.rmtree(project / "notebooks" / "zh", ignore_errors=True)
    (project / "docs_zh" / "experiments").mkdir(parents=True)
    english = (project / "docs" / "experiments" / "erf.py").read_text(encoding="utf-8")
    translated = english.replace("# %% [markdown]\n", "# %% [markdown]\n# 中文说明。\n#\n", 1)
    (project / "docs_zh" / "experiments" / "erf.py").write_text(translated, encoding="utf-8")
    (project / "docs_zh" / "experiments" / "training.py").write_text(
        "# ---\n# translation: pending\n# ---\n", encoding="utf-8"
    )
    assert main(["--check", "--root", str(project)]) == 1
    assert "notebooks/zh/experiments/erf.ipynb: missing" in capsys.readouterr().err
    changed = write(project)
    twin = project / "notebooks" / "zh" / "experiments" / "erf.ipynb"
    assert changed == [twin]
    assert "中文说明。" in twin.read_text(encoding="utf-8")
    code = [source(c) for c in cells(twin.read_text(encoding="utf-8")) if c["cell_type"] == "code"]
    english_code = [source(c) for c in cells((project / "notebooks" / "experiments" / "erf.ipynb").read_text())]
    assert [c for c in code if c in english_code] == code, "a Chinese twin's code cells are the English ones"
    assert stale(project) == []
    (project / "docs_zh" / "experiments" / "erf.py").write_text(translated + "\n# %% [markdown]\n# 新段落。\n")
    assert "notebooks/zh/experiments/erf.ipynb: differs from docs_zh/experiments/erf.py" in "\n".join(stale(project))
    (project / "notebooks" / "zh" / "experiments" / "gone.ipynb").write_text("{}", encoding="utf-8")
    assert "notebooks/zh/experiments/gone.ipynb: has no page in docs_zh/ (delete it)" in stale(project)
