"""scripts/run_experiments.py (`make experiments`): runs what is not frozen, resumes, refuses drafts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rich.console import Console

from conftest import ROOT
from kf import cache


def load_script():
    """Import scripts/run_experiments.py as a module."""
    spec = importlib.util.spec_from_file_location("run_experiments", ROOT / "scripts" / "run_experiments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(cache.ENV_RESULTS, str(tmp_path / "results"))
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_DRAFT, raising=False)
    monkeypatch.setattr(cache, "_mode", "write")
    return load_script()


def fake_jobs(runs: list[str]) -> list[cache.Job]:
    """Two cheap jobs of one experiment that record when they run."""

    def job(name: str) -> cache.Job:
        def run() -> dict:
            runs.append(name)
            cache.report_epoch(1, 1, {"val_loss": 0.5})
            return {"accuracy": 0.5}

        return cache.Job(name=name, run=run, params={}, seed=0, data_sha256="abc", modules=("render",))

    return [job("fake-a"), job("fake-b")]


def test_runs_missing_jobs_then_resumes(runner) -> None:
    runs: list[str] = []
    jobs = fake_jobs(runs)
    console = Console(file=open("/dev/null", "w"))  # noqa: SIM115
    assert [job.name for job, _ in runner.run(jobs, console)] == ["fake-a", "fake-b"]
    assert all(job.is_frozen() for job in jobs)
    assert runner.run(jobs, console) == []
    assert runs == ["fake-a", "fake-b"], "a frozen job is never run again"


def test_select_names_unknown_experiments(runner) -> None:
    jobs = fake_jobs([])
    assert runner.select(jobs, ["fake"]) == jobs
    with pytest.raises(SystemExit, match="unknown experiment"):
        runner.select(jobs, ["nope"])


def test_refuses_to_freeze_drafts(runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_DRAFT, "1")
    with pytest.raises(SystemExit, match="KF_DRAFT"):
        runner.main([])
