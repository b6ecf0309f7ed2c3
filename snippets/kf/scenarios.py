"""Two synthetic tasks, generated from a seed, on which the right kernel choice flips.

- "motifs": which of 4 small 3×3 stroke motifs is stamped over a noisy image. Local: a 3×3 window decides.
- "rows": are the two marks, one near the left edge and one near the right edge, on the same row?
  Only a unit that sees both marks can tell, so it needs a receptive field as wide as the image.

Both use a GlobalMaxPooling head, so no Dense layer can look across the image for the convolutions.
"""

from __future__ import annotations

import numpy as np

from kf import cache, convmath
from kf.experiments import PAGES_DIR, Split, train

SCENARIOS_PAGE = PAGES_DIR / "scenarios.py"
MOTIF_CLASSES = 4
MOTIF_SIZE = 3


def motifs(seed: int = 1) -> np.ndarray:
    """MOTIF_CLASSES distinct 3×3 binary motifs with 4 or 5 pixels on (no two equal), from a seed."""
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    while len(found) < MOTIF_CLASSES:
        motif = np.zeros(MOTIF_SIZE * MOTIF_SIZE, dtype=np.float32)
        motif[rng.choice(motif.size, size=int(rng.integers(4, 6)), replace=False)] = 1
        motif = motif.reshape(MOTIF_SIZE, MOTIF_SIZE)
        if motif[1, 1] == 1 and not any(np.array_equal(motif, m) for m in found):  # centred strokes
            found.append(motif)
    return np.stack(found)


def motif_images(
    n: int, seed: int, size: int = 12, copies: int = 2, noise: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """n images: `copies` stamps of one class motif at random places, plus salt noise; label = motif index."""
    convmath.check_int("n", n, maximum=1_000_000)
    convmath.check_int("size", size, minimum=MOTIF_SIZE, maximum=256)
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be a fraction in [0, 1), got {noise}")
    shapes = motifs()
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, MOTIF_CLASSES, size=n)
    images = (rng.random((n, size, size)) < noise).astype(np.float32)
    for image, label in zip(images, labels, strict=True):
        for _ in range(copies):
            y, x = rng.integers(0, size - MOTIF_SIZE + 1, size=2)
            image[y : y + MOTIF_SIZE, x : x + MOTIF_SIZE] = np.maximum(
                image[y : y + MOTIF_SIZE, x : x + MOTIF_SIZE], shapes[label]
            )
    return images[..., np.newaxis], labels.astype(np.int64)


def row_images(
    n: int, seed: int, size: int = 12, mark: int = 2, band: int = 2, min_gap: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """n images with a mark in the leftmost `band` columns and one in the rightmost; label 1 = same row."""
    convmath.check_int("n", n, maximum=1_000_000)
    convmath.check_int("size", size, minimum=2 * (band + mark), maximum=256)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    images = np.zeros((n, size, size), dtype=np.float32)
    rows = size - mark + 1
    for image, label in zip(images, labels, strict=True):
        left = int(rng.integers(0, rows))
        if label:
            right = left
        else:  # a different row, far enough that the marks do not overlap vertically
            choices = [r for r in range(rows) if abs(r - left) >= min_gap]
            right = int(rng.choice(choices))
        x_left = int(rng.integers(0, band))
        x_right = int(rng.integers(size - band - mark + 1, size - mark + 1))
        image[left : left + mark, x_left : x_left + mark] = 1
        image[right : right + mark, x_right : x_right + mark] = 1
    return images[..., np.newaxis], labels.astype(np.int64)


GENERATORS = {"motifs": motif_images, "rows": row_images}

# --8<-- [start:config]
SCENARIOS = {
    "motifs": {  # local: an equal parameter budget; small kernels with more filters vs large ones with fewer
        "n_train": 800,
        "n_test": 1000,
        "epochs": 3,
        "learning_rate": 1e-2,
        "seeds": [0, 1, 2],
        "padding": "valid",
        "variants": {
            "8×3×3": [["conv", 8, 3]],
            "4×5×5": [["conv", 4, 5]],
            "2×7×7": [["conv", 2, 7]],
        },
    },
    "rows": {  # long-range: every way to grow the receptive field to the image width, and a small-kernel baseline
        "n_train": 400,
        "n_test": 1000,
        "epochs": 3,
        "learning_rate": 1e-2,
        "seeds": [0, 1, 2],
        "padding": "same",
        "variants": {
            "small: 8×3×3": [["conv", 8, 3]],
            "large kernel: 8×11×11": [["conv", 8, 11]],
            "stack: 5 × (8×3×3)": [["conv", 8, 3]] * 5,
            "dilated: 3×3, d = 1, 2, 2": [["conv", 8, 3, 1], ["conv", 8, 3, 2], ["conv", 8, 3, 2]],
            "pooling: (3×3 → pool 2) × 2 → 3×3": [
                ["conv", 8, 3],
                ["pool", 2],
                ["conv", 8, 3],
                ["pool", 2],
                ["conv", 8, 3],
            ],
        },
    },
}
DATA_SEEDS = {"train": 1000, "test": 2000}  # the generator seeds; model seeds are separate
# --8<-- [end:config]


def make_split(task: str, n_train: int, n_test: int) -> Split:
    """Train and test sets of a task, from fixed generator seeds."""
    if task not in GENERATORS:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(GENERATORS)}")
    x_train, y_train = GENERATORS[task](n_train, DATA_SEEDS["train"])
    x_test, y_test = GENERATORS[task](n_test, DATA_SEEDS["test"])
    return Split(x_train, y_train, x_test, y_test)


def data_digest(split: Split) -> str:
    """sha256 of the generated arrays: the 'data checksum' of a synthetic task."""
    return cache.sha256_text(*(a.tobytes().hex() for a in (split.x_train, split.y_train, split.x_test, split.y_test)))


def run_scenario(task: str, config: dict) -> dict[str, object]:
    """Train every variant of a task with every seed; return one row per run."""
    from kf.experiments import receptive_field

    split = make_split(task, config["n_train"], config["n_test"])
    rows = []
    for name, layers in config["variants"].items():
        for seed in config["seeds"]:
            run = train(
                layers,
                split,
                seed,
                epochs=config["epochs"],
                learning_rate=config["learning_rate"],
                head="gmp",
                padding=config["padding"],
            )
            run.pop("model")
            rows.append({"variant": name, "seed": seed, "receptive_field": receptive_field(layers), **run})
    return {"rows": rows, "examples": split.x_test[:8, ..., 0], "example_labels": split.y_test[:8]}


def scenario(task: str) -> dict[str, object]:
    """One scenario's results, from the cache when nothing they depend on has changed."""
    config = SCENARIOS.get(task)
    if config is None:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(SCENARIOS)}")
    split = make_split(task, config["n_train"], config["n_test"])
    return cache.cached(
        f"scenario-{task}",
        lambda: run_scenario(task, config),
        params=config,
        seed=config["seeds"][0],
        code=[SCENARIOS_PAGE],
        data_sha256=data_digest(split),
        modules=["scenarios"],
    )


def chance(task: str) -> float:
    """Accuracy of always guessing the most common test label."""
    config = SCENARIOS[task]
    split = make_split(task, config["n_train"], config["n_test"])
    return float(np.bincount(split.y_test).max() / len(split.y_test))


__all__ = ["SCENARIOS", "chance", "make_split", "motif_images", "motifs", "row_images", "scenario"]
