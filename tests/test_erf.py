"""The effective receptive field page (docs/experiments/erf.py): the measure, pinned fields, plausible results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from notebook_pages import check_notebook_page

from kf.erf import ERF, spread
from kf.experiments import receptive_field

THEORETICAL = {"1 × 7×7": 7, "3 × 3×3": 7, "6 × 3×3": 13, "12 × 3×3": 25}  # 1 + n·(k − 1), by hand


def test_theoretical_fields_are_pinned() -> None:
    assert {name: receptive_field(layers) for name, layers in ERF["models"].items()} == THEORETICAL


def test_spread_of_a_uniform_square() -> None:
    erf = np.zeros((15, 15))
    erf[4:11, 4:11] = 1 / 49  # a flat 7×7 window centred at (7, 7)
    measured = spread(erf, (7, 7))
    assert measured["side"] == 7
    assert measured["sigma"] == pytest.approx(2.0)  # offsets −3..3: mean square 28/7 = 4
    assert measured["gaussian_r2"] < 0.9


def test_spread_of_a_gaussian() -> None:
    rows, cols = np.indices((31, 31))
    erf = np.exp(-((rows - 15) ** 2 + (cols - 15) ** 2) / (2 * 3.0**2))
    measured = spread(erf / erf.sum(), (15, 15))
    assert measured["sigma"] == pytest.approx(3.0, rel=1e-3)
    assert measured["gaussian_r2"] == pytest.approx(1.0)
    assert measured["side"] < 31


@pytest.mark.parametrize("bad", [np.zeros((5, 5)), np.ones(5) / 5])
def test_spread_rejects_unnormalised_maps(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="normalised"):
        spread(bad, (2, 2))


@pytest.fixture(scope="module")
def results() -> dict:
    from kf.erf import erf_results

    return erf_results()


@pytest.mark.slow
def test_erf_is_gaussian_like_and_smaller_than_the_theoretical_field(results: dict) -> None:
    init = {r["model"]: r for r in results["rows"] if r["stage"] == "init"}
    for name in ("3 × 3×3", "6 × 3×3", "12 × 3×3"):
        assert init[name]["gaussian_r2"] > init["1 × 7×7"]["gaussian_r2"], name
        assert init[name]["gaussian_r2"] > 0.8, name
    for name in ("6 × 3×3", "12 × 3×3"):
        assert init[name]["side"] < init[name]["theoretical_rf"], name
    assert init["12 × 3×3"]["sigma"] > init["6 × 3×3"]["sigma"] > init["3 × 3×3"]["sigma"]
    for row in results["rows"]:
        assert row["sigma"] < row["theoretical_rf"] / 2


@pytest.mark.slow
def test_built_page_shows_the_measurements(built_site: Path, results: dict) -> None:
    text = check_notebook_page(built_site, "erf")
    for row in results["rows"]:
        assert f"{row['sigma']:.2f}" in text, row
        assert f"{row['gaussian_r2']:.2f}" in text, row
    assert "12 stacked 3×3 layers the field is 25×25 pixels" in text
    assert "from 3 to 12 layers the theoretical field grows 3.6× (7 → 25)" in text
    assert "√(12/3) = 2.00" in text
