"""The answer page: Conv2D(64, (3,3)) vs Conv2D(32, (7,7)) on a 28×28×1 input.

Run it on its own with `python snippets/index.py`; the page executes the same sections.
"""

# --8<-- [start:question]
import warnings

import keras

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    many_small = keras.Sequential([keras.layers.Conv2D(64, (3, 3), input_shape=(28, 28, 1))])
    few_large = keras.Sequential([keras.layers.Conv2D(32, (7, 7), input_shape=(28, 28, 1))])

for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
# --8<-- [end:question]

# --8<-- [start:modern]
import keras

inputs = keras.Input(shape=(28, 28, 1))
many_small = keras.Model(inputs, keras.layers.Conv2D(64, (3, 3))(inputs), name="many_small")
few_large = keras.Model(inputs, keras.layers.Conv2D(32, (7, 7))(inputs), name="few_large")

for model in (many_small, few_large):
    model.summary(print_fn=print)  # summary() writes to the terminal unless given print_fn
# --8<-- [end:modern]

# --8<-- [start:sequential]
import warnings

import keras

with warnings.catch_warnings(record=True) as sequential_warnings:
    warnings.simplefilter("always")
    # The fix the Keras warning itself suggests: keras.Input as the first entry of the Sequential list.
    sequential = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(64, (3, 3))])
print(
    f"output shape {sequential.output_shape}, {sequential.count_params()} parameters, "
    f"{len(sequential_warnings)} warnings"
)
# --8<-- [end:sequential]

# --8<-- [start:table]
from kf.facts import seed_facts
from kf.render import num, shape, table

facts = seed_facts()  # built with Keras, checked against the formulas
small, large = facts.small, facts.large


def row(label: str, field: str, fmt=num, ratio: bool = True) -> tuple[str, str, str, str]:
    """One table row: the value for each layer and the 7×7 ÷ 3×3 ratio."""
    ratio_text = num(facts.ratio(field)) + "×" if ratio else "—"
    return (label, fmt(getattr(small, field)), fmt(getattr(large, field)), ratio_text)


print(
    table(
        ["", f"`{small.name}`", f"`{large.name}`", "7×7 ÷ 3×3"],
        [
            row("Parameters (weights + biases)", "params"),
            row("Output shape, `valid` padding", "shape_valid", shape, ratio=False),
            row("Output shape, `same` padding", "shape_same", shape, ratio=False),
            row("Activations (values per image, `valid`)", "activations"),
            row("MACs per image, `valid`", "macs_valid"),
            row("MACs per image, `same`", "macs_same"),
            row("Theoretical receptive field (pixels)", "receptive_field", ratio=False),
            row("Next layer: Flatten + Dense(10) parameters", "next_dense_params"),
            row("Next layer: Conv2D(64, (3,3)) parameters", "next_conv_params"),
        ],
    )
)
# --8<-- [end:table]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf.facts import seed_facts
from kf.figures import FOREGROUND, LARGE_KERNEL_COLOUR, SMALL_KERNEL_COLOUR, style, svg_figure
from kf.render import num

facts = seed_facts()
costs = {
    "Parameters": "params",
    "MACs, valid": "macs_valid",
    "MACs, same": "macs_same",
    "Activations": "activations",
    "Next Dense(10) params": "next_dense_params",
    "Next Conv2D(64) params": "next_conv_params",
}
ratios = {label: float(facts.ratio(field)) for label, field in costs.items()}

with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    labels = list(ratios)[::-1]
    values = [ratios[label] for label in labels]
    colours = [LARGE_KERNEL_COLOUR if v > 1 else SMALL_KERNEL_COLOUR for v in values]
    ax.barh(labels, [v - 1 for v in values], left=1, color=colours)  # bars grow from 1×
    ax.set_xscale("log", base=2)
    ax.axvline(1, color=FOREGROUND, linewidth=1)
    ax.set_xlim(0.25, 4)
    ax.set_xticks([0.25, 0.5, 1, 2, 4], ["¼×", "½×", "1×", "2×", "4×"])
    ax.grid(axis="y", visible=False)
    for y, value in enumerate(values):
        ax.annotate(
            f"{num(value)}×",
            (value, y),
            xytext=(4 if value > 1 else -4, 0),
            textcoords="offset points",
            va="center",
            ha="left" if value > 1 else "right",
        )
    ax.set_xlabel("Conv2D(32, 7×7) ÷ Conv2D(64, 3×3)   (log scale)")
    ax.set_title("← the 64×3×3 layer costs more  |  the 32×7×7 layer costs more →", fontsize=10)

alt = (
    "Bar chart of the 7×7 layer's cost divided by the 3×3 layer's: "
    + "; ".join(f"{label} {num(value)} times" for label, value in ratios.items())
    + "."
)
print(svg_figure(fig, alt, caption="Each bar is a ratio computed at build time from the Keras models above."))
# --8<-- [end:figure]

# --8<-- [start:angles]
from fractions import Fraction

import keras

from kf import convmath
from kf.facts import seed_facts

facts = seed_facts()
small, large = facts.small, facts.large
channels = 64  # for the "stack of 3×3 vs one 7×7" comparison inside a deeper network


def out_shape(layer: keras.layers.Layer, input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Keras's own answer for a layer's output shape, without the batch axis."""
    return tuple(layer.compute_output_shape((None, *input_shape))[1:])


angle_facts = {
    "weights_ratio": Fraction(large.params - large.filters, small.params - small.filters),
    "trim_small": (28 - small.shape_valid[0]) // 2,
    "trim_large": (28 - large.shape_valid[0]) // 2,
    "stride2_shape": out_shape(keras.layers.Conv2D(64, (3, 3), strides=2, padding="same"), (28, 28, 1)),
    "pool_shape": out_shape(keras.layers.MaxPooling2D(2), small.shape_valid),
    "stack2_rf": convmath.receptive_field([3, 3])[0],
    "stack3_rf": convmath.receptive_field([3, 3, 3])[0],
    "stack3_weights": 3 * convmath.conv_params(3, 3, channels, channels, bias=False),
    "single7_weights": convmath.conv_params(7, 7, channels, channels, bias=False),
}
angle_facts["single7_extra"] = Fraction(angle_facts["single7_weights"], angle_facts["stack3_weights"]) - 1
for name, value in angle_facts.items():
    print(f"{name:>16} = {value}")
# --8<-- [end:angles]
