"""The scenarios page (docs/experiments/scenarios.py): seeded generators, pinned costs, the answer flips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from notebook_pages import check_notebook_page

from kf.experiments import build_model, macs, receptive_field
from kf.scenarios import SCENARIOS, make_split, motif_images, motifs, row_images

HAND_CHECKED = {  # (task, variant): (parameters, MACs, receptive field); GlobalMaxPool → Dense(classes)
    ("motifs", "8×3×3"): (80 + 36, 10 * 10 * 9 * 8 + 32, 3),
    ("motifs", "4×5×5"): (104 + 20, 8 * 8 * 25 * 4 + 16, 5),
    ("motifs", "2×7×7"): (100 + 12, 6 * 6 * 49 * 2 + 8, 7),
    ("rows", "small: 8×3×3"): (80 + 18, 144 * 72 + 16, 3),  # 12×12 'same': 144 positions
    ("rows", "large kernel: 8×11×11"): (968 + 8 + 18, 144 * 121 * 8 + 16, 11),
    ("rows", "stack: 5 × (8×3×3)"): (80 + 4 * 584 + 18, 144 * 72 + 4 * 144 * 576 + 16, 11),
    ("rows", "dilated: 3×3, d = 1, 2, 2"): (80 + 2 * 584 + 18, 144 * 72 + 2 * 144 * 576 + 16, 11),
    # 12 → pool → 6 → pool → 3: MACs 12²·72 + 6²·576 + 3²·576 + 8·2
    ("rows", "pooling: (3×3 → pool 2) × 2 → 3×3"): (80 + 2 * 584 + 18, 144 * 72 + 36 * 576 + 9 * 576 + 16, 18),
}


def test_every_variant_is_pinned() -> None:
    assert [(t, n) for t, c in SCENARIOS.items() for n in c["variants"]] == list(HAND_CHECKED)


@pytest.mark.parametrize(("task", "name"), list(HAND_CHECKED))
def test_costs_and_receptive_fields(task: str, name: str) -> None:
    config = SCENARIOS[task]
    split = make_split(task, 4, 4)
    shape = tuple(split.x_train.shape[1:])
    layers = config["variants"][name]
    params, mac_count, field = HAND_CHECKED[(task, name)]
    assert build_model(layers, shape, split.classes, "gmp", config["padding"]).count_params() == params
    assert macs(layers, shape, split.classes, "gmp", config["padding"]) == mac_count
    assert receptive_field(layers) == field


def test_generators_are_seeded() -> None:
    for generator in (motif_images, row_images):
        a, b = generator(50, 7), generator(50, 7)
        assert np.array_equal(a[0], b[0])
        assert np.array_equal(a[1], b[1])
        assert not np.array_equal(a[0], generator(50, 8)[0])


def test_motifs_are_distinct_and_stamped() -> None:
    shapes = motifs()
    assert len({s.tobytes() for s in shapes}) == len(shapes)
    images, labels = motif_images(40, 3, noise=0.0)
    for image, label in zip(images[..., 0], labels, strict=True):
        windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3))
        assert (windows >= shapes[label]).all(axis=(2, 3)).any(), "the class motif is not in the image"


def test_row_labels_match_the_marks() -> None:
    images, labels = row_images(200, 5)
    assert 0.35 < labels.mean() < 0.65
    for image, label in zip(images[..., 0], labels, strict=True):
        left = np.nonzero(image[:, :3].any(axis=1))[0]  # marks: columns 0-2 and 8-11 of 12
        right = np.nonzero(image[:, -4:].any(axis=1))[0]
        assert (left.min() == right.min()) == bool(label)


@pytest.mark.parametrize("bad", [{"n": 0}, {"n": 2.5}, {"size": 4}])
def test_generators_reject_bad_sizes(bad: dict) -> None:
    with pytest.raises(ValueError, match=r"^(n|size) must be"):
        row_images(**({"n": 10, "seed": 0} | bad))


@pytest.fixture(scope="module")
def summaries() -> dict:
    from kf.experiments import summarise
    from kf.scenarios import scenario

    return {task: summarise(scenario(task)["rows"]) for task in SCENARIOS}


@pytest.mark.slow
def test_the_answer_flips(summaries: dict) -> None:
    motif, rows = summaries["motifs"], summaries["rows"]
    assert motif["8×3×3"]["accuracy"] > motif["2×7×7"]["accuracy"] + 0.1  # local: small kernels win
    assert rows["small: 8×3×3"]["accuracy"] < 0.65  # a 3×3 window cannot see both marks
    for name in ("large kernel: 8×11×11", "dilated: 3×3, d = 1, 2, 2", "pooling: (3×3 → pool 2) × 2 → 3×3"):
        assert rows[name]["accuracy"] > 0.9, name


@pytest.mark.slow
def test_built_page_shows_results(built_site: Path, summaries: dict) -> None:
    from kf.notebook import pm

    text = check_notebook_page(built_site, "scenarios")
    for summary in summaries.values():
        for name, s in summary.items():
            assert pm(s["accuracy"], s["spread"]) in text, name
    assert "a 3×3 kernel buys 4× as many filters" in text
