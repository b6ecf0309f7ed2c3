"""Frozen results (snippets/kf/cache.py): identical inputs hit; a change to any key ingredient re-runs.

The fixture runs in write mode (as `make experiments` does) with private results and cache folders;
the frozen-mode tests check what the site build sees: a committed match, or a clear failure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SNIPPETS
from kf import cache

NOTEBOOK = """# %% [markdown]
# # A page
# Some prose.

# %%
x = 1
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A private cache dir, a private copy of kf, a notebook file and a fake job that counts its runs."""
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "cache"))
    monkeypatch.setenv(cache.ENV_RESULTS, str(tmp_path / "results"))
    monkeypatch.delenv(cache.ENV_DRAFT, raising=False)
    monkeypatch.setattr(cache, "_mode", "write")
    kf_copy = tmp_path / "kf"
    shutil.copytree(SNIPPETS / "kf", kf_copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "KF_DIR", kf_copy)
    page = tmp_path / "page.py"
    page.write_text(NOTEBOOK, encoding="utf-8")
    runs = {"n": 0}

    def job() -> dict[str, object]:
        runs["n"] += 1
        cache.count_training()
        cache.count_training()
        return {"accuracy": 0.5 + runs["n"], "weights": np.arange(6, dtype=np.float32).reshape(2, 3)}

    def lookup(**overrides: object) -> dict[str, object]:
        args = {"params": {"epochs": 1}, "seed": 0, "code": [page], "data_sha256": "abc"} | overrides
        return cache.cached("fake", job, **args)

    return {
        "runs": runs,
        "lookup": lookup,
        "page": page,
        "kf": kf_copy,
        "dir": tmp_path / "cache",
        "results": tmp_path / "results",
    }


def test_identical_inputs_hit(env: dict) -> None:
    first = env["lookup"]()
    second = env["lookup"]()
    assert env["runs"]["n"] == 1
    assert first["accuracy"] == second["accuracy"] == 1.5
    assert np.array_equal(second["weights"], np.arange(6).reshape(2, 3))
    assert second["weights"].dtype == np.float32
    assert [(e["event"], e["trainings"]) for e in cache.read_log(env["dir"])] == [("miss", 2), ("hit", 0)]


def test_notebook_code_change_reruns(env: dict) -> None:
    env["lookup"]()
    env["page"].write_text(NOTEBOOK.replace("x = 1", "x = 2"), encoding="utf-8")
    env["lookup"]()
    assert env["runs"]["n"] == 2


def test_notebook_prose_change_hits(env: dict) -> None:
    env["lookup"]()
    env["page"].write_text(NOTEBOOK.replace("Some prose.", "Other prose."), encoding="utf-8")
    env["lookup"]()
    assert env["runs"]["n"] == 1, "prose cannot change a result, so it must not retrain"


def test_kf_package_change_reruns(env: dict) -> None:
    env["lookup"]()
    helper = env["kf"] / "convmath.py"
    helper.write_text(helper.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    env["lookup"]()
    assert env["runs"]["n"] == 2


def test_new_kf_module_reruns(env: dict) -> None:
    env["lookup"]()
    (env["kf"] / "extra.py").write_text("X = 1\n", encoding="utf-8")
    env["lookup"]()
    assert env["runs"]["n"] == 2


@pytest.mark.parametrize("override", [{"data_sha256": "abd"}, {"seed": 1}, {"params": {"epochs": 2}}])
def test_data_seed_and_params_changes_rerun(env: dict, override: dict) -> None:
    env["lookup"]()
    env["lookup"](**override)
    assert env["runs"]["n"] == 2


@pytest.mark.parametrize("package", ["python", "numpy", "tensorflow", "keras"])
def test_version_change_reruns(env: dict, monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    env["lookup"]()
    real = cache.versions()
    monkeypatch.setattr(cache, "versions", lambda: {**real, package: real[package] + ".changed"})
    env["lookup"]()
    assert env["runs"]["n"] == 2


def test_versions_name_the_installed_packages() -> None:
    found = cache.versions()
    assert set(found) == {"python", "numpy", "tensorflow", "keras"}
    assert "not installed" not in found.values()


def test_damaged_entry_is_recomputed(env: dict) -> None:
    env["lookup"]()
    for meta in env["results"].glob("*/*.json"):
        meta.write_text("{ not json", encoding="utf-8")
    assert env["lookup"]()["accuracy"] == 2.5
    assert env["runs"]["n"] == 2


def test_bad_inputs_are_clear_errors(env: dict) -> None:
    with pytest.raises(ValueError, match="JSON"):
        env["lookup"](params={"bad": object()})
    with pytest.raises(ValueError, match="code file"):
        env["lookup"](code=[env["page"].with_name("missing.py")])
    with pytest.raises(ValueError, match="data_sha256"):
        env["lookup"](data_sha256="")
    with pytest.raises(ValueError, match="seed"):
        env["lookup"](seed="0")
    with pytest.raises(ValueError, match="job name"):
        cache.cached("../x", dict, params={}, seed=0, code=[], data_sha256="a")


def test_cache_lives_under_dot_cache_at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    assert cache.cache_dir() == ROOT / ".cache" / "experiments"
    assert ".cache/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "rm -rf site .cache" in (ROOT / "Makefile").read_text()


def test_notebook_page_cache_key_includes_kf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """mkdocs-jupyter's own page cache is keyed by the notebook only; the hooks add kf, data and versions."""
    from mkdocs_jupyter import plugin as jupyter_plugin

    from hooks import notebooks

    notebooks.key_notebook_cache()
    config = {
        k: ""
        for k in (
            "kernel_name",
            "theme",
            "allow_errors",
            "show_input",
            "no_input",
            "no_prompt",
            "remove_tag_config",
            "highlight_extra_classes",
            "include_requirejs",
            "custom_mathjax_url",
            "toc_depth",
        )
    }
    page = tmp_path / "nb.py"
    page.write_text(NOTEBOOK.replace("x = 1", "from kf.render import table"), encoding="utf-8")
    kf_copy = tmp_path / "kf"
    shutil.copytree(SNIPPETS / "kf", kf_copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "KF_DIR", kf_copy)

    def key() -> str:
        return jupyter_plugin._compute_cache_key(str(page), config, True)

    before = key()
    (kf_copy / "facts.py").write_text("# not imported by this notebook\n", encoding="utf-8")
    assert key() == before, "a kf module the notebook does not use must not re-execute it"
    (kf_copy / "render.py").write_text((kf_copy / "render.py").read_text() + "\n# changed\n", encoding="utf-8")
    changed = key()
    assert changed != before
    sibling = tmp_path / "training.py"  # another notebook in the same folder: its experiments may be shown here
    sibling.write_text(NOTEBOOK, encoding="utf-8")
    with_sibling = key()
    assert with_sibling != changed
    sibling.write_text(NOTEBOOK.replace("x = 1", "x = 3"), encoding="utf-8")
    current = key()
    assert current != with_sibling
    monkeypatch.setenv("KF_MNIST", "full")  # another data source is another key, even if it is missing
    assert key() != current


