"""The Parameters chapter: how many weights a Conv2D layer has, and what drives the count.

Run it on its own with `python snippets/parameters.py`; the page executes the same sections.
"""

# --8<-- [start:formula]
import keras

from kf import convmath

inputs = keras.Input(shape=(28, 28, 1))
for filters, kernel in [(64, 3), (32, 7)]:
    layer = keras.layers.Conv2D(filters, (kernel, kernel))
    layer(inputs)  # calling the layer on the input builds its weights
    weights, biases = (tuple(v.shape) for v in layer.weights)
    by_hand = convmath.conv_params(kernel, kernel, 1, filters)  # k·k·C_in·C_out + C_out
    print(f"Conv2D({filters}, ({kernel},{kernel})): kernel {weights}, bias {biases}")
    print(f"    count_params() = {layer.count_params():,}, formula = {by_hand:,}")
    assert layer.count_params() == by_hand
# --8<-- [end:formula]

# --8<-- [start:first]
from kf import convmath
from kf.render import num, table

rows = []
for c_in, where in [(1, "first layer, grey image"), (3, "first layer, RGB image"), (64, "after a 64-filter layer")]:
    small = convmath.conv_params(3, 3, c_in, 64)
    large = convmath.conv_params(7, 7, c_in, 32)
    rows.append((f"{c_in} ({where})", f"{3 * 3 * c_in:,}", num(small), f"{7 * 7 * c_in:,}", num(large)))
print(table(["C_in", "weights per 3×3 filter", "64 × 3×3 layer", "weights per 7×7 filter", "32 × 7×7 layer"], rows))
# --8<-- [end:first]

# --8<-- [start:grid]
from kf.costs import keras_params, param_grid
from kf.render import table

KERNELS = list(range(1, 12))  # 1×1 … 11×11
FILTERS = [8, 16, 32, 64, 128]
CHANNELS = [1, 3, 64]  # grey image, RGB image, the output of a 64-filter layer

grids = {c_in: param_grid(KERNELS, FILTERS, c_in) for c_in in CHANNELS}

# Check a sample of cells against Keras: a diagonal through every grid, so each kernel size is tested.
checked = 0
for c_in, grid in grids.items():
    for i, kernel in enumerate(KERNELS):
        j = i % len(FILTERS)
        assert keras_params(kernel, c_in, FILTERS[j]) == grid[i][j], (kernel, c_in, FILTERS[j])
        checked += 1

for c_in, grid in grids.items():
    print(f'=== "C_in = {c_in}"\n')
    rows = [[f"{k}×{k}", *(f"{p:,}" for p in row)] for k, row in zip(KERNELS, grid, strict=True)]
    markdown = table(["kernel", *(f"{f} filters" for f in FILTERS)], rows)
    print("\n".join("    " + line for line in markdown.splitlines()) + "\n")
print(f"{checked} cells checked against Keras `count_params()`: all equal.")
# --8<-- [end:grid]

# --8<-- [start:heatmap]
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from kf.figures import style, svg_figure

with style():
    fig, axes = plt.subplots(1, len(CHANNELS), figsize=(9.5, 3.9), sharey=True)
    norm = LogNorm(vmin=min(map(min, grids[1])), vmax=max(map(max, grids[64])))  # one scale for all three
    for ax, c_in in zip(axes, CHANNELS, strict=True):
        values = np.array(grids[c_in], dtype=float)
        image = ax.imshow(values, norm=norm, cmap="viridis", origin="lower", aspect="auto")
        ax.set_xticks(range(len(FILTERS)), [str(f) for f in FILTERS])
        ax.set_yticks(range(0, len(KERNELS), 2), [f"{k}×{k}" for k in KERNELS[::2]])
        ax.set_xlabel("filters (C_out)")
        ax.set_title(f"C_in = {c_in}")
        ax.grid(False)
        for (i, j), value in np.ndenumerate(values):
            if i % 2 == 0:  # label every other kernel size, so the numbers stay legible
                short = (
                    f"{value / 1e6:.1f}M" if value >= 1e6 else f"{value / 1e3:.0f}k" if value >= 1e4 else f"{value:.0f}"
                )
                ax.text(
                    j,
                    i,
                    short,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if value > norm.vmin * (norm.vmax / norm.vmin) ** 0.55 else "white",
                )
    axes[0].set_ylabel("kernel")
    fig.colorbar(image, ax=axes, label="parameters (log scale)", pad=0.02)

