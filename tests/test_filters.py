"""The filters page (docs/experiments/filters.py): the trained kernels and feature maps it shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from notebook_pages import check_notebook_page

from kf.experiments import COMPARISON, FEATURE_DIGITS


@pytest.fixture(scope="module")
def results() -> dict:
    from kf.experiments import comparison

    return comparison()


@pytest.mark.slow
def test_kernels_and_feature_maps_have_the_keras_shapes(results: dict) -> None:
    names = list(COMPARISON["variants"])
    small, large = names.index("64×3×3"), names.index("32×7×7")
    assert results[f"kernel_{small}"].shape == (3, 3, 1, 64)
    assert results[f"kernel_{large}"].shape == (7, 7, 1, 32)
    assert results[f"fmaps_{small}"].shape == (FEATURE_DIGITS, 26, 26, 64)
    assert results[f"fmaps_{large}"].shape == (FEATURE_DIGITS, 22, 22, 32)
    assert (results[f"fmaps_{small}"] >= 0).all(), "feature maps are after ReLU"
    assert np.abs(results[f"kernel_{large}"]).max() > 0


@pytest.mark.slow
def test_built_page_shows_kernels_maps_and_the_centre_share(built_site: Path, results: dict) -> None:
    text = check_notebook_page(built_site, "filters")
    large = results[f"kernel_{list(COMPARISON['variants']).index('32×7×7')}"][:, :, 0, :] ** 2
    share = (large[2:5, 2:5].sum(axis=(0, 1)) / large.sum(axis=(0, 1))).mean()
    assert f"central 3×3 holds {100 * share:.1f} % of the squared weight" in text
    assert "against 18.4 % if the weights were spread evenly" in text  # 9/49, checked by hand
    html = (built_site / "experiments" / "filters" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="kf-figure"') == 3
