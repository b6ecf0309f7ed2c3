"""Small, identical classifiers around different first layers: build, count, train, evaluate.

A model is a list of layer specs (plain lists, so they can be part of a cache key):
["conv", filters, kernel] or ["conv", filters, kernel, dilation], ["sep", filters, kernel]
(depthwise-separable) and ["pool", size]; then a head: "flatten" (MaxPool 2 → Flatten → Dense)
or "gmp" (GlobalMaxPool → Dense). Every training is seeded and deterministic.

The training comparison is frozen per (variant, seed): `jobs()` lists one kf.cache.Job for each,
`make experiments` runs them, and `comparison()` loads the committed results for the pages.
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
    """Arrays for one task: images (N, H, W, 1) float32 and int labels; validation optional."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @property
    def classes(self) -> int:
        """Number of classes (labels are 0..K-1)."""
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    @property
    def has_validation(self) -> bool:
        """True when a validation set is there to stop training on."""
        return self.x_val is not None and self.y_val is not None and len(self.x_val) > 0


def slug(layers: Sequence[Sequence[object]]) -> str:
    """An ASCII name for a spec, for job and file names: [["conv", 64, 3]] -> 'c64k3'."""
    parts = []
    for spec in check_spec(layers):
        if spec[0] == "pool":
            parts.append(f"p{spec[1]}")
        else:
            dilation = f"d{spec[3]}" if len(spec) == 4 and spec[3] != 1 else ""
            parts.append(f"{'s' if spec[0] == 'sep' else 'c'}{spec[1]}k{spec[2]}{dilation}")
    if len(parts) > 1 and len(set(parts)) == 1:
        return f"{len(parts)}x{parts[0]}"
    return "_".join(parts)


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
    dropout: float = 0.0,
):
    """The Keras model for a spec: ReLU after every convolution, then the head (optional dropout), logits out."""
    import keras

    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
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
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
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

# --8<-- [start:settings]
TRAINING = {  # how every model of the training comparison is trained; train()'s defaults come from here
    "optimizer": "Adam",
    "learning_rate": 2e-3,
    "batch_size": 64,
    "max_epochs": 30,
    "plateau_factor": 0.5,  # after an epoch without a lower validation loss, multiply the learning rate by this
    "shift": 2,  # each epoch, every training image moves by up to this many pixels (random, per seed)
    "dropout": 0.5,  # on the flattened features before Dense(10): the head has most of the parameters
    "patience": 3,  # stop after this many epochs without a lower validation loss; keep the best weights
}
# --8<-- [end:settings]


def shifted(images: np.ndarray, rng: np.random.Generator, shift: int) -> np.ndarray:
    """Each image moved by a random whole-pixel offset in [−shift, shift] per axis, zeros shifted in."""
    convmath.check_int("shift", shift, minimum=0, maximum=8)
    n, height, width = images.shape[:3]
    offsets = rng.integers(-shift, shift + 1, size=(n, 2))
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)))
    out = np.empty_like(images)
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            chosen = (offsets[:, 0] == dy) & (offsets[:, 1] == dx)
            out[chosen] = padded[chosen, shift - dy : shift - dy + height, shift - dx : shift - dx + width]
    return out


def logits_of(model, images: np.ndarray, batch: int = 500) -> np.ndarray:
    """The model's logits for images, in batches, inference mode."""
    return np.concatenate(
        [np.asarray(model(images[i : i + batch], training=False)) for i in range(0, len(images), batch)]
    )


