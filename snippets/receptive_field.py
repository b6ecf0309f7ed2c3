"""Receptive field & stacking: how small kernels see far, computed with Keras layers.

Run it on its own with `python snippets/receptive_field.py`; docs/receptive_field.md executes the same sections.
"""

# --8<-- [start:recurrence]
from kf import convmath
from kf.receptive import closed_form

# A ResNet-style stem: a 7×7 convolution with stride 2, then a 3×3 max-pool with stride 2.
kernels, strides = [7, 3], [2, 2]
field, jump = convmath.receptive_field(kernels, strides)  # the recurrence, layer by layer
print(f"recurrence:  field {field}, jump {jump}")
print(f"closed form: field {closed_form(kernels, strides)}, jump {strides[0] * strides[1]}")

# Dilation widens a kernel without adding weights: a 3×3 kernel with dilation 2 spans 5 pixels.
print(f"3×3, dilation 2: spans {convmath.effective_kernel(3, 2)} pixels")
# --8<-- [end:recurrence]

# --8<-- [start:stack]
from kf import convmath
from kf.render import table

stack_rows = []
for n in range(1, 7):
    field, _ = convmath.receptive_field([3] * n)
    stack_rows.append((n, f"{field}×{field}", 2 * n + 1, 9 * n))
stack_fields = {n: field for n, _, field, _ in stack_rows}
print(
    table(
        ["3×3 layers (stride 1)", "Receptive field (recurrence)", "2n + 1", "Weights per in/out channel pair (9n)"],
        stack_rows,
    )
)
# --8<-- [end:stack]

# --8<-- [start:vgg]
from fractions import Fraction

import keras

from kf.receptive import receptive_fields

C = 64  # channels in and out, as inside a VGG block
inputs = keras.Input(shape=(56, 56, C))
x = inputs
for _ in range(3):
    x = keras.layers.Conv2D(C, (3, 3), padding="same", use_bias=False, activation="relu")(x)
three_3x3 = keras.Model(inputs, x, name="three_3x3")
one_7x7 = keras.Model(
    inputs, keras.layers.Conv2D(C, (7, 7), padding="same", use_bias=False, activation="relu")(inputs), name="one_7x7"
)

vgg = {
    "stack_weights": three_3x3.count_params(),  # 3 · (3·3·C·C) = 27C²
    "single_weights": one_7x7.count_params(),  # 7·7·C·C = 49C²
    "stack_field": receptive_fields(three_3x3)[-1].field[0],
    "single_field": receptive_fields(one_7x7)[-1].field[0],
    "stack_relus": 3,  # one activation="relu" per layer
    "single_relus": 1,
}
assert vgg["stack_weights"] == 27 * C**2
assert vgg["single_weights"] == 49 * C**2
vgg["extra"] = Fraction(vgg["single_weights"], vgg["stack_weights"]) - 1  # 49/27 − 1
for name, value in vgg.items():
    print(f"{name:>14} = {value}")
# --8<-- [end:vgg]

# --8<-- [start:inception]
from fractions import Fraction

import keras

from kf.receptive import receptive_fields, side
from kf.render import table

C = 64


def chain(*kernels: tuple[int, int]) -> keras.Model:
    """C channels in, a chain of bias-free convolutions with C filters each."""
    inputs = keras.Input(shape=(35, 35, C))  # Inception-v3 runs these blocks on a 35×35 grid
    x = inputs
    for kernel in kernels:
        x = keras.layers.Conv2D(C, kernel, padding="same", use_bias=False)(x)
    return keras.Model(inputs, x)


factorizations = {  # name: (original, factorized)
    "5×5 → two 3×3": (chain((5, 5)), chain((3, 3), (3, 3))),
    "3×3 → 3×1 + 1×3": (chain((3, 3)), chain((3, 1), (1, 3))),
}
savings = {}
rows = []
for name, (original, factorized) in factorizations.items():
    before, after = original.count_params(), factorized.count_params()
    savings[name] = 1 - Fraction(after, before)
    fields = [side(receptive_fields(m)[-1].field) for m in (original, factorized)]
    rows.append((name, f"{before:,}", f"{after:,}", f"{float(savings[name]):.0%}", " / ".join(fields)))
print(
    table(
        ["Factorization (C = 64)", "Weights before", "Weights after", "Saved", "Receptive field before / after"], rows
    )
)
# --8<-- [end:inception]

# --8<-- [start:models]
import keras

from kf.receptive import receptive_fields, side
from kf.render import table


