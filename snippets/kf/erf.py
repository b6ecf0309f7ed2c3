"""Effective receptive field (ERF): how strongly each input pixel moves one central output unit.

Following Luo et al. (NeurIPS 2016), the ERF of a unit is the gradient of that unit with respect to
the input pixels. Here: the central unit of the last convolution, summed over its channels, the
absolute gradient averaged over test digits (and, at initialisation, over several random inits),
normalised to sum to 1.
"""

from __future__ import annotations

import numpy as np

from kf import cache, convmath
from kf.experiments import PAGES_DIR, build_model, deterministic, mnist_split, receptive_field, train

ERF_PAGE = PAGES_DIR / "erf.py"

# --8<-- [start:config]
ERF = {
    "train_images": 600,
    "epochs": 1,
    "learning_rate": 3e-3,
    "seed": 0,
    "init_seeds": [0, 1, 2],  # at initialisation the ERF is averaged over these random inits
    "images": 64,  # test digits the gradient is averaged over
    "models": {  # 16 filters per layer, 'valid' padding, then MaxPool(2) → Flatten → Dense(10)
        "1 × 7×7": [["conv", 16, 7]],
        "3 × 3×3": [["conv", 16, 3]] * 3,
        "6 × 3×3": [["conv", 16, 3]] * 6,
        "12 × 3×3": [["conv", 16, 3]] * 12,
    },
}
MASS = 0.95  # the ERF's size is the side of the smallest centred square holding this share of the mass
# --8<-- [end:config]


def centre_unit(model) -> tuple[int, int, int]:
    """Index of the last convolution's central unit, and that layer's index in the model."""
    import keras

    convs = [i for i, layer in enumerate(model.layers) if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        raise ValueError("the model has no Conv2D layer")
    height, width = model.layers[convs[-1]].output.shape[1:3]
    return height // 2, width // 2, convs[-1]


# --8<-- [start:gradient]
def erf_map(model, images: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Mean |∂ centre unit / ∂ input| over images, normalised to sum 1; and the unit's centre in input pixels."""
    import keras
    import tensorflow as tf

    row, col, last = centre_unit(model)
    features = keras.Model(model.inputs, model.layers[last].output)
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = tf.reduce_sum(features(x)[:, row, col, :])  # the central unit, all its channels
    grad = np.abs(tape.gradient(unit, x).numpy()).mean(axis=(0, 3))
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
    if erf.ndim != 2 or not np.isclose(erf.sum(), 1):
        raise ValueError("erf must be a 2-D map normalised to sum 1")
    rows, cols = np.indices(erf.shape, dtype=np.float64)
    dy, dx = rows - centre[0], cols - centre[1]
    sigma = float(np.sqrt((erf * (dy**2 + dx**2)).sum() / 2))
    chebyshev = np.maximum(np.abs(dy), np.abs(dx))  # distance in "squares around the centre"
    for half in np.unique(chebyshev):
        if erf[chebyshev <= half].sum() >= mass - 1e-9:
            side = float(2 * half + 1)
            break
    gauss = np.exp(-(dy**2 + dx**2) / (2 * sigma**2))
    gauss /= gauss.sum()
    r2 = 1 - ((erf - gauss) ** 2).sum() / ((erf - erf.mean()) ** 2).sum()  # how well a Gaussian fits
    return {"sigma": sigma, "side": side, "gaussian_r2": float(r2)}


# --8<-- [end:spread]


def run_erf(config: dict) -> dict[str, object]:
    """ERF maps and spreads of every model at initialisation (averaged over seeds) and after training."""
    split, _ = mnist_split(config["train_images"])
    images = split.x_test[: config["images"]]
    result: dict[str, object] = {"rows": []}
    for index, (name, layers) in enumerate(config["models"].items()):
        maps = []
        for seed in config["init_seeds"]:
            deterministic(seed)
            maps.append(erf_map(build_model(layers, (28, 28, 1), 10), images))
        init = np.mean([m for m, _ in maps], axis=0)
        centre = maps[0][1]
        run = train(layers, split, config["seed"], epochs=config["epochs"], learning_rate=config["learning_rate"])
        trained, _ = erf_map(run["model"], images)
        result[f"init_{index}"], result[f"trained_{index}"] = init, trained
        for stage, erf in (("init", init), ("trained", trained)):
            result["rows"].append(
                {
                    "model": name,
                    "stage": stage,
                    "layers": len(layers),
                    "theoretical_rf": receptive_field(layers),
                    "centre": list(centre),
                    "accuracy": run["accuracy"] if stage == "trained" else None,
                    **spread(erf, centre),
                }
            )
    return result


def erf_results() -> dict[str, object]:
    """The ERF experiment, from the cache when nothing it depends on has changed."""
    _, data_sha = mnist_split(ERF["train_images"])
    return cache.cached(
        "erf",
        lambda: run_erf(ERF),
        params=ERF,
        seed=ERF["seed"],
        code=[ERF_PAGE],
        data_sha256=data_sha,
        modules=["erf"],
    )
