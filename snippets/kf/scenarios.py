"""Two synthetic tasks, generated from a seed, that ask different things of a first layer.

- "motifs": which of 4 small 3×3 stroke motifs is stamped (twice) over a noisy image. Local: a 3×3
  window decides.
- "rows": are the two marks, one near the left edge and one near the right edge, on the same row?
  Only a unit that sees both marks can tell, so it needs a receptive field as wide as the marks' span.

Every model ends in GlobalMaxPool → Dense, so no dense layer can look across the image for the
convolutions. The splits are disjoint by construction: each example has a key (its latent
configuration: class and stamp positions, or the marks' positions), and the key's hash picks the
split, so an image, and even a configuration, can never be in two splits.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kf import convmath

MOTIF_CLASSES = 4
MOTIF_SIZE = 3
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True, eq=False)
class Examples:
    """Generated examples: images (N, H, W, 1) float32, int64 labels, and one latent-configuration key each."""

    images: np.ndarray
    labels: np.ndarray
    keys: list[bytes]


def motifs(seed: int = 1) -> np.ndarray:
    """MOTIF_CLASSES distinct 3×3 binary motifs, 4 or 5 pixels on, centre on, none contained in another."""
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    while len(found) < MOTIF_CLASSES:
        motif = np.zeros(MOTIF_SIZE * MOTIF_SIZE, dtype=np.float32)
        motif[rng.choice(motif.size, size=int(rng.integers(4, 6)), replace=False)] = 1
        motif = motif.reshape(MOTIF_SIZE, MOTIF_SIZE)
        # contained in another: a detector for the smaller one would fire on the larger one's images too
        nested = any((motif <= m).all() or (m <= motif).all() for m in found)
        if motif[1, 1] == 1 and not nested:
            found.append(motif)
    return np.stack(found)


def motif_images(n: int, seed: int, size: int = 12, copies: int = 2, noise: float = 0.05) -> Examples:
    """n images: `copies` stamps of one class motif at random places, plus salt noise; label = motif index."""
    convmath.check_int("n", n, maximum=1_000_000)
    convmath.check_int("size", size, minimum=MOTIF_SIZE, maximum=256)
    convmath.check_int("copies", copies, maximum=16)
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be a fraction in [0, 1), got {noise}")
    shapes = motifs()
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, MOTIF_CLASSES, size=n)
    images = (rng.random((n, size, size)) < noise).astype(np.float32)
    keys = []
    for image, label in zip(images, labels, strict=True):
        places = sorted(tuple(int(v) for v in rng.integers(0, size - MOTIF_SIZE + 1, size=2)) for _ in range(copies))
        for y, x in places:
            window = image[y : y + MOTIF_SIZE, x : x + MOTIF_SIZE]
            window[...] = np.maximum(window, shapes[label])
        keys.append(repr((int(label), places)).encode())
    return Examples(images[..., np.newaxis], labels.astype(np.int64), keys)


def row_images(
    n: int, seed: int, size: int = 14, mark: int = 2, band: int = 3, min_gap: int = 3, noise: float = 0.03
) -> Examples:
    """n images, a mark in the leftmost `band` columns and one in the rightmost, salt noise; label 1 = same row."""
    convmath.check_int("n", n, maximum=1_000_000)
    convmath.check_int("size", size, minimum=2 * (band + mark) + min_gap, maximum=256)
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be a fraction in [0, 1), got {noise}")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    images = (rng.random((n, size, size)) < noise).astype(np.float32)
    rows = size - mark + 1
    keys = []
    for image, label in zip(images, labels, strict=True):
        left = int(rng.integers(0, rows))
        # a negative's right mark sits on a different row, far enough that the marks do not overlap vertically
        right = left if label else int(rng.choice([r for r in range(rows) if abs(r - left) >= min_gap]))
        x_left = int(rng.integers(0, band))
        x_right = int(rng.integers(size - band - mark + 1, size - mark + 1))
        image[left : left + mark, x_left : x_left + mark] = 1
        image[right : right + mark, x_right : x_right + mark] = 1
        keys.append(repr((left, x_left, right, x_right)).encode())
    return Examples(images[..., np.newaxis], labels.astype(np.int64), keys)


GENERATORS: dict[str, Callable[..., Examples]] = {"motifs": motif_images, "rows": row_images}


def classes_of(task: str) -> int:
    """Number of classes of a task."""
    return MOTIF_CLASSES if task == "motifs" else 2


def bucket(key: bytes, salt: str, fractions: Sequence[float]) -> int:
    """The split a key belongs to: its salted sha256 as a number in [0, 1), against cumulative fractions."""
    value = int.from_bytes(hashlib.sha256(salt.encode() + b"\0" + key).digest()[:8], "big") / 2**64
    return int(np.searchsorted(np.cumsum(fractions), value, side="right").clip(0, len(fractions) - 1))


def disjoint_splits(
    task: str, sizes: Mapping[str, int], seed: int, generator_args: Mapping[str, object] | None = None
) -> dict[str, Examples]:
    """Class-balanced train, validation and test examples; no configuration (hence no image) is in two splits."""
    if task not in GENERATORS:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(GENERATORS)}")
    if list(sizes) != list(SPLITS):
        raise ValueError(f"sizes must name the splits {SPLITS} in that order, got {list(sizes)}")
    classes = classes_of(task)
    wanted = [convmath.check_int(f"{name} size", n, maximum=1_000_000) for name, n in sizes.items()]
    if any(n % classes for n in wanted):
        raise ValueError(f"{task}: each split size must be a multiple of the {classes} classes, got {wanted}")
    fractions = [n / sum(wanted) for n in wanted]
    taken: list[list[int]] = [[] for _ in SPLITS]
    per_class = np.zeros((len(SPLITS), classes), dtype=int)
    seen: set[bytes] = set()  # image bytes already used (a repeat within a split is dropped too)
    pool = GENERATORS[task](4 * sum(wanted) + 256, seed, **dict(generator_args or {}))
    for index, (key, label) in enumerate(zip(pool.keys, pool.labels, strict=True)):
        which = bucket(key, task, fractions)
        image = pool.images[index].tobytes()
        if per_class[which, label] < wanted[which] // classes and image not in seen:
            seen.add(image)
            per_class[which, label] += 1
            taken[which].append(index)
    short = [f"{name}: {len(t)} of {n}" for name, t, n in zip(SPLITS, taken, wanted, strict=True) if len(t) < n]
    if short:
        raise ValueError(f"{task}: not enough distinct examples for the splits ({', '.join(short)}); ask for fewer")
    return {
        name: Examples(pool.images[t], pool.labels[t], [pool.keys[i] for i in t])
        for name, t in zip(SPLITS, taken, strict=True)
    }


def overlap(a: Examples, b: Examples) -> dict[str, int]:
    """How many images and how many latent configurations two sets of examples share."""
    images_a = {image.tobytes() for image in a.images}
    return {
        "images": sum(image.tobytes() in images_a for image in b.images),
        "configurations": len(set(a.keys) & set(b.keys)),
    }


# ---- Fair variants: equal parameter budgets, filter counts from the budget, no blind positions ----


def conv_specs(layers: Sequence[Sequence[object]]) -> list[Sequence[object]]:
    """The convolution specs of a model, in order."""
    return [spec for spec in layers if spec[0] == "conv"]


def with_filters(template: Sequence[Sequence[object]], filters: int) -> list[list[object]]:
    """A layer template (conv specs with None filters) filled in with one filter count."""
    convmath.check_int("filters", filters, maximum=4096)
    return [[spec[0], filters, *spec[2:]] if spec[0] == "conv" else list(spec) for spec in template]


def gmp_model_params(layers: Sequence[Sequence[object]], classes: int, channels: int = 1) -> int:
    """Trainable parameters of conv layers (with biases) then GlobalMaxPool → Dense(classes), from the formulas."""
    total = 0
    for spec in conv_specs(layers):
        total += convmath.conv_params(spec[2], spec[2], channels, spec[1])
        channels = spec[1]
    return total + (channels + 1) * classes


def filters_for_budget(template: Sequence[Sequence[object]], budget: int, classes: int) -> int:
    """The most filters per layer whose model stays within `budget` parameters; ValueError if below `classes`."""
    convmath.check_int("budget", budget, maximum=10**9)
    filters = 0
    while gmp_model_params(with_filters(template, filters + 1), classes) <= budget:
        filters += 1
    if filters < classes:
        raise ValueError(
            f"a budget of {budget} parameters leaves {filters} filters per layer for {template!r}, fewer than "
            f"the {classes} classes: the variant would be starved; raise the budget"
        )
    return filters


def unit_windows(size: int, layers: Sequence[Sequence[object]], padding: str) -> list[tuple[int, int]]:
    """Along one axis: the input columns [first, last] each unit of the last layer sees (clipped to the image)."""
    convmath.check_int("size", size)
    convmath.check_padding(padding)
    windows = [(i, i) for i in range(size)]  # each input column sees itself
    for spec in layers:
        if spec[0] == "pool":
            count = convmath.conv_output_size(len(windows), spec[1], stride=spec[1])
            windows = [(windows[o * spec[1]][0], windows[o * spec[1] + spec[1] - 1][1]) for o in range(count)]
            continue
        kernel, dilation = spec[2], (spec[3] if len(spec) == 4 else 1)
        span = convmath.effective_kernel(kernel, dilation) - 1
        before = convmath.total_padding(len(windows), kernel, 1, padding, dilation) // 2
        count = convmath.conv_output_size(len(windows), kernel, padding=padding, dilation=dilation)
        windows = [
            (
                windows[max(o - before, 0)][0],
                windows[min(o - before + span, len(windows) - 1)][1],
            )
            for o in range(count)
        ]
    return windows


def blind_motif_positions(size: int, layers: Sequence[Sequence[object]], padding: str) -> int:
    """Motif positions per axis that a single-layer filter misses at its best offset (0: none is blind)."""
    if len(layers) != 1 or layers[0][0] != "conv":
        raise ValueError(f"blind_motif_positions needs a single convolution layer, got {layers!r}")
    kernel = layers[0][2]
    positions = size - MOTIF_SIZE + 1  # top-left corners a motif can take along one axis
    before = convmath.total_padding(size, kernel, 1, padding) // 2
    starts = range(convmath.conv_output_size(size, kernel, padding=padding))
    # a filter holding the motif at offset j (0 .. kernel − 3) sees a motif at corner o − before + j
    best = max(len({o - before + j for o in starts} & set(range(positions))) for j in range(kernel - MOTIF_SIZE + 1))
    return positions - best


def sees_both_marks(size: int, layers: Sequence[Sequence[object]], padding: str, mark: int = 2, band: int = 3) -> bool:
    """True if, for every pair of mark columns the rows task uses, one last-layer unit sees a column of each mark."""
    windows = unit_windows(size, layers, padding)
    lefts = [range(x, x + mark) for x in range(band)]
    rights = [range(x, x + mark) for x in range(size - band - mark + 1, size - mark + 1)]
    return all(
        any(any(a <= c <= b for c in left) and any(a <= c <= b for c in right) for a, b in windows)
        for left in lefts
        for right in rights
    )


# --8<-- [start:config]
SCENARIOS = {
    "motifs": {  # local: one layer; equal parameters; 'same' padding, so no motif position is blind
        "sizes": {"train": 1500, "validation": 500, "test": 2000},
        "image_size": 12,
        "padding": "same",
        "budget": "tightest",  # the fewest parameters that still give the largest kernel one filter per class
        "templates": {  # filter counts come from the budget
            "3×3": [["conv", None, 3]],
            "5×5": [["conv", None, 5]],
            "7×7": [["conv", None, 7]],
        },
        "controls": {"7×7, as many filters as 3×3": ("3×3", [["conv", None, 7]])},  # (whose filter count, layers)
        "pairs": [  # (a, b, what the pair holds equal): the comparisons the page makes, a − b
            ("3×3", "7×7", "parameters"),
            ("7×7, as many filters as 3×3", "7×7", "kernel size"),
            ("3×3", "7×7, as many filters as 3×3", "filter count"),
        ],
    },
    "rows": {  # long-range: every way to widen the field to the marks' span, at one parameter budget
        "sizes": {"train": 1500, "validation": 500, "test": 2000},
        "image_size": 14,
        "padding": "same",
        "budget": 1000,
        "templates": {
            "one 3×3 layer": [["conv", None, 3]],
            "large kernel 13×13": [["conv", None, 13]],
            "stack of 6 × 3×3": [["conv", None, 3]] * 6,
            "dilated 3×3, d = 1, 2, 3": [["conv", None, 3, 1], ["conv", None, 3, 2], ["conv", None, 3, 3]],
            "3×3, pool 2, 3×3, pool 2, 3×3": [
                ["conv", None, 3],
                ["pool", 2],
                ["conv", None, 3],
                ["pool", 2],
                ["conv", None, 3],
            ],
        },
        "controls": {
            "stack of 6 × 3×3, as many filters as dilated": ("dilated 3×3, d = 1, 2, 3", [["conv", None, 3]] * 6)
        },
        "pairs": [
            ("large kernel 13×13", "one 3×3 layer", "parameters"),
            ("dilated 3×3, d = 1, 2, 3", "one 3×3 layer", "parameters"),
            ("3×3, pool 2, 3×3, pool 2, 3×3", "one 3×3 layer", "parameters"),
            ("stack of 6 × 3×3", "one 3×3 layer", "parameters"),
            ("dilated 3×3, d = 1, 2, 3", "large kernel 13×13", "parameters, receptive field"),
            ("3×3, pool 2, 3×3, pool 2, 3×3", "large kernel 13×13", "parameters"),
            ("stack of 6 × 3×3, as many filters as dilated", "stack of 6 × 3×3", "depth, receptive field"),
        ],
    },
}
SCENARIO_TRAINING = {  # every model of both tasks; early stopping on the validation split
    "learning_rate": 1e-2,
    "batch_size": 32,
    "max_epochs": 15,
    "patience": 3,  # stop after this many epochs without a lower validation loss; keep the best weights
    "plateau_factor": 0.5,  # after such an epoch, halve the learning rate
}
SEEDS = [0, 1, 2, 3, 4]  # seed s: the same initialisation stream and batch order for every variant
DATA_SEEDS = {"motifs": 1000, "rows": 2000}  # the generator seeds; model seeds are separate
# --8<-- [end:config]


def budget_of(task: str) -> int:
    """The task's parameter budget; 'tightest' gives the largest kernel exactly one filter per class."""
    config = SCENARIOS[task]
    if config["budget"] != "tightest":
        return convmath.check_int("budget", config["budget"], maximum=10**9)
    largest = max(config["templates"].values(), key=lambda t: max(spec[2] for spec in conv_specs(t)))
    return gmp_model_params(with_filters(largest, classes_of(task)), classes_of(task))


