"""Small, identical classifiers around different first layers: build, count, train, evaluate.

A model is a list of layer specs (plain lists, so they can be part of a cache key):
["conv", filters, kernel] or ["conv", filters, kernel, dilation], ["sep", filters, kernel]
(depthwise-separable) and ["pool", size]; then a head: "flatten" (MaxPool 2 → Flatten → Dense)
or "gmp" (GlobalMaxPool → Dense). Every training is seeded and deterministic.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kf import cache, convmath

HEADS = ("flatten", "gmp")
KINDS = {"conv": (3, 4), "sep": (3, 3), "pool": (2, 2)}  # kind -> allowed spec lengths


@dataclass(frozen=True, eq=False)
class Split:
    """Arrays for one task: images (N, H, W, 1) float32 and int labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def classes(self) -> int:
        """Number of classes (labels are 0..K-1)."""
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def check_spec(layers: Sequence[Sequence[object]]) -> list[list[object]]:
    """Return the layer specs as lists, or raise ValueError saying what is wrong."""
    if not layers:
        raise ValueError("a model needs at least one layer spec")
    checked = []
    for spec in layers:
        spec = list(spec)
        if not spec or spec[0] not in KINDS:
            raise ValueError(f"layer spec {spec!r}: the first item must be one of {sorted(KINDS)}")
        low, high = KINDS[spec[0]]
        if not low <= len(spec) <= high:
            raise ValueError(f"layer spec {spec!r}: {spec[0]!r} takes {low - 1} to {high - 1} numbers")
        for number in spec[1:]:
            convmath.check_int(f"{spec[0]} spec value", number, maximum=4096)
        checked.append(spec)
    return checked


def describe(layers: Sequence[Sequence[object]]) -> str:
    """A short label: conv 64×3×3 → pool 2 → ..."""
    parts = []
    for spec in check_spec(layers):
        if spec[0] == "pool":
            parts.append(f"pool {spec[1]}")
        else:
            dilation = f" d{spec[3]}" if len(spec) == 4 and spec[3] != 1 else ""
            parts.append(f"{'sep ' if spec[0] == 'sep' else ''}{spec[1]}×{spec[2]}×{spec[2]}{dilation}")
    return " → ".join(parts)


def build_model(
    layers: Sequence[Sequence[object]],
    input_shape: tuple[int, int, int],
    classes: int,
    head: str = "flatten",
    padding: str = "valid",
):
    """The Keras model for a spec: ReLU after every convolution, then the head, logits out."""
    import keras

    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    convmath.check_padding(padding)
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for spec in check_spec(layers):
        if spec[0] == "conv":
            dilation = spec[3] if len(spec) == 4 else 1
            x = keras.layers.Conv2D(
                spec[1], (spec[2], spec[2]), padding=padding, dilation_rate=dilation, activation="relu"
            )(x)
        elif spec[0] == "sep":
            x = keras.layers.SeparableConv2D(spec[1], (spec[2], spec[2]), padding=padding, activation="relu")(x)
        else:
            x = keras.layers.MaxPooling2D(spec[1])(x)
    if head == "flatten":
        x = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(x))
    else:
        x = keras.layers.GlobalMaxPooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(classes)(x))


def macs(
    layers: Sequence[Sequence[object]],
    input_shape: tuple[int, int, int],
    classes: int,
    head: str = "flatten",
    padding: str = "valid",
) -> int:
    """Multiply-accumulates of one forward pass, from kf.convmath (pooling and ReLU count as 0)."""
    h, w, c = input_shape
    total = 0
    for spec in check_spec(layers):
        if spec[0] == "pool":
            h, w = (convmath.conv_output_size(n, spec[1], stride=spec[1]) for n in (h, w))
            continue
        kernel, dilation = spec[2], (spec[3] if len(spec) == 4 else 1)
        h, w = (convmath.conv_output_size(n, kernel, padding=padding, dilation=dilation) for n in (h, w))
        if spec[0] == "conv":
            total += convmath.conv_macs(h, w, kernel, kernel, c, spec[1])
        else:  # depthwise kernel per input channel, then a 1×1 pointwise convolution
            total += convmath.conv_macs(h, w, kernel, kernel, c, c, groups=c)
            total += convmath.conv_macs(h, w, 1, 1, c, spec[1])
        c = spec[1]
    if head == "flatten":
        h, w = (convmath.conv_output_size(n, 2, stride=2) for n in (h, w))
        return total + h * w * c * classes
    return total + c * classes


def receptive_field(layers: Sequence[Sequence[object]]) -> int:
    """Theoretical receptive field of the layers before the head (kf.convmath.receptive_field)."""
    kernels, strides, dilations = [], [], []
    for spec in check_spec(layers):
        kernels.append(spec[2] if spec[0] != "pool" else spec[1])
        strides.append(1 if spec[0] != "pool" else spec[1])
        dilations.append(spec[3] if spec[0] == "conv" and len(spec) == 4 else 1)
    return convmath.receptive_field(kernels, strides, dilations)[0]


