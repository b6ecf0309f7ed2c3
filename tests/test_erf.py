"""The effective receptive field page (docs/experiments/erf.py): theory, the measure, and the measured results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kf.erf import ERF, depth_exponent, kernels_of, spread, stack_layers, uniform_profile, uniform_sigma
from kf.experiments import receptive_field


def test_uniform_theory_by_hand() -> None:
    assert uniform_sigma([7]) == pytest.approx(2.0)  # (49 − 1)/12 = 4
    assert uniform_sigma([3, 3, 3]) == pytest.approx(math.sqrt(2))  # 3 · (9 − 1)/12 = 2
    assert uniform_sigma([3] * 12) == pytest.approx(math.sqrt(8))
    assert uniform_sigma([3], [2]) == pytest.approx(math.sqrt(4 * 8 / 12))  # taps at −2, 0, 2


@pytest.mark.parametrize("kernels", [[7], [3, 3, 3], [3] * 6, [5, 3], [1, 3]])
def test_uniform_profile_has_the_theoretical_variance(kernels: list[int]) -> None:
    profile = uniform_profile(kernels)
    offsets = np.arange(profile.size) - (profile.size - 1) / 2
    assert profile.sum() == pytest.approx(1)
    assert math.sqrt((profile * offsets**2).sum()) == pytest.approx(uniform_sigma(kernels))
    assert profile.size == receptive_field([["conv", 1, k] for k in kernels])


def test_depth_exponent_of_the_square_root_law() -> None:
    depths = [1, 2, 3, 6, 12]
    assert depth_exponent(depths, [uniform_sigma([3] * d) for d in depths]) == pytest.approx(0.5)
    assert depth_exponent(depths, depths) == pytest.approx(1.0)  # the theoretical field's linear growth


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: uniform_sigma([]), "at least one kernel"),
        (lambda: uniform_sigma([3, 3], [1]), "one dilation per kernel"),
        (lambda: uniform_sigma([0]), "kernel must be"),
        (lambda: depth_exponent([3, 3], [1.0, 1.0]), "two or more different depths"),
        (lambda: depth_exponent([0, 3], [1.0, 2.0]), "positive"),
        (lambda: kernels_of([["pool", 2]]), "plain stride-1"),
    ],
)
def test_theory_rejects_bad_input(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_measured_uniform_erf_equals_the_theory() -> None:
    from kf.erf import conv_stack, erf_map

    for layers in (stack_layers(3, 2), [["conv", 2, 7]], stack_layers(12, 2)):
        erf, centre = erf_map(conv_stack(layers, None, uniform=True), np.zeros((1, 28, 28, 1), np.float32))
        assert spread(erf, centre)["sigma"] == pytest.approx(uniform_sigma(kernels_of(layers)), rel=1e-5)
        row = erf[int(centre[0])]
        nonzero = row[row > 0]
        assert np.allclose(nonzero / nonzero.sum(), uniform_profile(kernels_of(layers)), atol=1e-6)


def test_theoretical_fields() -> None:
    assert receptive_field(ERF["stack"]) == 7  # 1 + 3 · (3 − 1), the same field as one 7×7 layer
    assert [receptive_field(stack_layers(d)) for d in ERF["depths"]] == [1 + 2 * d for d in ERF["depths"]]


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


@pytest.mark.parametrize("bad", [np.zeros((5, 5)), np.ones(5) / 5, np.array([[2.0, -1.0]])])
def test_spread_rejects_unnormalised_maps(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="normalised"):
        spread(bad, (0, 0))


def test_single_layer_erf_from_weights_equals_the_gradient() -> None:
    from kf.erf import erf_map, single_layer_erf
    from kf.experiments import build_model, deterministic

    rng = np.random.default_rng(0)
    images = (rng.random((8, 28, 28, 1)) < 0.3).astype(np.float32)
    for layers in ([["conv", 6, 7]], [["conv", 5, 3]]):
        deterministic(1)
        model = build_model(layers, (28, 28, 1), 10)
        kernel, bias = model.layers[1].get_weights()
        bias = rng.normal(0, 0.1, bias.shape).astype(np.float32)  # some filters off, some on
        model.layers[1].set_weights([kernel, bias])
        expected, centre = erf_map(model, images)
        found, found_centre = single_layer_erf(kernel, bias, images)
        assert found_centre == centre
        assert np.allclose(found, expected, atol=1e-6)


def test_single_layer_erf_rejects_bad_shapes() -> None:
    from kf.erf import single_layer_erf

    with pytest.raises(ValueError, match="kernel must be"):
        single_layer_erf(np.ones((3, 3, 1)), np.zeros(1), np.ones((1, 28, 28, 1)))
    with pytest.raises(ValueError, match="no filter is active"):
        single_layer_erf(-np.ones((3, 3, 1, 2)), np.zeros(2), np.ones((1, 28, 28, 1)))


@pytest.fixture(scope="module")
def committed() -> dict:
    from kf import erf_findings

    return erf_findings.load()


@pytest.mark.slow
def test_uniform_measurement_matches_theory_and_relu_is_between(committed: dict) -> None:
    from kf import erf_findings

    assert not committed["draft"]
    table = erf_findings.depth_table(committed["depth"]["rows"])
    for depth, entry in table.items():
        assert entry["uniform"].mean == pytest.approx(entry["theory"], abs=1e-4), depth
    deepest = table[max(table)]
    assert deepest["random"].mean > deepest["random_relu"].mean > deepest["theory"]  # the gaps the page explains
    assert deepest["random_squared"].mean == pytest.approx(deepest["theory"], rel=0.15)


@pytest.mark.slow
def test_trained_stack_is_well_trained_on_every_seed(committed: dict) -> None:
    assert len(committed["stack"]) == len(ERF["seeds"]) >= 5
    assert min(run["accuracy"] for run in committed["stack"]) >= 0.97


@pytest.mark.slow
def test_built_page_shows_theory_measurements_and_computed_direction(built_site, committed: dict) -> None:
    from notebook_pages import check_notebook_page

    from kf import erf_findings

    text = check_notebook_page(built_site, "erf")
    table = erf_findings.depth_table(committed["depth"]["rows"])
    for entry in table.values():
        assert f"{entry['theory']:.2f}" in text
        assert erf_findings.sigma_text(entry["random_relu"]) in text
    assert "2.00" in text  # σ of one 7×7 layer, uniform weights
    stack = erf_findings.change(committed["stack"])
    assert f"({erf_findings.signed_text(stack['difference'])} px)" in text
    assert f"{stack['direction']} (" in text
    assert erf_findings.LUO_CITATION in text


def fake_runs(init: list[float], trained: list[float]) -> list[dict]:
    """Made-up per-seed runs with the given σ before and after training."""
    return [
        {"seed": seed, "init": {"sigma": a}, "trained": {"sigma": b}, "accuracy": 0.98}
        for seed, (a, b) in enumerate(zip(init, trained, strict=True))
    ]


@pytest.mark.parametrize(
    ("trained", "direction"),
    [
        ([1.6, 1.7, 1.65, 1.62, 1.68], "grows"),
        ([1.4, 1.3, 1.35, 1.38, 1.32], "shrinks"),
        ([1.6, 1.4, 1.55, 1.45, 1.5], "no change detectable at this budget"),
    ],
)
def test_direction_of_change_is_computed_from_the_paired_interval(trained: list[float], direction: str) -> None:
    from kf.erf_findings import LUO_DIRECTION, change

    found = change(fake_runs([1.5] * 5, trained))
    assert found["direction"] == direction
    assert found["agrees_with_luo"] == (direction == LUO_DIRECTION)


ZH_DIRECTION = {"grows": "变宽", "shrinks": "变窄", "no change detectable at this budget": "在此预算下检测不到变化"}


@pytest.mark.slow
def test_zh_sentences(built_zh_site, committed: dict) -> None:
    """The Chinese page states the same theory, measurements and computed directions, in Chinese."""
    import re

    from built_pages import ZH_PUNCTUATION, built_zh_page, missing_sentences

    from kf import erf_findings, evidence
    from kf.erf import digits_for_erf

    def said(sentence: str) -> str:  # as a reader sees it: no space before a unit or full-width punctuation
        return re.sub(rf"\s+([{re.escape(ZH_PUNCTUATION)}])", r"\1", sentence)

    table = erf_findings.depth_table(committed["depth"]["rows"])
    exponents = erf_findings.depth_exponents(table)
    deepest = max(table)
    images, _ = digits_for_erf(ERF["images"])
    runs = {name: erf_findings.single_layer_runs(name, images) for name in ERF["single"]}
    runs["3 × (16×3×3)"] = committed["stack"]
    sentences = [
        f"σ 在理论中以指数 {exponents['theory']:.2f} 增长",
        f"在 {deepest} 层时，平均 |梯度| 的 σ 是理论值的 {table[deepest]['random'].mean / table[deepest]['theory']:.2f} 倍",
    ]
    for name, found in runs.items():
        c = erf_findings.change(found)
        direction, signed = ZH_DIRECTION[c["direction"]], erf_findings.signed_text(c["difference"])
        sentences.append(f"{name}：{direction}（{signed} px）")
        cells = [evidence.ci_text(c["accuracy"]), *(erf_findings.sigma_text(c[k]) for k in ("init", "trained"))]
        sentences.append(f"{name} {' '.join(cells)} {signed} {direction}")
    page = built_zh_page(built_zh_site, "experiments/erf")
    missing = missing_sentences(page, [said(s) for s in sentences], ZH_PUNCTUATION)
    assert not missing, f"docs_zh/experiments/erf.py does not say: {missing}"
