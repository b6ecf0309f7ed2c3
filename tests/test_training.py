"""The training comparison page (docs/experiments/training.py): pinned costs, plausible accuracies, determinism."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from notebook_pages import check_notebook_page

from conftest import ROOT
from kf.experiments import COMPARISON, build_model, macs, receptive_field

# Checked by hand. Parameters: conv k·k·C_in·C_out + C_out; after MaxPool(2) the Dense(10) has
# (⌊out/2⌋²·C)·10 + 10. MACs: out²·k²·C_in·C_out per convolution + ⌊out/2⌋²·C·10 for the Dense.
HAND_CHECKED = {  # variant: (parameters, MACs, receptive field)
    "64×3×3": (640 + 108_170, 389_376 + 108_160, 3),
    "32×7×7": (1_600 + 38_730, 758_912 + 38_720, 7),
    "32×3×3": (320 + 54_090, 194_688 + 54_080, 3),
    "64×7×7": (3_200 + 77_450, 1_517_824 + 77_440, 7),
    "32×5×5": (832 + 46_090, 460_800 + 46_080, 5),
    "3 × (32×3×3)": (320 + 9_248 + 9_248 + 38_730, 194_688 + 5_308_416 + 4_460_544 + 38_720, 7),
    # depthwise 7·7·1 + pointwise 1·64 + 64 biases; MACs 22²·49 + 22²·64 + the Dense
    "sep 64×7×7": (49 + 64 + 64 + 77_450, 23_716 + 30_976 + 77_440, 7),
}


def test_every_variant_is_pinned() -> None:
    assert list(COMPARISON["variants"]) == list(HAND_CHECKED)


@pytest.mark.parametrize("name", list(HAND_CHECKED))
def test_parameters_macs_and_receptive_field(name: str) -> None:
    layers = COMPARISON["variants"][name]
    params, mac_count, field = HAND_CHECKED[name]
    assert build_model(layers, (28, 28, 1), 10).count_params() == params
    assert macs(layers, (28, 28, 1), 10) == mac_count
    assert receptive_field(layers) == field


@pytest.fixture(scope="module")
def results() -> dict:
    """The comparison (from the cache after a build; trains otherwise)."""
    from kf.experiments import comparison

    return comparison()


@pytest.mark.slow
def test_accuracies_are_plausible_and_deterministic(results: dict) -> None:
    rows = results["rows"]
    assert len(rows) == len(COMPARISON["variants"]) * len(COMPARISON["seeds"])
    for row in rows:
        assert 0.6 < row["accuracy"] <= 1.0, row  # far above chance (0.1) after one short epoch
        assert row["seconds"] > 0
    first = rows[0]
    assert results["rerun"]["accuracy"] == first["accuracy"], "same seed, different accuracy"
    seeds = [r["accuracy"] for r in rows if r["variant"] == first["variant"]]
    assert len(set(seeds)) > 1, "different seeds gave identical accuracies: are the seeds used?"


@pytest.mark.slow
def test_built_page_shows_the_costs_and_results(built_site: Path, results: dict) -> None:
    from kf.experiments import summarise
    from kf.notebook import pm

    text = check_notebook_page(built_site, "training")
    for name, (params, mac_count, _) in HAND_CHECKED.items():
        assert f"{params:,}" in text, name
        assert f"{mac_count:,}" in text, name
    for name, s in summarise(results["rows"]).items():
        assert pm(s["accuracy"], s["spread"]) in text, name
    assert re.search(r"test accuracy 0\.\d{4} in the comparison and 0\.\d{4} when trained again: identical", text)
    assert "Training time, measured" in text


@pytest.mark.slow
def test_notebook_runs_as_a_plain_script() -> None:
    done = subprocess.run(
        [sys.executable, "docs/experiments/training.py"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| `64×3×3` |" in done.stdout


def test_only_notebooks_are_python_under_docs() -> None:
    stray = [p for p in (ROOT / "docs").rglob("*.py") if p.parent != ROOT / "docs" / "experiments"]
    assert not stray, f"only experiment notebooks may be .py files under docs/: {stray}"
