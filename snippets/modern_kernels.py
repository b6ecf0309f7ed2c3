"""Modern kernels: depthwise, separable and very large kernels, costed with Keras layers.

Run it on its own with `python snippets/modern_kernels.py`; docs/modern_kernels.md executes the same sections.
"""

# --8<-- [start:compare]
import keras

from kf.modern import layer_cost
from kf.render import num, shape, table

H = W = 56  # a 224×224 image after a stride-4 stem
C = N = 64  # channels in, filters out
K = 3
layers = {
    "Conv2D(64, 3)": keras.layers.Conv2D(N, K, padding="same"),
    "DepthwiseConv2D(3)": keras.layers.DepthwiseConv2D(K, padding="same"),
    "SeparableConv2D(64, 3)": keras.layers.SeparableConv2D(N, K, padding="same"),
}
costs = {name: layer_cost(layer, (H, W, C)) for name, layer in layers.items()}
print(
    table(
        ["Layer on 56×56×64", "Parameters", "Output shape", "MACs per image"],
        [(f"`{name}`", num(c.params), shape(c.output_shape), num(c.macs)) for name, c in costs.items()],
    )
)
# --8<-- [end:compare]

# --8<-- [start:mobilenet]
from fractions import Fraction

import keras

from kf.modern import layer_cost
from kf.render import num, table

standard, separable = costs["Conv2D(64, 3)"], costs["SeparableConv2D(64, 3)"]
measured_ratio = Fraction(separable.macs, standard.macs)  # from the Keras layers above
formula_ratio = Fraction(1, N) + Fraction(1, K * K)  # MobileNets, section 3.1: 1/N + 1/D_K²
assert measured_ratio == formula_ratio, (measured_ratio, formula_ratio)
speedup = 1 / formula_ratio

rows = []
for filters in (16, 64, 256, 1024):
    pair = [
        layer_cost(cls(filters, K, padding="same"), (H, W, C)).macs
        for cls in (keras.layers.Conv2D, keras.layers.SeparableConv2D)
    ]
    rows.append((filters, num(pair[0]), num(pair[1]), f"{num(Fraction(pair[0], pair[1]))}×"))
print(table(["Filters N (k = 3, C = 64)", "Conv2D MACs", "SeparableConv2D MACs", "Fewer MACs"], rows))
# --8<-- [end:mobilenet]

# --8<-- [start:convnext]
import keras

from kf.modern import layer_cost

C_CONVNEXT = 96  # channels of ConvNeXt-T's first stage
convnext = {
    "depthwise": layer_cost(keras.layers.DepthwiseConv2D(7, padding="same"), (H, W, C_CONVNEXT)),
    "dense": layer_cost(keras.layers.Conv2D(C_CONVNEXT, 7, padding="same"), (H, W, C_CONVNEXT)),
    "pointwise": layer_cost(keras.layers.Conv2D(C_CONVNEXT, 1), (H, W, C_CONVNEXT)),  # for scale: a dense 1×1
}
for name, cost in convnext.items():
    print(f"{name:>9}: {cost.params:>9,} parameters, {cost.macs:>13,} MACs on 56×56×96")
# --8<-- [end:convnext]

# --8<-- [start:large]
import keras

from kf import convmath
from kf.modern import layer_cost
from kf.render import num, table

C_LARGE = 128
large_rows, large = [], {}
for kernel in (3, 7, 31, 51):
    cost = layer_cost(keras.layers.DepthwiseConv2D(kernel, padding="same"), (H, W, C_LARGE))
    dense_params = convmath.conv_params(kernel, kernel, C_LARGE, C_LARGE)  # formula: no huge dense kernel in memory
    stack = (kernel - 1) // 2  # 3×3 layers with the same receptive field: 2n + 1 = kernel
    assert convmath.receptive_field([3] * stack)[0] == kernel
    large[kernel] = {"params": cost.params, "macs": cost.macs, "dense_params": dense_params, "stack": stack}
    large_rows.append((f"{kernel}×{kernel}", num(cost.params), num(cost.macs), num(dense_params), stack))

# SLaK-style: a tall and a wide depthwise kernel side by side instead of one square one.
strips = [
    layer_cost(keras.layers.DepthwiseConv2D(size, padding="same"), (H, W, C_LARGE)) for size in ((51, 5), (5, 51))
]
slak = {"params": sum(c.params for c in strips), "macs": sum(c.macs for c in strips)}
large_rows.append(("51×5 + 5×51, side by side", num(slak["params"]), num(slak["macs"]), "—", "—"))
print(
    table(
        [
            "Depthwise kernel (C = 128)",
            "Parameters",
            "MACs on 56×56",
            "Dense Conv2D parameters",
            "3×3 layers for the same field",
        ],
        large_rows,
    )
)
# --8<-- [end:large]