def field_table(model: keras.Model) -> str:
    """One row per conv or pooling layer: its window and the receptive field and jump after it."""
    return table(
        ["Layer", "Type", "Kernel", "Stride", "Receptive field", "Jump"],
        [
            (f"`{r.name}`", r.kind, side(r.kernel), side(r.stride), side(r.field), side(r.jump))
            for r in receptive_fields(model)
        ],
    )


vgg16 = keras.applications.VGG16(weights=None, include_top=False)  # the architecture, random weights
resnet50 = keras.applications.ResNet50(weights=None, include_top=False)
resnet_stem = keras.Model(resnet50.input, resnet50.get_layer("pool1_pool").output, name="resnet50_stem")
seed_input = keras.Input(shape=(28, 28, 1))
seeds = [
    keras.Model(
        seed_input, keras.layers.Conv2D(f, (k, k), name=f"conv_{f}x{k}x{k}")(seed_input), name=f"seed_{f}x{k}x{k}"
    )
    for f, k in ((64, 3), (32, 7))
]
model_fields = {m.name: receptive_fields(m) for m in (vgg16, resnet_stem, *seeds)}
try:
    receptive_fields(resnet50)  # residual connections: not a chain
except ValueError as error:
    branching_error = str(error)
# --8<-- [end:models]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf import convmath
from kf.figures import FOREGROUND, style, svg_figure

depths = range(1, 11)
stacks = {  # label: (kernel, stride, dilation) of layer l (1-based)
    "3×3, stride 1": lambda l: (3, 1, 1),
    "7×7, stride 1": lambda l: (7, 1, 1),
    "3×3, dilation 2^(l−1)": lambda l: (3, 1, 2 ** (l - 1)),
    "3×3, stride 2 every 2nd layer": lambda l: (3, 2 if l % 2 == 0 else 1, 1),
}
curves = {}
for label, layer in stacks.items():
    specs = [layer(l) for l in depths]
    curves[label] = [convmath.receptive_field(*(list(t) for t in zip(*specs[:n], strict=True)))[0] for n in depths]

with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for (label, fields), marker in zip(curves.items(), "osD^", strict=True):
        ax.plot(list(depths), fields, marker=marker, label=label)
    for pixels, label in ((28, "28 pixels: the whole MNIST image"), (20, "20 pixels: the digit's box")):
        ax.axhline(pixels, color=FOREGROUND, linewidth=1, linestyle="--")
        ax.annotate(label, (1, pixels), xytext=(0, 4 if pixels == 28 else -11), textcoords="offset points", fontsize=9)
    ax.set_yscale("log", base=2)
    ax.set_yticks([2, 8, 32, 128, 512, 2048], ["2", "8", "32", "128", "512", "2048"])
    ax.set_xlabel("Number of layers")
    ax.set_ylabel("Receptive field (pixels, log scale)")
    ax.set_xticks(list(depths))
    ax.legend(fontsize=9)

alt = (
    "Line chart of receptive field against depth, 1 to 10 layers: "
    + "; ".join(f"{label} reaches {fields[-1]} pixels" for label, fields in curves.items())
    + "."
)
print(
    svg_figure(
        fig,
        alt,
        caption="Receptive field after each layer, from kf.convmath.receptive_field. "
        "Stride and dilation grow it geometrically, kernel size only linearly.",
    )
)
# --8<-- [end:figure]

# --8<-- [start:tryit]
import keras

from kf import convmath
from kf.receptive import receptive_fields

DIGIT = 20  # MNIST digits are size-normalised into a 20×20 box, centred in the 28×28 image (LeCun et al.)
# How many 3×3 convolutions until one output sees the whole digit, and the whole 28×28 image?
digit_layers = next(n for n in range(1, 100) if convmath.receptive_field([3] * n)[0] >= DIGIT)
plain_layers = next(n for n in range(1, 100) if convmath.receptive_field([3] * n)[0] >= 28)

# The same, with MaxPooling2D(2) after every second convolution (a small VGG).
inputs = keras.Input(shape=(28, 28, 1))
x, pooled_layers, pooled_field = inputs, 0, 1
while pooled_field < 28:
    if pooled_layers and pooled_layers % 2 == 0:
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(8, (3, 3), padding="same")(x)
    pooled_layers += 1
    pooled_field = receptive_fields(keras.Model(inputs, x))[-1].field[0]
print(
    f"digit: {digit_layers} convolutions (field {convmath.receptive_field([3] * digit_layers)[0]}); "
    f"plain: {plain_layers} convolutions (field {convmath.receptive_field([3] * plain_layers)[0]}); "
    f"with pooling: {pooled_layers} convolutions (field {pooled_field})"
)
# --8<-- [end:tryit]

if __name__ == "__main__":
    print(field_table(vgg16))
    print(branching_error)