def variants(task: str) -> dict[str, list[list[object]]]:
    """The task's models: templates filled with their budget's filter count, then the controls."""
    config = SCENARIOS.get(task)
    if config is None:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(SCENARIOS)}")
    budget = budget_of(task)
    built = {
        name: with_filters(template, filters_for_budget(template, budget, classes_of(task)))
        for name, template in config["templates"].items()
    }
    for name, (reference, template) in config["controls"].items():
        built[name] = with_filters(template, conv_specs(built[reference])[0][1])
    return built


@functools.lru_cache(maxsize=4)
def make_splits(task: str) -> dict[str, Examples]:
    """The task's train, validation and test examples, from its fixed generator seed."""
    config = SCENARIOS.get(task)
    if config is None:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(SCENARIOS)}")
    return disjoint_splits(task, config["sizes"], DATA_SEEDS[task], {"size": config["image_size"]})


def data_digest(splits: Mapping[str, Examples]) -> str:
    """sha256 of the generated arrays: the 'data checksum' of a synthetic task."""
    digest = hashlib.sha256()
    for name in SPLITS:
        digest.update(splits[name].images.tobytes())
        digest.update(splits[name].labels.tobytes())
    return digest.hexdigest()


def chance(task: str) -> float:
    """Accuracy of always guessing the most common label of the task's test split."""
    if task not in SCENARIOS:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(SCENARIOS)}")
    labels = make_splits(task)["test"].labels
    return float(np.bincount(labels).max() / labels.size)


