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
resnet_rows = receptive_fields(resnet50)  # residual connections too: one row per window and merge
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

# --8<-- [start:networks]
from kf.networks import APPLICATIONS, application_ops
from kf.receptive import OUTPUT, walk
from kf.render import table

# google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md (TF-Slim models, 224×224
# input): end-point, receptive field, effective stride, effective padding.
PUBLISHED = {
    "VGG16": ("vgg_16/pool5", 212, 32, 90),
    "ResNet50": ("resnet_v1_50/block4", 483, 32, 239),
    "InceptionV3": ("Mixed_7c", 1311, 32, 618),
    "MobileNet": ("Conv2d_13_pointwise", 315, 32, 126),
}
network_ops = {name: application_ops(name) for name in APPLICATIONS}  # built once, then cached as JSON
network_fields = {name: walk(ops) for name, ops in network_ops.items()}
end_points = {name: ops[-1].inputs[0] for name, ops in network_ops.items()}  # the layer before the output


rows = []
for name, fields in network_fields.items():
    f = fields[OUTPUT]
    slim = PUBLISHED.get(name)
    size = APPLICATIONS[name][1]
    rows.append(
        (
            name,
            f"{size}×{size}",
            f"`{end_points[name]}`",
            f"{side(f.size)} / {side(f.jump)} / {side(f.padding)}",
            "yes" if f.whole_input else "no",
            f"{slim[1]} / {slim[2]} / {slim[3]}" if slim else "not listed",
        )
    )
networks_table = table(
    ["Network", "Input", "End-point", "Field / stride / padding", "Global average?", "TF-Slim, published"], rows
)
print(networks_table)
# --8<-- [end:networks]

# --8<-- [start:slim]
import keras

from kf.networks import cached_ops
from kf.receptive import OUTPUT, walk
from kf.render import table


