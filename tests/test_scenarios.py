"""The scenarios page (docs/experiments/scenarios.py): disjoint splits, a fair design, pinned costs, honest verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from kf.experiments import build_model, macs, receptive_field
from kf.scenarios import (
    SCENARIOS,
    SPLITS,
    Examples,
    blind_motif_positions,
    budget_of,
    chance,
    disjoint_splits,
    filters_for_budget,
    gmp_model_params,
    make_splits,
    motif_images,
    motifs,
    overlap,
    row_images,
    sees_both_marks,
    unit_windows,
    variants,
)

HAND_CHECKED = {  # (task, variant): (layers, parameters, receptive field); GlobalMaxPool → Dense(classes)
    # tightest budget: 7×7 with 4 filters for 4 classes = 4·(49 + 1) + (4 + 1)·4 = 220
    ("motifs", "3×3"): ([["conv", 15, 3]], 15 * 10 + 16 * 4, 3),  # 214 ≤ 220; 16 filters would be 228
    ("motifs", "5×5"): ([["conv", 7, 5]], 7 * 26 + 8 * 4, 5),  # 214; 8 filters: 244
    ("motifs", "7×7"): ([["conv", 4, 7]], 4 * 50 + 5 * 4, 7),  # 220
    ("motifs", "7×7, as many filters as 3×3"): ([["conv", 15, 7]], 15 * 50 + 16 * 4, 7),
    ("rows", "one 3×3 layer"): ([["conv", 83, 3]], 83 * 10 + 84 * 2, 3),  # 998; 84 filters: 1,010
    ("rows", "large kernel 13×13"): ([["conv", 5, 13]], 5 * 170 + 6 * 2, 13),  # 862; 6 filters: 1,034
    # 6 layers of f: 10f + 5·(9f² + f) + 2(f + 1); f = 4: 790, f = 5: 1,112
    ("rows", "stack of 6 × 3×3"): ([["conv", 4, 3]] * 6, 40 + 5 * 148 + 10, 13),
    # 3 layers of f: 10f + 2·(9f² + f) + 2(f + 1); f = 7: 982
    ("rows", "dilated 3×3, d = 1, 2, 3"): ([["conv", 7, 3, 1], ["conv", 7, 3, 2], ["conv", 7, 3, 3]], 982, 13),
    ("rows", "3×3, pool 2, 3×3, pool 2, 3×3"): (
        [["conv", 7, 3], ["pool", 2], ["conv", 7, 3], ["pool", 2], ["conv", 7, 3]],
        982,
        18,  # 3, +1 (pool) = 4, +2·2 = 8, +1·2 = 10, +2·4 = 18
    ),
    ("rows", "stack of 6 × 3×3, as many filters as dilated"): ([["conv", 7, 3]] * 6, 70 + 5 * 448 + 16, 13),
}


def test_every_variant_is_pinned() -> None:
    assert [(t, n) for t in SCENARIOS for n in variants(t)] == list(HAND_CHECKED)


@pytest.mark.parametrize(("task", "name"), list(HAND_CHECKED))
def test_filters_parameters_and_fields(task: str, name: str) -> None:
    layers, params, field = HAND_CHECKED[(task, name)]
    assert variants(task)[name] == layers
    classes = 4 if task == "motifs" else 2
    assert gmp_model_params(layers, classes) == params
    size = SCENARIOS[task]["image_size"]
    assert build_model(layers, (size, size, 1), classes, "gmp", "same").count_params() == params
    assert receptive_field(layers) == field
    assert macs(layers, (size, size, 1), classes, "gmp", "same") > 0


def test_budgets_are_equal_and_no_variant_is_starved() -> None:
    assert budget_of("motifs") == 220
    for task in SCENARIOS:
        classes = 4 if task == "motifs" else 2
        for name in SCENARIOS[task]["templates"]:
            layers = variants(task)[name]
            assert gmp_model_params(layers, classes) <= budget_of(task), name
            assert min(spec[1] for spec in layers if spec[0] == "conv") >= classes, name


def test_a_starving_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="fewer than the 4 classes"):
        filters_for_budget([["conv", None, 7]], 219, 4)


def test_same_padding_leaves_no_motif_position_blind() -> None:
    for name, layers in variants("motifs").items():
        assert blind_motif_positions(12, layers, "same") == 0, name
    # what 'valid' padding did: 6 windows per axis for 10 motif positions
    assert blind_motif_positions(12, [["conv", 2, 7]], "valid") == 4
    assert blind_motif_positions(12, [["conv", 8, 3]], "valid") == 0


def test_every_long_range_variant_sees_both_marks_and_the_baseline_does_not() -> None:
    for name, layers in variants("rows").items():
        assert sees_both_marks(14, layers, "same") == (name != "one 3×3 layer"), name


def test_unit_windows_by_hand() -> None:
    assert unit_windows(5, [["conv", 1, 3]], "valid") == [(0, 2), (1, 3), (2, 4)]
    assert unit_windows(5, [["conv", 1, 3]], "same") == [(0, 1), (0, 2), (1, 3), (2, 4), (3, 4)]
    assert unit_windows(8, [["pool", 2], ["conv", 1, 3]], "valid") == [(0, 5), (2, 7)]
    assert unit_windows(7, [["conv", 1, 3, 3]], "valid") == [(0, 6)]


@pytest.mark.parametrize("task", list(SCENARIOS))
def test_splits_are_disjoint_balanced_and_sized(task: str) -> None:
    splits = make_splits(task)
    for i, first in enumerate(SPLITS):
        for second in SPLITS[i + 1 :]:
            assert overlap(splits[first], splits[second]) == {"images": 0, "configurations": 0}, (first, second)
        examples = splits[first]
        assert len(examples.labels) == SCENARIOS[task]["sizes"][first]
        assert len({image.tobytes() for image in examples.images}) == len(examples.labels)  # no repeats within
        assert np.bincount(examples.labels).min() == np.bincount(examples.labels).max()  # balanced classes
    assert chance(task) == pytest.approx(1 / (4 if task == "motifs" else 2))


def test_overlap_counts_shared_images_and_configurations() -> None:
    a = Examples(np.zeros((2, 2, 2, 1)), np.zeros(2, np.int64), [b"x", b"y"])
    b = Examples(np.concatenate([np.zeros((1, 2, 2, 1)), np.ones((1, 2, 2, 1))]), np.zeros(2, np.int64), [b"y", b"z"])
    assert overlap(a, b) == {"images": 1, "configurations": 1}


def test_too_few_distinct_examples_is_an_error() -> None:
    with pytest.raises(ValueError, match="not enough distinct examples"):
        disjoint_splits("rows", {"train": 400, "validation": 100, "test": 100}, 0, {"noise": 0.0})


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"train": 10, "test": 10, "validation": 10}, "in that order"),
        ({"train": 9, "validation": 10, "test": 10}, "multiple of the 2 classes"),
        ({"train": 0, "validation": 10, "test": 10}, "train size must be"),
    ],
)
def test_disjoint_splits_rejects_bad_sizes(sizes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        disjoint_splits("rows", sizes, 0)


def test_generators_are_seeded() -> None:
    for generator in (motif_images, row_images):
        a, b = generator(50, 7), generator(50, 7)
        assert np.array_equal(a.images, b.images)
        assert np.array_equal(a.labels, b.labels)
        assert a.keys == b.keys
        assert not np.array_equal(a.images, generator(50, 8).images)


def test_motifs_are_distinct_unnested_and_stamped() -> None:
    shapes = motifs()
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert not (a <= b).all()
            assert not (b <= a).all()
    found = motif_images(40, 3, noise=0.0)
    for image, label in zip(found.images[..., 0], found.labels, strict=True):
        windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3))
        assert (windows >= shapes[label]).all(axis=(2, 3)).any(), "the class motif is not in the image"


def test_row_labels_match_the_marks() -> None:
    found = row_images(200, 5, noise=0.0)
    assert 0.35 < found.labels.mean() < 0.65
    for image, label in zip(found.images[..., 0], found.labels, strict=True):
        left = np.nonzero(image[:, :5].any(axis=1))[0]  # marks: columns 0-4 and 9-13 of 14
        right = np.nonzero(image[:, -5:].any(axis=1))[0]
        assert (left.min() == right.min()) == bool(label)


@pytest.mark.parametrize("bad", [{"n": 0}, {"n": 2.5}, {"size": 4}, {"noise": 1.5}])
def test_generators_reject_bad_input(bad: dict) -> None:
    with pytest.raises(ValueError, match=r"^(n|size|noise) must be"):
        row_images(**({"n": 10, "seed": 0} | bad))


@pytest.fixture(scope="module")
def results() -> dict:
    from kf.scenarios import scenario

    return {task: scenario(task) for task in SCENARIOS}


@pytest.mark.slow
def test_committed_results_cover_every_variant_and_seed(results: dict) -> None:
    from kf.scenarios import SEEDS

    for task, found in results.items():
        assert not found["draft"], f"{task}: a draft stands in for a frozen result"
        assert sorted((r["variant"], r["seed"]) for r in found["rows"]) == sorted(
            (name, seed) for name in variants(task) for seed in SEEDS
        )


@pytest.mark.slow
def test_built_page_shows_the_intervals_and_computed_verdicts(built_site, results: dict) -> None:
    from notebook_pages import check_notebook_page

    from kf import scenario_findings as findings

    text = check_notebook_page(built_site, "scenarios")
    for task, found in results.items():
        for name, entry in findings.summary(task, found["rows"]).items():
            assert findings.ci_text(entry["accuracy"]) in text, (task, name)
        for compared in findings.comparisons(task, found["rows"]):
            assert findings.diff_text(compared["difference"]) in text, (task, compared["a"], compared["b"])
    assert "Images in two splits" in text


def fake_rows(task: str, accuracy: dict[str, list[float]]) -> list[dict]:
    """Made-up per-seed results of every variant of a task (0.9 for any variant not given)."""
    return [
        {
            "variant": name,
            "seed": seed,
            "accuracy": accuracy.get(name, [0.9] * 5)[seed],
            "train_accuracy": 1.0,
            "params": 1,
            "best_epoch": 1,
            "epochs_run": 1,
        }
        for name in variants(task)
        for seed in range(5)
    ]


@pytest.mark.parametrize(
    ("small", "verdict"),
    [
        ([0.95, 0.96, 0.94, 0.95, 0.97], "supported"),
        ([0.85, 0.86, 0.84, 0.85, 0.87], "contradicted"),
        ([0.95, 0.85, 0.92, 0.88, 0.90], "not distinguishable at this budget"),
    ],
)
def test_claim_verdicts_follow_the_paired_interval(small: list[float], verdict: str) -> None:
    from kf.scenario_findings import claims

    results = {
        "motifs": {"rows": fake_rows("motifs", {"3×3": small, "7×7": [0.9, 0.91, 0.89, 0.9, 0.9]})},
        "rows": {"rows": fake_rows("rows", {})},
    }
    found = claims(results)
    assert found[0]["verdict"] == verdict
    assert "3×3" in found[0]["detail"]
    assert {c["verdict"] for c in found[1:]} == {"not distinguishable at this budget"}


ZH_VERDICT = {"better": "优于", "worse": "不如"}  # i18n/zh/experiments/scenarios.yml: kf.stats.sentence in Chinese
ZH_HELD = {"parameters": "参数", "kernel size": "卷积核大小", "filter count": "滤波器数量"}
ZH_HELD |= {"parameters, receptive field": "参数、感受野", "depth, receptive field": "深度、感受野"}
ZH_TABLE_VERDICT = {"better": "更好", "worse": "更差", "cannot be told apart at this budget": "在此预算下无法区分"}


def zh_sentence(compared: dict) -> str:
    """A computed verdict as the Chinese page says it (code spans read as their text)."""
    a, b, said = compared["a"], compared["b"], compared["verdict"]
    return f"{a} 与 {b} 在此预算下无法区分" if said not in ZH_VERDICT else f"{a} {ZH_VERDICT[said]} {b}"


@pytest.mark.slow
def test_zh_sentences(built_zh_site, results: dict) -> None:
    """The Chinese page states the same computed intervals and verdicts, in Chinese."""
    import re

    from built_pages import ZH_PUNCTUATION, built_zh_page, missing_sentences

    from kf import scenario_findings as findings
    from kf import stats

    def said(sentence: str) -> str:  # as a reader sees it: no space before a unit or full-width punctuation
        return re.sub(rf"\s+([{re.escape(ZH_PUNCTUATION)}])", r"\1", sentence)

    rows = findings.summary("rows", results["rows"]["rows"])["one 3×3 layer"]["accuracy"]
    filters = findings.design_facts("motifs")["filters"]
    sentences = [
        f"单个 3×3 层的准确率为 {findings.ci_text(rows)}，比随机猜测（{findings.percent(chance('rows'))}）"
        f"高 {100 * (rows.mean - chance('rows')):.1f} 个百分点",
        f"在 7×7 层有 {filters['7×7']} 个滤波器（每个类别一个）的预算下，3×3 层有 {filters['3×3']} 个",
        zh_sentence(stats.compare(results["motifs"]["rows"], "3×3", "7×7")),
        zh_sentence(stats.compare(results["rows"]["rows"], "dilated 3×3, d = 1, 2, 3", "large kernel 13×13")),
    ]
    for task, found in results.items():
        for c in findings.comparisons(task, found["rows"]):
            row = f"{c['a']} − {c['b']} {ZH_HELD[c['held']]} {findings.diff_text(c['difference'])}"
            sentences.append(f"{row} {ZH_TABLE_VERDICT[c['verdict']]}")
    page = built_zh_page(built_zh_site, "experiments/scenarios")
    missing = missing_sentences(page, [said(s) for s in sentences], ZH_PUNCTUATION)
    assert not missing, f"docs_zh/experiments/scenarios.py does not say: {missing}"