def deterministic(seed: int) -> None:
    """Seed Python, numpy and TensorFlow, and make TensorFlow's kernels deterministic."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


_compiled: dict[str, object] = {}  # architecture -> compiled model; tracing a train step costs about a second


# --8<-- [start:train]
def train(
    layers: Sequence[Sequence[object]],
    split: Split,
    seed: int,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 2e-3,
    head: str = "flatten",
    padding: str = "valid",
) -> dict[str, object]:
    """Train one seeded model with Adam; return test accuracy, parameters, MACs, time and the trained model.

    The returned model is reused (re-initialised) by the next call with the same architecture.
    """
    import keras

    convmath.check_int("epochs", epochs, maximum=1000)
    convmath.check_int("batch_size", batch_size, maximum=100_000)
    input_shape = tuple(int(d) for d in split.x_train.shape[1:])
    deterministic(seed)
    model = build_model(layers, input_shape, split.classes, head, padding)  # this seed's initial weights
    key = json.dumps([check_spec(layers), input_shape, split.classes, head, padding, learning_rate])
    if key in _compiled:  # same architecture: reuse the compiled model and its traced train step
        model, initial = _compiled[key], model
        model.set_weights(initial.get_weights())
        for variable in model.optimizer.variables:  # a fresh Adam: step 0, zero moments
            if "learning_rate" not in variable.path:
                variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    else:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        _compiled[key] = model
    start = time.perf_counter()
    model.fit(split.x_train, split.y_train, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    seconds = time.perf_counter() - start
    cache.count_training()
    logits = [model(split.x_test[i : i + 500], training=False) for i in range(0, len(split.x_test), 500)]
    predicted = np.argmax(np.concatenate(logits), axis=1)
    return {
        "accuracy": float(np.mean(predicted == split.y_test)),
        "params": int(model.count_params()),
        "macs": macs(layers, input_shape, split.classes, head, padding),
        "seconds": seconds,
        "model": model,
    }


# --8<-- [end:train]


def mean_spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and spread (max − min) of repeated measurements."""
    if not values:
        raise ValueError("no values to summarise")
    return statistics.fmean(values), max(values) - min(values)


# ---- Page jobs: what the experiment pages and the decision guide show, cached by kf.cache ----

PAGES_DIR = cache.REPO_ROOT / "docs" / "experiments"
TRAINING_PAGE = PAGES_DIR / "training.py"

# --8<-- [start:comparison]
COMPARISON = {
    "train_images": 800,  # the first 800 of the 8,000 training digits (already shuffled, all classes)
    "epochs": 1,
    "batch_size": 32,
    "learning_rate": 3e-3,
    "seeds": [0, 1, 2],
    "variants": {  # name -> first layers; every model then gets MaxPool(2) → Flatten → Dense(10)
        "64×3×3": [["conv", 64, 3]],
        "32×7×7": [["conv", 32, 7]],
        "32×3×3": [["conv", 32, 3]],
        "64×7×7": [["conv", 64, 7]],
        "32×5×5": [["conv", 32, 5]],
        "3 × (32×3×3)": [["conv", 32, 3]] * 3,
        "sep 64×7×7": [["sep", 64, 7]],
    },
}
FEATURE_DIGITS = 4  # test digits whose feature maps the filters page shows
# --8<-- [end:comparison]


def mnist_split(train_images: int):
    """The MNIST subset as a Split: the first train_images training digits, all test digits."""
    from kf.data import load_digits

    digits = load_digits()
    convmath.check_int("train_images", train_images, maximum=len(digits.x_train))
    split = Split(digits.x_train[:train_images], digits.y_train[:train_images], digits.x_test, digits.y_test)
    return split, digits.sha256


def run_comparison(config: dict) -> dict[str, object]:
    """Train every variant with every seed; keep seed-0 first-layer kernels and feature maps; rerun one model."""
    split, _ = mnist_split(config["train_images"])
    settings = {k: config[k] for k in ("epochs", "batch_size", "learning_rate")}
    rows, result = [], {}
    for index, (name, layers) in enumerate(config["variants"].items()):
        for seed in config["seeds"]:
            run = train(layers, split, seed, **settings)
            model = run.pop("model")
            rows.append({"variant": name, "seed": seed, **run})
            if seed == config["seeds"][0]:
                first = model.layers[1]
                result[f"kernel_{index}"] = np.asarray(first.get_weights()[0])
                if layers in ([["conv", 64, 3]], [["conv", 32, 7]]):
                    digits = split.x_test[:FEATURE_DIGITS]
                    result[f"fmaps_{index}"] = np.asarray(first(digits))
                    result["digits"] = np.asarray(digits)
    first_name, first_layers = next(iter(config["variants"].items()))
    again = train(first_layers, split, config["seeds"][0], **settings)
    result["rerun"] = {"variant": first_name, "seed": config["seeds"][0], "accuracy": again["accuracy"]}
    result["rows"] = rows
    return result


def comparison() -> dict[str, object]:
    """The training comparison, from the cache when nothing it depends on has changed."""
    _, data_sha = mnist_split(COMPARISON["train_images"])
    return cache.cached(
        "comparison",
        lambda: run_comparison(COMPARISON),
        params=COMPARISON,
        seed=COMPARISON["seeds"][0],
        code=[TRAINING_PAGE],
        data_sha256=data_sha,
        modules=["experiments"],
    )


def summarise(rows: Sequence[dict], key: str = "variant") -> dict[str, dict[str, float]]:
    """Per variant: mean and spread of accuracy, mean seconds, parameters and MACs (in first-seen order)."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    summary = {}
    for name, runs in groups.items():
        mean, spread = mean_spread([r["accuracy"] for r in runs])
        summary[name] = {
            "accuracy": mean,
            "spread": spread,
            "seconds": statistics.fmean(r["seconds"] for r in runs),
            "params": runs[0]["params"],
            "macs": runs[0]["macs"],
            "runs": len(runs),
        }
    return summary
