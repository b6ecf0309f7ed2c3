"""Effective receptive field (ERF): how strongly each input pixel moves one central output unit.

Following Luo et al. (NeurIPS 2016), the ERF of a unit is the gradient of that unit with respect to
the input pixels. Here: the central unit of the last convolution, summed over its channels, the
absolute gradient averaged over test digits, normalised to sum to 1. Beside it, the theory: with
uniform weights and no nonlinearity the ERF is the convolution of the kernels' boxes, so its variance
per axis is the sum of the boxes' variances, Σ (kᵢ² − 1)/12, and grows linearly with depth (σ like √depth).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kf import convmath

MASS = 0.95  # the ERF's size is the side of the smallest centred square holding this share of the mass
INPUT_SHAPE = (28, 28, 1)


# --8<-- [start:theory]
def uniform_sigma(kernels: Sequence[int], dilations: Sequence[int] | None = None) -> float:
    """Per-axis σ of the ERF of stride-1 layers with uniform weights: √(Σ dᵢ²(kᵢ² − 1)/12)."""
    dilations = list(dilations) if dilations is not None else [1] * len(kernels)
    if not kernels or len(dilations) != len(kernels):
        raise ValueError("need one dilation per kernel, and at least one kernel")
    for kernel, dilation in zip(kernels, dilations, strict=True):
        convmath.check_int("kernel", kernel)
        convmath.check_int("dilation", dilation)
    return math.sqrt(sum(d * d * (k * k - 1) / 12 for k, d in zip(kernels, dilations, strict=True)))


def uniform_profile(kernels: Sequence[int]) -> np.ndarray:
    """The 1-D uniform-weight ERF of stride-1 layers: the kernels' boxes convolved, normalised to sum 1."""
    profile = np.ones(1)
    for kernel in kernels:
        profile = np.convolve(profile, np.ones(convmath.check_int("kernel", kernel)))
    return profile / profile.sum()


def depth_exponent(depths: Sequence[int], sigmas: Sequence[float]) -> float:
    """Least-squares slope of log σ against log depth: 0.5 is the √depth law."""
    if len(depths) != len(sigmas) or len(set(depths)) < 2:
        raise ValueError("need σ at two or more different depths")
    if min(depths) <= 0 or min(sigmas) <= 0:
        raise ValueError("depths and σ must be positive")
    return float(np.polyfit(np.log(depths), np.log(sigmas), 1)[0])


# --8<-- [end:theory]


def stack_layers(depth: int, filters: int = 16, kernel: int = 3) -> list[list[object]]:
    """`depth` convolutions of `filters` k×k kernels, as layer specs."""
    convmath.check_int("depth", depth, maximum=64)
    return [["conv", filters, kernel]] * depth


def kernels_of(layers: Sequence[Sequence[object]]) -> list[int]:
    """The kernel sizes of the convolution specs (stride 1, no dilation, no pooling allowed)."""
    if any(spec[0] != "conv" or (len(spec) == 4 and spec[3] != 1) for spec in layers):
        raise ValueError(f"the ERF theory here covers plain stride-1 convolutions only, got {layers!r}")
    return [int(spec[2]) for spec in layers]


def conv_stack(layers: Sequence[Sequence[object]], activation: str | None, uniform: bool = False):
    """Just the convolutions of a spec ('valid' padding), with or without ReLU; uniform=True sets every weight to 1."""
    import keras

    inputs = keras.Input(shape=INPUT_SHAPE)
    x = inputs
    for spec in layers:
        x = keras.layers.Conv2D(spec[1], (spec[2], spec[2]), activation=activation)(x)
    model = keras.Model(inputs, x)
    if uniform:
        model.set_weights([np.ones_like(w) if w.ndim == 4 else np.zeros_like(w) for w in model.get_weights()])
    return model