def test_job_keys_follow_kf_imports(env: dict) -> None:
    """A job keyed by modules=[...] reruns when those modules or their kf imports change, not otherwise."""

    def lookup() -> None:
        env["lookup"](modules=["experiments"])

    lookup()
    (env["kf"] / "facts.py").write_text("# unrelated\n", encoding="utf-8")
    lookup()
    assert env["runs"]["n"] == 1
    convmath = env["kf"] / "convmath.py"  # imported by experiments.py
    convmath.write_text(convmath.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    lookup()
    assert env["runs"]["n"] == 2
    assert [p.name for p in cache.module_closure(["erf"], env["kf"])] == [
        "__init__.py",
        "cache.py",
        "convmath.py",
        "data.py",
        "erf.py",
        "experiments.py",
    ]


def test_frozen_result_is_committed_with_provenance(env: dict) -> None:
    env["lookup"]()
    record = cache.read_frozen("fake", "fake")
    assert record["key"] == cache.key_of(record["ingredients"])
    assert record["ingredients"]["seed"] == 0
    assert record["ingredients"]["data"] == "abc"
    assert set(record["ingredients"]["versions"]) == {"python", "numpy", "tensorflow", "keras"}
    provenance = record["provenance"]
    assert provenance["trainings"] == 2
    assert provenance["wall_seconds"] >= 0
    assert provenance["device"] in ("CPU", "GPU")
    assert provenance["date"].startswith("20")
    assert provenance["machine"]["cpus"] >= 1
    assert record["arrays"] == ["weights"]
    assert (env["results"] / "fake" / "fake.npz").is_file()


def test_frozen_mode_loads_a_match_and_never_runs(env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    env["lookup"]()
    monkeypatch.setattr(cache, "_mode", "frozen")
    assert env["lookup"]()["accuracy"] == 1.5
    assert env["runs"]["n"] == 1


def test_frozen_mode_fails_naming_the_experiment_and_the_command(env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_mode", "frozen")
    with pytest.raises(cache.FrozenResultMissing, match=r"experiment 'fake'.*is missing.*make experiments"):
        env["lookup"]()
    monkeypatch.setattr(cache, "_mode", "write")
    env["lookup"]()
    monkeypatch.setattr(cache, "_mode", "frozen")
    with pytest.raises(cache.FrozenResultMissing, match=r"is stale.*--only fake"):
        env["lookup"](params={"epochs": 2})
    assert env["runs"]["n"] == 1


def test_draft_mode_runs_the_quick_job_and_marks_it(env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_mode", "frozen")
    monkeypatch.setenv(cache.ENV_DRAFT, "1")
    quick = cache.cached("fake", dict, params={}, seed=0, data_sha256="abc", draft=lambda: {"accuracy": 0.1})
    assert quick == {"accuracy": 0.1, "draft": True}
    assert cache.is_draft(quick)
    assert not list(env["results"].glob("*/*.json")), "a draft never becomes a frozen result"
    monkeypatch.setattr(cache, "_mode", "write")
    monkeypatch.delenv(cache.ENV_DRAFT)
    assert not cache.is_draft(env["lookup"]())


def test_registry_lists_every_job_once_and_finds_orphans(env: dict) -> None:
    jobs = cache.registered_jobs()
    assert jobs, "kf.experiments registers its jobs"
    assert len({(j.group, j.name) for j in jobs}) == len(jobs)
    env["lookup"]()
    assert [p.name for p in cache.orphans(jobs, env["results"])] == ["fake.json", "fake.npz"]


def test_a_build_refuses_draft_results() -> None:
    from mkdocs.exceptions import Abort

    from hooks import execution

    with pytest.raises(Abort, match="KF_DRAFT is set"):
        execution.refuse_draft_build("build", {"KF_DRAFT": "1"})
    execution.refuse_draft_build("serve", {"KF_DRAFT": "1"})
    execution.refuse_draft_build("build", {"KF_DRAFT": "0"})
    execution.refuse_draft_build("build", {})


def test_the_key_memo_answers_as_kf_imports_does() -> None:
    """kf.key_memo (installed by conftest, the build and its kernels) gives kf_imports' answers, fresh each call."""
    from kf import key_memo

    key_memo.install()
    key_memo.install()  # a second install keeps one layer
    parse = cache.kf_imports.__wrapped__
    assert not hasattr(parse, "__wrapped__")
    for module in sorted((SNIPPETS / "kf").glob("*.py")):
        source = module.read_text(encoding="utf-8")
        assert cache.kf_imports(source) == parse(source), module.name
    source = "from kf import convmath\nimport kf.data\n"
    cache.kf_imports(source).add("mutated")
    assert cache.kf_imports(source) == {"convmath", "data"}


def test_the_build_and_its_kernels_memoize_result_keys(tmp_path: Path) -> None:
    """Each build's fresh kf.cache gets the memo (paths.on_pre_build), and so do notebook kernels; a kf without one
    (the small projects of test_exec_cache.py) builds without it."""
    import subprocess
    import sys

    from hooks import shared

    check = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; from kf import cache; from hooks import paths; "
        "paths.Project.root = __import__('pathlib').Path(sys.argv[3]); paths.on_pre_build(None); "
        "from kf import cache as fresh; print(fresh is not cache, hasattr(fresh.kf_imports, '__wrapped__'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, str(SNIPPETS), str(ROOT / "scripts"), str(ROOT)], capture_output=True, text=True
    )
    assert done.stdout.split() == ["True", "True"], done.stderr[-2000:]
    root = shared.Project.root
    try:
        shared.Project.root = ROOT
        assert shared.MEMOIZE_KEYS in shared.kernel_arguments()
        (tmp_path / "snippets" / "kf").mkdir(parents=True)
        shared.Project.root = tmp_path
        assert shared.kernel_arguments() == shared.QUIET_KERNEL
    finally:
        shared.Project.root = root
