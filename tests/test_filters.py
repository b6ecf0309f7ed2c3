"""The filters page (docs/experiments/filters.py): trained kernels against their own initialisation, over every seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from notebook_pages import check_notebook_page

from kf import evidence, stats
from kf.experiments import COMPARISON


@pytest.fixture(scope="module")
def results() -> dict:
    """The committed training comparison (never trains)."""
    from kf.experiments import comparison

    return comparison()


def test_kernels_are_stored_at_init_and_trained_for_every_seed(results: dict) -> None:
    for seed in COMPARISON["seeds"]:
        small, large = results["arrays"][("64×3×3", seed)], results["arrays"][("32×7×7", seed)]
        assert small["kernel_init"].shape == small["kernel"].shape == (3, 3, 1, 64)
        assert large["kernel_init"].shape == large["kernel"].shape == (7, 7, 1, 32)
        assert large["bias"].shape == (32,)
        assert not np.array_equal(large["kernel_init"], large["kernel"]), "training moved the kernels"


def test_centre_share_by_hand() -> None:
    kernel = np.zeros((7, 7, 1, 2))
    kernel[3, 3, 0, 0] = 2.0  # all weight in the centre
    kernel[:, :, 0, 1] = 1.0  # evenly spread: 9 of 49
    assert evidence.centre_share(kernel).tolist() == pytest.approx([1.0, 9 / 49])
    with pytest.raises(ValueError, match="central"):
        evidence.centre_share(np.ones((4, 4, 1, 1)))


def test_init_measures_by_hand() -> None:
    initial = np.arange(18, dtype=float).reshape(3, 3, 1, 2)
    assert evidence.init_correlation(initial, 2 * initial + 1).tolist() == pytest.approx([1.0, 1.0])
    assert evidence.relative_change(initial, initial).tolist() == [0.0, 0.0]


def test_feature_maps_match_keras() -> None:
    import keras

    rng = np.random.default_rng(0)
    images = rng.random((2, 28, 28, 1)).astype(np.float32)
    layer = keras.layers.Conv2D(4, (7, 7), activation="relu")
    expected = np.asarray(layer(images))
    kernel, bias = layer.get_weights()
    assert np.allclose(evidence.feature_maps(images, kernel, bias), expected, atol=1e-5)


def test_conclusions_rest_on_the_change_over_every_seed(results: dict) -> None:
    measures = evidence.kernel_measures(results["arrays"], "32×7×7")
    assert measures["seeds"] == COMPARISON["seeds"]
    assert measures["init"].n == measures["trained"].n == measures["change"].n == len(COMPARISON["seeds"])
    assert abs(measures["init"].mean - 9 / 49) < 0.03, "at init the share is about an even spread"
    assert measures["correlation"].mean < 0.99, "trained kernels moved away from their init"


@pytest.mark.slow
def test_built_page_shows_init_trained_and_change(built_site: Path, results: dict) -> None:
    text = check_notebook_page(built_site, "filters")
    measures = evidence.kernel_measures(results["arrays"], "32×7×7")
    assert f"{100 * measures['init'].mean:.1f} % of the squared weight at initialisation" in text
    assert f"{100 * measures['trained'].mean:.1f} % after training" in text
    assert evidence.diff_text(measures["change"]).replace(" [", " points [") in text
    verdict = stats.verdict(measures["change"])
    assert {"better": "towards the centre", "worse": "towards the outer ring"}.get(verdict, "cannot be told") in text
    html = (built_site / "experiments" / "filters" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="kf-figure"') == 3
    from kf.convmath import conv_output_size

    small, large = (f"{conv_output_size(28, k, 1, 'valid')}×{conv_output_size(28, k, 1, 'valid')}" for k in (3, 7))
    assert f"then 8 feature maps of one trained layer: {small} (3×3), {large} (7×7)." in html  # 26×26, 22×22


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path, results: dict) -> None:
    """The Chinese page states the same shares, change and computed verdict, in Chinese."""
    import re

    from built_pages import ZH_PUNCTUATION, built_zh_page, missing_sentences

    def said(sentence: str) -> str:  # as a reader sees it: no space before a unit or full-width punctuation
        return re.sub(rf"\s+([{re.escape(ZH_PUNCTUATION)}])", r"\1", sentence)

    measures = evidence.kernel_measures(results["arrays"], "32×7×7")
    verdict = {"better": "移向了中心", "worse": "移向了外圈"}.get(stats.verdict(measures["change"]), "无法与 0 区分")
    sentences = [
        f"在 {len(measures['seeds'])} 个随机种子上，7×7 卷积核中央 3×3 所占的平方权重份额，"
        f"初始化时为 {100 * measures['init'].mean:.1f} %，训练后为 {100 * measures['trained'].mean:.1f} %。",
        verdict,
        evidence.diff_text(measures["change"]).replace(" [", " 个百分点 ["),
    ]
    page = built_zh_page(built_zh_site, "experiments/filters")
    missing = missing_sentences(page, [said(s) for s in sentences], ZH_PUNCTUATION)
    assert not missing, f"docs_zh/experiments/filters.py does not say: {missing}"