# ---- Training: one job per (task, variant, seed) ----


def task_split(task: str):
    """The task as a kf.experiments.Split: train, validation (for early stopping) and test."""
    from kf.experiments import Split

    splits = make_splits(task)
    train, validation, test = (splits[name] for name in SPLITS)
    return Split(train.images, train.labels, test.images, test.labels, validation.images, validation.labels)


def run_variant(task: str, name: str, seed: int, settings: dict | None = None) -> dict[str, object]:
    """Train one (task, variant, seed) with early stopping; return test and training accuracy, curves and costs."""
    from kf.experiments import logits_of, receptive_field, scores, train

    settings = dict(settings or SCENARIO_TRAINING)
    layers = variants(task)[name]
    split = task_split(task)
    run = train(
        layers,
        split,
        seed,
        epochs=settings["max_epochs"],
        batch_size=settings["batch_size"],
        learning_rate=settings["learning_rate"],
        head="gmp",
        padding=SCENARIOS[task]["padding"],
        patience=settings["patience"],
        plateau_factor=settings["plateau_factor"],
    )
    model = run.pop("model")
    # did it fit the training data at all? (separates "cannot learn it" from "learns it, does not generalise")
    run["train_accuracy"] = scores(logits_of(model, split.x_train), split.y_train)[0]
    run["receptive_field"] = receptive_field(layers)
    return run