# --8<-- [start:intensity]
import keras

from kf.modern import layer_cost
from kf.render import num, table

traffic = {
    "Conv2D(64, 3)": costs["Conv2D(64, 3)"],
    "Conv2D(64, 1), pointwise": layer_cost(keras.layers.Conv2D(N, 1), (H, W, C)),
    "DepthwiseConv2D(3)": costs["DepthwiseConv2D(3)"],
    "DepthwiseConv2D(7)": layer_cost(keras.layers.DepthwiseConv2D(7, padding="same"), (H, W, C)),
}
print(
    table(
        ["Layer on 56×56×64", "MACs", "Values read + written (at least)", "MACs per value"],
        [(f"`{name}`", num(c.macs), num(c.values_moved), f"{c.intensity:.1f}") for name, c in traffic.items()],
    )
)
# --8<-- [end:intensity]

# --8<-- [start:timing]
import time

import numpy as np
import tensorflow as tf

from kf.timing import measured  # marks a measured number: it changes from run to run and is not pinned

BUDGET_SECONDS = 2.0  # the whole measurement stays under this, however slow the machine
x = tf.constant(np.random.default_rng(0).standard_normal((1, H, W, C)), dtype=tf.float32)
timed = {name: tf.function(layers[name]) for name in layers}
for run in timed.values():
    run(x)  # trace and warm up once
best = {name: float("inf") for name in timed}
start = time.perf_counter()
while time.perf_counter() - start < BUDGET_SECONDS:
    for name, run in timed.items():
        t0 = time.perf_counter()
        run(x).numpy()
        best[name] = min(best[name], time.perf_counter() - t0)


print(
    table(
        ["Layer on 56×56×64", "MACs", "Best time (ms)", "GMACs per second"],
        [
            (
                f"`{name}`",
                num(costs[name].macs),
                measured(f"{best[name] * 1e3:.2f}"),
                measured(f"{costs[name].macs / best[name] / 1e9:.1f}"),
            )
            for name in timed
        ],
    )
)
# --8<-- [end:timing]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf import convmath
from kf.figures import FOREGROUND, style, svg_figure
from kf.modern import depthwise_params, separable_params

C_FIG = 128
kernel_sizes = list(range(1, 52, 2))
curves = {
    "Conv2D (dense)": [convmath.conv_params(k, k, C_FIG, C_FIG) for k in kernel_sizes],
    "SeparableConv2D": [separable_params(k, C_FIG, C_FIG) for k in kernel_sizes],
    "DepthwiseConv2D": [depthwise_params(k, C_FIG) for k in kernel_sizes],
}
with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for (label, values), marker in zip(curves.items(), "os^", strict=True):
        ax.plot(kernel_sizes, values, marker=marker, markersize=3, label=label)
    for kernel, name in ((7, "ConvNeXt"), (31, "RepLKNet"), (51, "SLaK")):
        ax.axvline(kernel, color=FOREGROUND, linewidth=0.8, linestyle=":")
        ax.annotate(
            f"{name} {kernel}×{kernel}",
            (kernel, 1e2),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
            rotation=90,
            va="bottom",
        )
    ax.set_yscale("log")
    ax.set_ylim(1e2, 1e8)
    ax.set_xlabel("Kernel size k (k×k)")
    ax.set_ylabel("Parameters (log scale)")
    ax.set_title(f"One layer, {C_FIG} channels in and out", fontsize=10)
    ax.legend(fontsize=9, loc="upper left")

alt = (
    f"Line chart of parameters against kernel size, 1 to 51, at {C_FIG} channels: "
    + "; ".join(f"{label} grows from {values[0]:,} to {values[-1]:,}" for label, values in curves.items())
    + "."
)
caption = (
    "Parameters of one layer, from the formulas the tests check against Keras. "
    f"Depthwise cost grows with k² too, but from a base {C_FIG} times smaller than dense."
)
print(svg_figure(fig, alt, caption=caption))
# --8<-- [end:figure]

# --8<-- [start:tryit]
from fractions import Fraction

import keras

from kf.modern import layer_cost

shape_in = (28, 28, 256)
dense = layer_cost(keras.layers.Conv2D(256, 5, padding="same"), shape_in)
separable_5 = layer_cost(keras.layers.SeparableConv2D(256, 5, padding="same"), shape_in)
fewer = Fraction(dense.macs, separable_5.macs)
print(f"Conv2D: {dense.params:,} params, {dense.macs:,} MACs")
print(f"SeparableConv2D: {separable_5.params:,} params, {separable_5.macs:,} MACs")
print(f"{float(fewer):.2f}× fewer MACs; 1/(1/256 + 1/25) = {float(1 / (Fraction(1, 256) + Fraction(1, 25))):.2f}")
# --8<-- [end:tryit]