def centre_unit(model) -> tuple[int, int, int]:
    """Index of the last convolution's central unit, and that layer's index in the model."""
    import keras

    convs = [i for i, layer in enumerate(model.layers) if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        raise ValueError("the model has no Conv2D layer")
    height, width = model.layers[convs[-1]].output.shape[1:3]
    return height // 2, width // 2, convs[-1]


# --8<-- [start:gradient]
def erf_map(model, images: np.ndarray, power: int = 1) -> tuple[np.ndarray, tuple[float, float]]:
    """Mean |∂ centre unit / ∂ input|^power over images, normalised to sum 1; and the unit's centre in input pixels."""
    import keras
    import tensorflow as tf

    row, col, last = centre_unit(model)
    features = keras.Model(model.inputs, model.layers[last].output)
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = tf.reduce_sum(features(x)[:, row, col, :])  # the central unit, all its channels
    if power not in (1, 2):
        raise ValueError(f"power must be 1 (absolute gradient) or 2 (squared gradient), got {power!r}")
    grad = (np.abs(tape.gradient(unit, x).numpy()) ** power).mean(axis=(0, 3))
    total = grad.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError("the gradient is zero everywhere (all ReLUs dead?): no ERF to measure")
    # With 'valid' padding, unit (r, c) sees input rows r .. r + RF − 1: its centre is r + (RF − 1)/2.
    half = (receptive_field_of(model) - 1) / 2
    return grad / total, (row + half, col + half)


# --8<-- [end:gradient]


def receptive_field_of(model) -> int:
    """Theoretical receptive field of the model's convolutions (all stride 1 here)."""
    import keras

    kernels, dilations = [], []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernels.append(layer.kernel_size[0])
            dilations.append(layer.dilation_rate[0])
        elif isinstance(layer, (keras.layers.Flatten, keras.layers.GlobalMaxPooling2D)):
            break
        elif isinstance(layer, keras.layers.MaxPooling2D) and kernels:
            break  # the head's pooling: the ERF is measured before it
    return convmath.receptive_field(kernels, None, dilations)[0]


# --8<-- [start:spread]
def spread(erf: np.ndarray, centre: tuple[float, float], mass: float = MASS) -> dict[str, float]:
    """Size of a normalised ERF: per-axis standard deviation, and the side of the centred square holding `mass`."""
    if not 0 < mass <= 1:
        raise ValueError(f"mass must be in (0, 1], got {mass}")
    if erf.ndim != 2 or not np.isclose(erf.sum(), 1) or (erf < 0).any():
        raise ValueError("erf must be a non-negative 2-D map normalised to sum 1")
    rows, cols = np.indices(erf.shape, dtype=np.float64)
    dy, dx = rows - centre[0], cols - centre[1]
    sigma = float(np.sqrt((erf * (dy**2 + dx**2)).sum() / 2))
    chebyshev = np.maximum(np.abs(dy), np.abs(dx))  # distance in "squares around the centre"
    side = float(2 * chebyshev.max() + 1)
    for half in np.unique(chebyshev):
        if erf[chebyshev <= half].sum() >= mass - 1e-9:
            side = float(2 * half + 1)
            break
    gauss = np.exp(-(dy**2 + dx**2) / (2 * max(sigma, 1e-9) ** 2))
    gauss /= gauss.sum()
    r2 = 1 - ((erf - gauss) ** 2).sum() / ((erf - erf.mean()) ** 2).sum()  # how well a Gaussian fits
    return {"sigma": sigma, "side": side, "gaussian_r2": float(r2)}


# --8<-- [end:spread]

# --8<-- [start:config]
ERF = {
    "seeds": [0, 1, 2, 3, 4],  # model seeds: each is one initialisation and, for trained models, one training run
    "images": 64,  # test digits the gradient is averaged over
    "filters": 16,
    "depths": [1, 2, 3, 6, 12],  # stacks of 3×3 layers for the √depth law, at initialisation
    # trained models, MaxPool(2) → Flatten → Dense(10) on top, trained exactly as the training comparison's:
    "stack": [["conv", 16, 3]] * 3,  # trained here: the comparison keeps only first layers
    "single": ["32×7×7", "64×3×3"],  # one-layer models of the comparison: their ERF follows from the stored kernels
    "stack_training": {"max_epochs": 12, "shift": 0, "dropout": 0.0},  # the comparison's recipe, with these changes
}
# --8<-- [end:config]


INIT_KINDS = {  # name -> (activation, uniform weights, power of |gradient|, input-dependent)
    "uniform": (None, True, 1, False),
    "random": (None, False, 1, False),
    "random_squared": (None, False, 2, False),
    "random_relu": ("relu", False, 1, True),
}


def init_maps(layers: Sequence[Sequence[object]], seed: int, images: np.ndarray) -> dict[str, np.ndarray]:
    """ERF maps at initialisation: uniform weights; random signs without ReLU (|g| and g²); random signs with ReLU."""
    from kf.experiments import deterministic

    maps = {}
    for name, (activation, uniform, power, needs_input) in INIT_KINDS.items():
        deterministic(seed)  # the same random weights for every kind
        batch = images if needs_input else images[:1]  # without ReLU the gradient ignores the input
        maps[name], centre = erf_map(conv_stack(layers, activation, uniform), batch, power)
    maps["centre"] = np.asarray(centre)
    return maps


def depth_rows(config: dict, images: np.ndarray) -> tuple[list[dict], dict[str, np.ndarray]]:
    """σ at initialisation for stacks of 3×3 layers of every depth, every kind and seed; seed-0 maps."""
    rows, maps = [], {}
    for depth in config["depths"]:
        layers = stack_layers(depth, config["filters"])
        for seed in config["seeds"]:
            found = init_maps(layers, seed, images)
            centre = tuple(float(c) for c in found.pop("centre"))
            for kind, erf in found.items():
                rows.append({"depth": depth, "seed": seed, "kind": kind, **spread(erf, centre)})
                if seed == config["seeds"][0]:
                    maps[f"depth{depth}_{kind}"] = erf
    return rows, maps


def single_layer_erf(
    kernel: np.ndarray, bias: np.ndarray, images: np.ndarray
) -> tuple[np.ndarray, tuple[float, float]]:
    """The ERF of one 'valid' Conv2D + ReLU layer from its weights: mean |Σ active kernels| at the centre unit."""
    kernel, bias, images = np.asarray(kernel, np.float64), np.asarray(bias, np.float64), np.asarray(images, np.float64)
    if kernel.ndim != 4 or kernel.shape[0] != kernel.shape[1] or kernel.shape[2] != images.shape[-1]:
        raise ValueError(f"kernel must be (k, k, channels, filters) matching the images, got {kernel.shape}")
    size, k = images.shape[1], kernel.shape[0]
    row = (size - k + 1) // 2  # the centre unit of the 'valid' output, as centre_unit() picks it
    patches = images[:, row : row + k, row : row + k, :]  # (N, k, k, channels)
    active = np.einsum("nijc,ijcf->nf", patches, kernel) + bias > 0  # ReLU's gradient is 0 at exactly 0
    grads = np.abs(np.einsum("nf,ijcf->nijc", active.astype(np.float64), kernel)).mean(axis=(0, 3))
    erf = np.zeros(images.shape[1:3])
    erf[row : row + k, row : row + k] = grads
    if erf.sum() <= 0:
        raise ValueError("no filter is active at the centre unit for these images: no ERF to measure")
    return erf / erf.sum(), (row + (k - 1) / 2, row + (k - 1) / 2)


def digits_for_erf(count: int) -> tuple[np.ndarray, str]:
    """The first `count` test digits the gradients are averaged over, and the data checksum."""
    from kf.experiments import mnist_split

    split, sha = mnist_split()
    return split.x_test[: convmath.check_int("images", count, maximum=len(split.x_test))], sha


def run_depths(config: dict) -> dict[str, object]:
    """σ at initialisation of every depth, kind and seed; seed-0 maps (no training)."""
    images, _ = digits_for_erf(config["images"])
    rows, maps = [], {}
    for depth in config["depths"]:
        layers = stack_layers(depth, config["filters"])
        for seed in config["seeds"]:
            found = init_maps(layers, seed, images)
            centre = tuple(float(c) for c in found.pop("centre"))
            for kind, erf in found.items():
                rows.append({"depth": depth, "seed": seed, "kind": kind, **spread(erf, centre)})
                if seed == config["seeds"][0]:
                    maps[f"depth{depth}_{kind}"] = np.asarray(erf, np.float32)
    return {"rows": rows, **maps}


def run_stack(layers: Sequence[Sequence[object]], seed: int, images_count: int, settings: dict) -> dict[str, object]:
    """Train one seed of a stack as the training comparison trains; its ERF before and after, and its accuracy."""
    from kf.experiments import build_model, deterministic, mnist_split, train

    split, _ = mnist_split()
    images = split.x_test[:images_count]
    deterministic(seed)  # exactly what train() does first: these are its initial weights
    before, centre = erf_map(build_model(layers, INPUT_SHAPE, 10, dropout=settings["dropout"]), images)
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
    )
    after, _ = erf_map(run.pop("model"), images)
    return {
        "init": {**spread(before, centre)},
        "trained": {**spread(after, centre)},
        "accuracy": run["accuracy"],
        "epochs_run": run["epochs_run"],
        "best_epoch": run["best_epoch"],
        "map_init": np.asarray(before, np.float32),
        "map_trained": np.asarray(after, np.float32),
    }