DRAFT_TRAINING = {**SCENARIO_TRAINING, "max_epochs": 1}  # KF_DRAFT=1 stand-in: one epoch


def variant_job(task: str, name: str, seed: int):
    """The frozen job for one (task, variant, seed)."""
    from kf import cache
    from kf.experiments import macs, slug

    layers = variants(task)[name]
    config = SCENARIOS[task]
    shape = (config["image_size"], config["image_size"], 1)
    return cache.Job(
        name=f"scenarios-{task}-{slug(layers)}-s{seed}",
        run=lambda: run_variant(task, name, seed),
        params={"task": task, "layers": layers, "training": SCENARIO_TRAINING, "config": config},
        seed=seed,
        data_sha256=data_digest(make_splits(task)),
        modules=("scenarios",),
        draft=lambda: run_variant(task, name, seed, DRAFT_TRAINING),
        cost=(macs(layers, shape, classes_of(task), "gmp", config["padding"]) + 50_000)
        * config["sizes"]["train"]
        / 7000,
        label=f"{task}: {name} seed {seed}",
        meta={"task": task, "variant": name},
    )


def jobs() -> list:
    """Every frozen job of the scenarios: one per (task, variant, seed)."""
    return [variant_job(task, name, seed) for task in SCENARIOS for name in variants(task) for seed in SEEDS]


def scenario(task: str) -> dict[str, object]:
    """Every (variant, seed) run of a task, from the committed results: one row per run."""
    from kf import cache

    if task not in SCENARIOS:
        raise ValueError(f"unknown scenario {task!r}; known: {sorted(SCENARIOS)}")
    rows, draft = [], False
    for job in jobs():
        if job.meta["task"] != task:
            continue
        result = job.result()
        draft = draft or cache.is_draft(result)
        rows.append({"variant": job.meta["variant"], "seed": job.seed, **result})
    return {"rows": rows, "draft": draft}


def claims() -> list[dict[str, object]]:
    """What this experiment lets the decision guide claim, with computed verdicts (from kf.scenario_findings)."""
    import importlib

    # imported by name so that page-side analysis stays out of this module's frozen-result key
    return importlib.import_module("kf.scenario_findings").claims()


__all__ = [
    "SCENARIOS",
    "SPLITS",
    "Examples",
    "blind_motif_positions",
    "chance",
    "claims",
    "disjoint_splits",
    "filters_for_budget",
    "jobs",
    "make_splits",
    "motif_images",
    "motifs",
    "overlap",
    "row_images",
    "run_variant",
    "scenario",
    "sees_both_marks",
    "unit_windows",
    "variants",
]