alt = (
    f"Three heatmaps of Conv2D parameter counts, kernel 1×1 to 11×11 against 8 to 128 filters. "
    f"With 1 input channel the counts range from {grids[1][0][0]:,} to {grids[1][-1][-1]:,}; "
    f"with 3 from {grids[3][0][0]:,} to {grids[3][-1][-1]:,}; "
    f"with 64 from {grids[64][0][0]:,} to {grids[64][-1][-1]:,}."
)
print(
    svg_figure(
        fig,
        alt,
        caption="Parameters of Conv2D(filters, (k,k)) for three input depths, on one log colour "
        "scale. Every cell is computed from the formula at build time.",
    )
)
# --8<-- [end:heatmap]

# --8<-- [start:next]
from kf.costs import signed
from kf.facts import seed_facts
from kf.render import num, table

facts = seed_facts()  # Keras models, checked against the formulas
small, large = facts.small, facts.large
rows = [
    ("This layer's parameters", num(small.params), num(large.params), signed(large.params - small.params)),
    (
        "Output values per image (`valid`)",
        num(small.activations),
        num(large.activations),
        signed(large.activations - small.activations),
    ),
    (
        "Next: Flatten + Dense(10)",
        num(small.next_dense_params),
        num(large.next_dense_params),
        signed(large.next_dense_params - small.next_dense_params),
    ),
    (
        "Next: Conv2D(64, (3,3))",
        num(small.next_conv_params),
        num(large.next_conv_params),
        signed(large.next_conv_params - small.next_conv_params),
    ),
]
print(table(["", f"after `{small.name}`", f"after `{large.name}`", "difference (7×7 − 3×3)"], rows))
# --8<-- [end:next]

# --8<-- [start:next-figure]
import matplotlib.pyplot as plt
import numpy as np

from kf.facts import seed_facts
from kf.figures import LARGE_KERNEL_COLOUR, SMALL_KERNEL_COLOUR, style, svg_figure
from kf.render import num

facts = seed_facts()
parts = {"first layer": "params", "next Dense(10)": "next_dense_params", "next Conv2D(64, 3×3)": "next_conv_params"}

with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    y = np.arange(len(parts))
    for offset, layer, colour in ((-0.2, facts.small, SMALL_KERNEL_COLOUR), (0.2, facts.large, LARGE_KERNEL_COLOUR)):
        values = [getattr(layer, field) for field in parts.values()]
        ax.barh(y + offset, values, height=0.38, color=colour, label=layer.name)
        for row, value in zip(y, values, strict=True):
            ax.annotate(
                num(value), (value, row + offset), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9
            )
    ax.set_yticks(y, list(parts))
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(100, 5e6)
    ax.set_xlabel("parameters (log scale)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=9)

alt = (
    "Bar chart of parameters: "
    + "; ".join(
        f"{label}: {num(getattr(facts.small, field))} after the 64×3×3 layer, "
        f"{num(getattr(facts.large, field))} after the 32×7×7 layer"
        for label, field in parts.items()
    )
    + "."
)
print(
    svg_figure(
        fig,
        alt,
        caption="The first layer's own parameters (top) against what its filter count makes "
        "the next layer need. Log scale: each grid line is 10×.",
    )
)
# --8<-- [end:next-figure]

# --8<-- [start:exercise]
from fractions import Fraction

from kf.costs import keras_params
from kf.facts import seed_facts
from kf.render import num

rgb_small, rgb_large = keras_params(3, 3, 64), keras_params(7, 3, 32)  # C_in = 3: an RGB image
print(
    f"Conv2D(64, (3,3)) on RGB: 3·3·3·64 + 64 = **{num(rgb_small)}** parameters  \n"
    f"Conv2D(32, (7,7)) on RGB: 7·7·3·32 + 32 = **{num(rgb_large)}** parameters  \n"
    f"Ratio: {num(rgb_large)} ÷ {num(rgb_small)} ≈ **{num(Fraction(rgb_large, rgb_small))}** "
    f"(it was {num(seed_facts().ratio('params'))} with one channel: the weights triple, the biases do not)."
)
# --8<-- [end:exercise]
