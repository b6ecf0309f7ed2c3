"""The committed frozen results (results/, kf.cache): current keys, provenance, no orphans, small."""

from __future__ import annotations

import json

import pytest

from kf import cache

MAX_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def jobs() -> list[cache.Job]:
    return cache.registered_jobs()


def test_every_job_has_a_committed_result_with_the_current_key(jobs: list[cache.Job]) -> None:
    stale = [f"{job.group}/{job.name}" for job in jobs if not job.is_frozen()]
    assert not stale, (
        f"{len(stale)} results missing or stale, e.g. {stale[:3]}; run `{cache.REFRESH_CMD}`, commit results/"
    )


def test_every_result_file_belongs_to_a_job(jobs: list[cache.Job]) -> None:
    stray = cache.orphans(jobs)
    assert not stray, f"result files no job owns: {stray[:3]}; run `python scripts/run_experiments.py --prune`"


def test_results_record_their_key_ingredients_and_provenance() -> None:
    files = sorted(cache.results_dir().glob("*/*.json"))
    assert files, "no committed results"
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["key"] == cache.key_of(record["ingredients"]), path
        assert record["job"] == path.stem
        assert record["experiment"] == path.parent.name
        provenance = record["provenance"]
        assert provenance["wall_seconds"] > 0, path
        assert provenance["device"] in ("CPU", "GPU"), path
        assert provenance["machine"]["cpus"] >= 1, path
        assert provenance["date"][:2] == "20", path
        assert (path.with_suffix(".npz").is_file()) == bool(record["arrays"]), path


def test_results_stay_small() -> None:
    total = sum(p.stat().st_size for p in cache.results_dir().rglob("*") if p.is_file())
    assert total <= MAX_BYTES, f"results/ holds {total:,} bytes; the budget is {MAX_BYTES:,}"