def scores(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Accuracy and mean cross-entropy of logits against integer labels."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(len(labels)), labels].mean())
    return float(np.mean(np.argmax(logits, axis=1) == labels)), loss


def fresh_model(layers, input_shape, classes, head, padding, learning_rate, seed, dropout=0.0):
    """This seed's initial model, compiled; reuses the traced model of the same architecture if there is one.

    A model with dropout is never reused: its random state is not among its weights, so reuse
    would make a run depend on the runs before it.
    """
    import keras

    deterministic(seed)
    model = build_model(layers, input_shape, classes, head, padding, dropout)  # this seed's initial weights
    key = json.dumps([check_spec(layers), input_shape, classes, head, padding, learning_rate])
    if key in _compiled and not dropout:  # same architecture: reuse the compiled model and its traced train step
        model, initial = _compiled[key], model
        model.set_weights(initial.get_weights())
        for variable in model.optimizer.variables:  # a fresh Adam: step 0, zero moments, initial rate
            if "learning_rate" in variable.path:
                variable.assign(np.asarray(learning_rate, dtype=variable.dtype))
            else:
                variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    else:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        if not dropout:
            _compiled[key] = model
    return model


# --8<-- [start:train]
def train(
    layers: Sequence[Sequence[object]],
    split: Split,
    seed: int,
    *,
    epochs: int = TRAINING["max_epochs"],
    batch_size: int = TRAINING["batch_size"],
    learning_rate: float = TRAINING["learning_rate"],
    head: str = "flatten",
    padding: str = "valid",
    patience: int | None = None,
    plateau_factor: float | None = None,
    dropout: float = 0.0,
    shift: int = 0,
    keep_initial: bool = False,
) -> dict[str, object]:
    """Train one seeded model with Adam; return held-out test accuracy, learning curves, cost and the model.

    Data order comes from numpy's generator seeded with `seed`, the same for every architecture, so
    variants with the same seed see the same batches (and, with `shift`, the same random shifts).
    With `patience` and a validation set, training stops after `patience` epochs without a lower
    validation loss and keeps the best epoch's weights; with `plateau_factor`, each such epoch also
    multiplies the learning rate by it. `dropout` applies before the last Dense layer. The test set
    is used once, at the end. Keyword defaults are TRAINING's values.
    """
    convmath.check_int("epochs", epochs, maximum=1000)
    convmath.check_int("batch_size", batch_size, maximum=100_000)
    convmath.check_int("shift", shift, minimum=0, maximum=8)
    if patience is not None:
        convmath.check_int("patience", patience, maximum=1000)
    if (patience is not None or plateau_factor is not None) and not split.has_validation:
        raise ValueError("early stopping (patience) and plateau_factor need a validation set in the split")
    if plateau_factor is not None and not 0 < plateau_factor <= 1:
        raise ValueError(f"plateau_factor must be in (0, 1], got {plateau_factor}")
    input_shape = tuple(int(d) for d in split.x_train.shape[1:])
    model = fresh_model(layers, input_shape, split.classes, head, padding, learning_rate, seed, dropout)
    initial = [np.array(w) for w in model.layers[1].get_weights()] if keep_initial else None
    order = np.random.default_rng(seed)  # the data order: shared by every variant with this seed
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": [], "seconds": []}
    best, best_loss, waited = None, np.inf, 0
    for epoch in range(epochs):
        batches = order.permutation(len(split.x_train))
        images = shifted(split.x_train[batches], order, shift) if shift else split.x_train[batches]
        start = time.perf_counter()
        fitted = model.fit(images, split.y_train[batches], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        history["seconds"].append(time.perf_counter() - start)
        history["train_loss"].append(float(fitted.history["loss"][-1]))
        if split.has_validation:
            val_accuracy, val_loss = scores(logits_of(model, split.x_val), split.y_val)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
            if val_loss < best_loss:
                best, best_loss, waited = model.get_weights(), val_loss, 0
            else:
                waited += 1
                if plateau_factor is not None:
                    rate = model.optimizer.learning_rate
                    rate.assign(rate * plateau_factor)
        cache.report_epoch(epoch + 1, epochs, {k: v[-1] for k, v in history.items() if v})
        if patience is not None and waited >= patience:
            break
    if patience is not None and best is not None:
        model.set_weights(best)  # the epoch with the lowest validation loss
    cache.count_training()
    accuracy, loss = scores(logits_of(model, split.x_test), split.y_test)
    steady = history["seconds"][1:] or history["seconds"]  # epoch 1 includes tracing the train step
    run = {
        "accuracy": accuracy,
        "test_loss": loss,
        "params": int(model.count_params()),
        "macs": macs(layers, input_shape, split.classes, head, padding),
        "seconds": float(sum(history["seconds"])),
        "first_epoch_seconds": float(history["seconds"][0]),
        "seconds_per_epoch": float(statistics.median(steady)),
        "epochs_run": len(history["seconds"]),
        "best_epoch": int(np.argmin(history["val_loss"])) + 1 if history["val_loss"] else len(history["seconds"]),
        "history": history,
        "model": model,
    }
    if initial is not None:
        run["initial_first_layer"] = initial
    return run


# --8<-- [end:train]


def mean_spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and spread (max − min) of repeated measurements."""
    if not values:
        raise ValueError("no values to summarise")
    return statistics.fmean(values), max(values) - min(values)


def matched_filters(kernel: int, target: int, measure: str, input_shape=(28, 28, 1), classes: int = 10) -> int:
    """The filter count of one Conv2D(F, kernel) layer whose parameters or MACs come closest to target."""
    if measure not in ("params", "macs"):
        raise ValueError(f"measure must be 'params' or 'macs', got {measure!r}")
    convmath.check_int("target", target, maximum=10**12)

    def cost(filters: int) -> int:
        layers = [["conv", filters, kernel]]
        return macs(layers, input_shape, classes) if measure == "macs" else params_of(layers, input_shape, classes)

    return min(range(1, 1025), key=lambda f: (abs(cost(f) - target), f))


def params_of(layers: Sequence[Sequence[object]], input_shape=(28, 28, 1), classes: int = 10) -> int:
    """Trainable parameters of the flatten-head model, from kf.convmath (no Keras needed)."""
    h, w, c = input_shape
    total = 0
    for spec in check_spec(layers):
        if spec[0] == "pool":
            h, w = (convmath.conv_output_size(n, spec[1], stride=spec[1]) for n in (h, w))
            continue
        kernel, dilation = spec[2], (spec[3] if len(spec) == 4 else 1)
        h, w = (convmath.conv_output_size(n, kernel, dilation=dilation) for n in (h, w))
        if spec[0] == "conv":
            total += kernel * kernel * c * spec[1] + spec[1]
        else:
            total += kernel * kernel * c + c * spec[1] + spec[1]
        c = spec[1]
    h, w = (convmath.conv_output_size(n, 2, stride=2) for n in (h, w))
    return total + h * w * c * classes + classes


# ---- The training comparison: frozen per (variant, seed) by `make experiments` ----

PAGES_DIR = cache.REPO_ROOT / "docs" / "experiments"
TRAINING_PAGE = PAGES_DIR / "training.py"

QUESTION = {"64×3×3": [["conv", 64, 3]], "32×7×7": [["conv", 32, 7]]}
PARAMS_TWIN = matched_filters(3, params_of(QUESTION["32×7×7"]), "params")  # a 3×3 layer with 32×7×7's parameters
MACS_TWIN = matched_filters(7, macs(QUESTION["64×3×3"], (28, 28, 1), 10), "macs")  # a 7×7 layer with 64×3×3's MACs

# --8<-- [start:comparison]
COMPARISON = {
    "split": {"train": 7_000, "validation": 1_000, "test": 2_000},  # all 10,000 digits, disjoint
    "seeds": [0, 1, 2, 3, 4],  # seed s: same initialisation stream and same batch order for every variant
    "variants": {  # name -> first layers; every model then gets MaxPool(2) → Flatten → Dense(10)
        **QUESTION,
        f"{PARAMS_TWIN}×3×3": [["conv", PARAMS_TWIN, 3]],
        f"{MACS_TWIN}×7×7": [["conv", MACS_TWIN, 7]],
        "3 × (16×3×3)": [["conv", 16, 3]] * 3,
        "sep 64×7×7": [["sep", 64, 7]],
    },
}
DRAFT = {"train_images": 1_000, "max_epochs": 2}  # KF_DRAFT=1 stand-in: a quick, low-budget run
# --8<-- [end:comparison]


def mnist_split(train_images: int | None = None):
    """The three-way MNIST split as a Split (first train_images training digits), and the data checksum."""
    from kf.data import load_splits

    digits = load_splits()
    count = len(digits.x_train) if train_images is None else train_images
    convmath.check_int("train_images", count, maximum=len(digits.x_train))
    split = Split(
        digits.x_train[:count], digits.y_train[:count], digits.x_test, digits.y_test, digits.x_val, digits.y_val
    )
    return split, digits.sha256


def run_variant(layers: Sequence[Sequence[object]], seed: int, settings: dict, train_images: int | None = None) -> dict:
    """Train one (variant, seed) pair; return its metrics, curves and first-layer weights at init and trained."""
    split, _ = mnist_split(train_images)
    run = train(
        layers,
        split,
        seed,
        epochs=settings["max_epochs"],
        batch_size=settings["batch_size"],
        learning_rate=settings["learning_rate"],
        patience=settings["patience"],
        plateau_factor=settings["plateau_factor"],
        dropout=settings["dropout"],
        shift=settings["shift"],
        keep_initial=True,
    )
    model, initial = run.pop("model"), run.pop("initial_first_layer")
    trained = model.layers[1].get_weights()
    return {
        **run,
        "kernel_init": np.asarray(initial[0], dtype=np.float32),
        "kernel": np.asarray(trained[0], dtype=np.float32),
        "bias": np.asarray(trained[-1], dtype=np.float32),
    }


def variant_job(name: str, seed: int) -> cache.Job:
    """The frozen job for one (variant, seed) pair of the training comparison."""
    from kf.data import SUBSET_SHA256

    layers = COMPARISON["variants"][name]
    params = {"layers": layers, "training": TRAINING, "split": COMPARISON["split"]}
    draft_settings = {**TRAINING, "max_epochs": DRAFT["max_epochs"]}
    return cache.Job(
        name=f"training-{slug(layers)}-s{seed}",
        run=lambda: run_variant(layers, seed, TRAINING),
        params=params,
        seed=seed,
        data_sha256=SUBSET_SHA256,
        modules=("experiments",),
        draft=lambda: run_variant(layers, seed, draft_settings, DRAFT["train_images"]),
        cost=macs(layers, (28, 28, 1), 10) + 400_000,  # per-epoch cost ~ MACs, plus a fixed overhead
        label=f"{name} seed {seed}",
        meta={"variant": name},
    )


def jobs() -> list[cache.Job]:
    """Every frozen job of this module: one per (variant, seed) of the training comparison."""
    return [variant_job(name, seed) for name in COMPARISON["variants"] for seed in COMPARISON["seeds"]]


def comparison() -> dict[str, object]:
    """The training comparison from the committed results: rows (one per run), arrays keyed by (variant, seed)."""
    rows, arrays, draft = [], {}, False
    for job in jobs():
        result = job.result()
        draft = draft or cache.is_draft(result)
        variant, seed = job.meta["variant"], job.seed
        arrays[(variant, seed)] = {k: result[k] for k in ("kernel_init", "kernel", "bias")}
        rows.append(
            {"variant": variant, "seed": seed, **{k: v for k, v in result.items() if not isinstance(v, np.ndarray)}}
        )
    return {"rows": rows, "arrays": arrays, "draft": draft}


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