def jobs() -> list:
    """The frozen ERF jobs: the depth sweep at initialisation, and one training of the stack per seed."""
    from kf import cache
    from kf.data import SUBSET_SHA256
    from kf.experiments import DRAFT, TRAINING, macs, slug

    depth_params = {k: ERF[k] for k in ("seeds", "images", "filters", "depths")}
    found = [
        cache.Job(
            name="erf-depths",
            run=lambda: run_depths(ERF),
            params=depth_params,
            seed=ERF["seeds"][0],
            data_sha256=SUBSET_SHA256,
            modules=("erf",),
            cost=2_000_000,
            label="ERF at initialisation, every depth",
        )
    ]
    settings = {**TRAINING, **ERF["stack_training"]}
    draft_settings = {**settings, "max_epochs": DRAFT["max_epochs"]}
    for seed in ERF["seeds"]:
        found.append(
            cache.Job(
                name=f"erf-{slug(ERF['stack'])}-s{seed}",
                run=lambda seed=seed: run_stack(ERF["stack"], seed, ERF["images"], settings),
                params={"layers": ERF["stack"], "training": settings, "images": ERF["images"]},
                seed=seed,
                data_sha256=SUBSET_SHA256,
                modules=("erf",),
                draft=lambda seed=seed: run_stack(ERF["stack"], seed, ERF["images"], draft_settings),
                cost=macs(ERF["stack"], INPUT_SHAPE, 10) + 400_000,
                label=f"ERF: {slug(ERF['stack'])} seed {seed}",
                meta={"model": "3 × (16×3×3)"},
            )
        )
    return found


def claims() -> list[dict[str, object]]:
    """What this experiment lets the decision guide claim, with computed verdicts (from kf.erf_findings)."""
    import importlib

    # imported by name so that page-side analysis stays out of this module's frozen-result key
    return importlib.import_module("kf.erf_findings").claims()