def slim_resnet_v1_50(size: int = 224, width: int = 4) -> keras.Model:
    """TF-Slim's resnet_v1_50 layout (models/research/slim/nets/resnet_v1.py) in Keras; width leaves fields alone."""
    layers = keras.layers

    def conv2d_same(x, kernel: int, stride: int, name: str):
        """Slim's conv2d_same: 'SAME' when stride is 1, else explicit symmetric padding and 'VALID'."""
        if stride == 1:
            return layers.Conv2D(width, kernel, padding="same", name=name)(x)
        before = (kernel - 1) // 2
        x = layers.ZeroPadding2D(((before, kernel - 1 - before),) * 2, name=f"{name}_pad")(x)
        return layers.Conv2D(width, kernel, strides=stride, name=name)(x)

    inputs = keras.Input(shape=(size, size, 3))
    x = conv2d_same(inputs, 7, 2, "conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)  # resnet_arg_scope: 'SAME'
    for block, units in enumerate((3, 4, 6, 3), start=1):
        for unit in range(1, units + 1):
            stride = 2 if unit == units and block < 4 else 1  # Slim strides in the LAST unit of blocks 1-3
            prefix = f"block{block}_unit{unit}"
            shortcut = layers.Conv2D(width, 1, strides=stride, name=f"{prefix}_shortcut")(x)
            y = layers.Conv2D(width, 1, name=f"{prefix}_conv1")(x)
            y = conv2d_same(y, 3, stride, f"{prefix}_conv2")  # the stride sits in the 3×3 convolution
            y = layers.Conv2D(width, 1, name=f"{prefix}_conv3")(y)
            x = layers.Add(name=f"block{block}" if unit == units else f"{prefix}_add")([shortcut, y])
    return keras.Model(inputs, x, name="slim_resnet_v1_50")


slim_fields = walk(cached_ops("slim_resnet_v1_50", 224, slim_resnet_v1_50))
keras_fields = network_fields["ResNet50"]
stage_pairs = [
    ("block1", "conv2_block3_out"),
    ("block2", "conv3_block4_out"),
    ("block3", "conv4_block6_out"),
    ("block4", "conv5_block3_out"),
    ("pool1", "pool1_pool"),
]


def described(field) -> str:
    """A field as 'size, stride s, padding p'."""
    return f"{side(field.size)}, stride {side(field.jump)}, padding {side(field.padding)}"


resnet_compare = table(
    ["TF-Slim layout, in Keras", "Field there", "Keras ResNet50", "Field there"],
    [(f"`{s}`", described(slim_fields[s]), f"`{k}`", described(keras_fields[k])) for s, k in stage_pairs],
    align="llll",
)
print(resnet_compare)
# --8<-- [end:slim]

# --8<-- [start:notebook]
from kf.networks import application_ops
from kf.receptive import side, walk

# google-research/receptive_field, RF_Keras_Applications.ipynb: tf.keras InceptionV3, layer conv2d_85.
NOTEBOOK = {"layer": "conv2d_85", "field": 1183, "stride": 32, "padding": 554}
notebook_field = walk(application_ops("InceptionV3"))[NOTEBOOK["layer"]]
walked = {"field": notebook_field.size[0], "stride": notebook_field.jump[0], "padding": notebook_field.padding[0]}
for what in ("field", "stride", "padding"):
    print(f"{what:>8}: walk {walked[what]:>5}, notebook {NOTEBOOK[what]:>5}")
# --8<-- [end:notebook]

# --8<-- [start:digit]
from kf.facts import INPUT_SHAPE
from kf.receptive import OUTPUT

IMAGE = INPUT_SHAPE[0]  # the question's whole input, 28×28 (the digit itself sits in a 20×20 box)


def first_to_cover(ops, fields, pixels: int) -> dict:
    """The first convolution or pooling whose field reaches `pixels`: where it sits, by layer and by stride stage."""
    windows = [op for op in ops if op.role == "window" and fields[op.name].size]  # not the convs of global averages
    strides = sorted({fields[op.name].jump[0] for op in windows})  # one stage per stride the network reaches
    for place, op in enumerate(windows, start=1):
        if min(fields[op.name].size) >= pixels:
            stride = fields[op.name].jump[0]
            return {
                "layer": op.name,
                "place": place,
                "layers": len(windows),
                "stride": stride,
                "stage": strides.index(stride) + 1,
                "stages": len(strides),
            }
    raise ValueError(f"no layer of the network sees {pixels} pixels")


cover = {name: first_to_cover(network_ops[name], fields, IMAGE) for name, fields in network_fields.items()}
digit_table = table(
    ["Network", f"First layer that sees {IMAGE}×{IMAGE}", "Layer", "Stride stage"],
    [
        (name, f"`{c['layer']}`", f"{c['place']} of {c['layers']}", f"{c['stage']} of {c['stages']}")
        for name, c in cover.items()
    ],
)
print(digit_table)
# --8<-- [end:digit]

# --8<-- [start:growth]
import matplotlib.pyplot as plt

from kf.facts import INPUT_SHAPE
from kf.figures import FOREGROUND, style, svg_figure

IMAGE = INPUT_SHAPE[0]  # the question's whole input


def growth(ops, fields) -> list[int]:
    """The largest field seen so far after each convolution or pooling layer, in graph order."""
    largest, curve = 0, []
    for op in ops:
        if op.role == "window" and fields[op.name].size:  # skip convolutions of global averages (their field is None)
            largest = max(largest, fields[op.name].size[0])
            curve.append(largest)
    return curve


growth_curves = {name: growth(network_ops[name], fields) for name, fields in network_fields.items()}
with style():
    fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    for (name, curve), marker in zip(growth_curves.items(), "osD^v<", strict=True):
        ax.plot(
            range(1, len(curve) + 1), curve, label=name, marker=marker, markevery=max(1, len(curve) // 8), markersize=4
        )
    ax.axhline(IMAGE, color=FOREGROUND, linewidth=1, linestyle="--")
    longest = max(len(curve) for curve in growth_curves.values())
    ax.annotate(
        f"{IMAGE} pixels: the whole {IMAGE}×{IMAGE} image",
        (longest, IMAGE),
        xytext=(0, -12),
        textcoords="offset points",
        fontsize=9,
        ha="right",
    )
    ax.set_yscale("log", base=2)
    ax.set_yticks([2, 8, 32, 128, 512, 2048], ["2", "8", "32", "128", "512", "2048"])
    ax.set_xlabel("Convolution and pooling layers walked (graph order)")
    ax.set_ylabel("Largest receptive field so far\n(pixels, log scale)")
    ax.legend(fontsize=9, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))

growth_alt = (
    "Line chart of the largest receptive field so far against the number of convolution and pooling layers walked, "
    "log scale: "
    + "; ".join(f"{name} reaches {curve[-1]} pixels after {len(curve)} layers" for name, curve in growth_curves.items())
    + "; a dashed line marks 28 pixels."
)
print(
    svg_figure(
        fig,
        growth_alt,
        caption="How the field grows through each network, from kf.receptive.walk on the keras.applications models. "
        "Branches run side by side, so the curve follows the largest field met so far.",
    )
)
# --8<-- [end:growth]

# --8<-- [start:own]
import keras

from kf.receptive import receptive_fields, side
from kf.render import table

# Your own model: a 28×28×1 digit, a 3×3 stem, a residual block and an Inception-style pair of paths.
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="stem")(inputs)
y = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="res_a")(x)
y = keras.layers.Conv2D(32, 3, padding="same", name="res_b")(y)
x = keras.layers.Add(name="residual")([x, y])
x = keras.layers.MaxPooling2D(2, name="pool")(x)
wide = keras.layers.Conv2D(16, 5, padding="same", name="path_5x5")(x)
narrow = keras.layers.Conv2D(16, 1, name="path_1x1")(x)
x = keras.layers.Concatenate(name="paths")([wide, narrow])
my_model = keras.Model(inputs, x)

own_rows = receptive_fields(my_model)  # one row per convolution, pooling and merge
own_table = table(
    ["Layer", "Type", "Kernel", "Stride", "Receptive field", "Jump", "Effective padding"],
    [
        (f"`{r.name}`", r.kind, side(r.kernel), side(r.stride), side(r.field), side(r.jump), side(r.padding))
        for r in own_rows
    ],
)
print(own_table)
# --8<-- [end:own]

if __name__ == "__main__":
    print(field_table(vgg16))
    print(networks_table)
    print(own_table)
