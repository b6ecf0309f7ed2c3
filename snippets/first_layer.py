"""Designing the first layer: where stacking 3×3 layers stops paying, real stems, and a worked design.

Run it on its own with `python snippets/first_layer.py`; docs/first_layer.md executes the same sections.
"""

# --8<-- [start:condition]
import keras

from kf import stems
from kf.render import num, table


def keras_weights(c_in: int, channels: list[int], kernel: int) -> int:
    """count_params() of a bias-free chain of kernel×kernel Conv2D layers (padding 'same') built in Keras."""
    inputs = keras.Input(shape=(28, 28, c_in))
    x = inputs
    for c_out in channels:
        x = keras.layers.Conv2D(c_out, (kernel, kernel), padding="same", use_bias=False)(x)
    return keras.Model(inputs, x).count_params()


POSITIONS = 28 * 28  # with padding="same" at stride 1, every layer runs at every one of the 28×28 positions
cases = {"First layer, 1 → 32": (1, 32), "Middle layer, 32 → 32": (32, 32), "Middle layer, 64 → 64": (64, 64)}
compare = {}
for label, (c_in, c_out) in cases.items():
    single, three = keras_weights(c_in, [c_out], 7), keras_weights(c_in, [c_out] * 3, 3)
    if (single, three) != (stems.single_weights(c_in, c_out, 7), stems.stack_weights(c_in, c_out, 7)):
        raise AssertionError(f"{label}: Keras counts {single} and {three}, the formulas disagree")
    compare[label] = {"single": single, "stack": three, "ratio": three / single}
print(
    table(
        ["Where", "One 7×7: weights", "Three 3×3: weights", "Stack ÷ 7×7", "One 7×7: MACs", "Three 3×3: MACs"],
        [
            (
                label,
                num(c["single"]),
                num(c["stack"]),
                f"{c['ratio']:.2f}×",
                num(POSITIONS * c["single"]),
                num(POSITIONS * c["stack"]),
            )
            for label, c in compare.items()
        ],
    )
)
# --8<-- [end:condition]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf import stems
from kf.figures import FOREGROUND, LARGE_KERNEL_COLOUR, SMALL_KERNEL_COLOUR, style, svg_figure

C = 32  # the stack's width and the output channels
c_ins = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]
first_curve = [stems.stack_weights(c, C, 7) / stems.single_weights(c, C, 7) for c in c_ins]
middle_curve = [stems.stack_weights(c, c, 7) / stems.single_weights(c, c, 7) for c in c_ins]
break_even = stems.break_even_c_in(C, 7)

with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    ax.plot(c_ins, first_curve, marker="o", color=LARGE_KERNEL_COLOUR, label=f"C_in → {C} → {C} → {C}")
    ax.plot(c_ins, middle_curve, marker="s", color=SMALL_KERNEL_COLOUR, label="C_in → C_in → C_in → C_in (VGG)")
    ax.axhline(1, color=FOREGROUND, linewidth=1, linestyle="--")
    ax.axvline(float(break_even), color=FOREGROUND, linewidth=1, linestyle=":")
    ax.annotate(
        f"break-even: C_in = {float(break_even):.1f}",
        (float(break_even), 6),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=9,
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks([1, 2, 4, 8, 16, 32, 64, 128], ["1", "2", "4", "8", "16", "32", "64", "128"])
    ax.set_yticks([0.5, 1, 2, 4, 8, 16], ["½", "1", "2", "4", "8", "16"])
    ax.set_xlabel("Input channels C_in")
    ax.set_ylabel("Three 3×3 ÷ one 7×7 (weights)")
    ax.legend(fontsize=9)

alt = (
    f"Line chart of the weights of three 3×3 layers divided by one 7×7 layer, against input channels. "
    f"With {C} output channels the ratio falls from {first_curve[0]:.1f} at 1 input channel to "
    f"{first_curve[-1]:.2f} at {c_ins[-1]}, crossing 1 at {float(break_even):.1f} input channels; "
    f"with as many channels in as out it stays at {middle_curve[0]:.2f}."
)
print(
    svg_figure(
        fig,
        alt,
        caption="Weights of three 3×3 layers ÷ one 7×7, from kf.stems (checked against Keras "
        "above and by the tests). Below the dashed line, the stack is cheaper.",
    )
)
# --8<-- [end:figure]

# --8<-- [start:training]
from kf import stack, stems
from kf.render import num, table

HEAD_CLASSES = 10
# The training page's two models: ReLU convolutions with padding="valid", then MaxPooling2D(2), Flatten, Dense(10).
models = {
    "three 3×3 (1 → 32 → 32 → 32)": [stack.conv(32, 3)] * 3 + [stems.pool(2, 2)],
    "one 7×7 (1 → 32)": [stack.conv(32, 7), stems.pool(2, 2)],
}
breakdown = {}
for name, layers in models.items():
    results = stack.stack_results({"h": 28, "w": 28, "c": 1}, layers)
    head = results[-1].activations * HEAD_CLASSES  # Dense(10): one MAC per input value per class
    convs = [r for r, layer in zip(results, layers, strict=True) if layer["type"] == "conv"]
    breakdown[name] = {
        "convs": [(r.shape, r.macs) for r in convs],
        "head": head,
        "total": sum(r.macs for r in convs) + head,
    }
rows = []
for name, b in breakdown.items():
    for i, (out, macs) in enumerate(b["convs"], 1):
        rows.append((name if i == 1 else "", f"conv {i}, output {out[0]}×{out[1]}×{out[2]}", num(macs)))
    rows += [("", "Dense(10) head", num(b["head"])), ("", "**total**", f"**{num(b['total'])}**")]
print(table(["Model", "Layer", "MACs per image"], rows, align="llr"))
# --8<-- [end:training]

# --8<-- [start:expansion]
import keras
import numpy as np

from kf import stems
from kf.render import table

layers = {  # label: (input channels, filters, kernel)
    "Conv2D(64, (3,3)) on a digit": (1, 64, 3),
    "Conv2D(32, (7,7)) on a digit": (1, 32, 7),
    "Conv2D(64, (3,3)) on RGB": (3, 64, 3),
    "Conv2D(32, (7,7)) on RGB": (3, 32, 7),
    "ResNet stem, 7×7": (3, 64, 7),
    "ResNet-C, first 3×3": (3, 32, 3),
    "ConvNeXt patchify, 4×4": (3, 96, 4),
}
ratios = {label: stems.expansion(*spec) for label, spec in layers.items()}


def kernel_rank(c_in: int, filters: int, kernel: int) -> int:
    """Rank of a freshly initialised Keras kernel seen as a (k·k·C_in) × filters matrix."""
    keras.utils.set_random_seed(0)
    layer = keras.layers.Conv2D(filters, (kernel, kernel))
    layer.build((None, 28, 28, c_in))
    return int(np.linalg.matrix_rank(layer.get_weights()[0].reshape(-1, filters)))


def code_label(label: str) -> str:
    """'Conv2D(…) on RGB' with the layer as code; other labels as they are."""
    layer, on, rest = label.partition(" on ")
    return f"`{layer}` on {rest}" if on else label


ranks = {label: kernel_rank(*spec) for label, spec in layers.items()}
print(
    table(
        ["First layer", "Values read (k²·C_in)", "Values out (filters)", "Out ÷ in", "Rank of the kernel"],
        [
            (
                f"`{label}`" if label.startswith("Conv2D") else label,
                k * k * c,
                f,
                f"{float(ratios[label]):.2f}",
                ranks[label],
            )
            for label, (c, f, k) in layers.items()
        ],
    )
)
# --8<-- [end:expansion]

# --8<-- [start:stems]
import keras

from kf import stack, stems
from kf.render import num, table


def keras_stem(layers: list[dict], c_in: int) -> keras.Model:
    """A stem as a Keras model on a 224×224×c_in image."""
    inputs = keras.Input(shape=(224, 224, c_in))
    x = inputs
    for layer in layers:
        x = stack.keras_layer(layer)(x)
    return keras.Model(inputs, x)


def checked_summary(layers: list[dict], c_in: int) -> dict:
    """kf.stems.summary for the stem, after checking parameters and output shape against Keras."""
    model, mine = keras_stem(layers, c_in), stems.summary((224, 224, c_in), layers)
    if (model.count_params(), tuple(model.output_shape[1:])) != (mine["params"], mine["shape"]):
        raise AssertionError(f"Keras and kf.stack disagree on {layers}")
    return mine


def stem_rows(named: dict[str, list[dict]]) -> tuple[dict, list[tuple]]:
    """Summaries for every stem at 1 and 3 input channels, and the table rows."""
    found, rows = {}, []
    for name, layers in named.items():
        for c_in in (1, 3):
            s = found[name, c_in] = checked_summary(layers, c_in)
            rows.append(
                (
                    name if c_in == 1 else "",
                    c_in,
                    num(s["params"]),
                    num(s["macs"]),
                    "×".join(map(str, s["shape"])),
                    f"{s['field']}×{s['field']}",
                    s["jump"],
                )
            )
    return found, rows


HEADERS = ["Stem, on 224×224", "C_in", "Parameters", "MACs", "Output", "Field", "Jump"]
stem_facts, rows = stem_rows(stems.STEMS)
print(table(HEADERS, rows))
# --8<-- [end:stems]

# --8<-- [start:rgb]
from kf import stems
from kf.facts import keras_layer_facts
from kf.render import num, shape, table

inputs = {"28×28×1 digit": (28, 28, 1), "32×32×3 colour image": (32, 32, 3)}
rgb, rgb_rows = {}, []
for label, input_shape in inputs.items():
    small, large = keras_layer_facts(64, 3, input_shape), keras_layer_facts(32, 7, input_shape)
    rgb[label] = {
        "small": small,
        "large": large,
        "params_ratio": large.params / small.params,
        "macs_ratio": large.macs_valid / small.macs_valid,
        "expansion": (stems.expansion(input_shape[2], 64, 3), stems.expansion(input_shape[2], 32, 7)),
        "stack_cheaper": stems.stack_is_cheaper(input_shape[2], 32, 7),
    }
    for facts, out_per_in in zip((small, large), rgb[label]["expansion"], strict=True):
        rgb_rows.append(
            (
                label if facts is small else "",
                f"`{facts.name}`",
                num(facts.params),
                num(facts.macs_valid),
                shape(facts.shape_valid),
                f"{float(out_per_in):.2f}",
            )
        )
print(table(["Input", "Layer", "Parameters", "MACs (valid)", "Output (valid)", "Out ÷ in"], rgb_rows, align="llrrrr"))
# --8<-- [end:rgb]

# --8<-- [start:space]
from kf import stack
from kf.render import num, shape, table

preset = stack.PRESETS["vggstages"]["a"]  # the calculator's "VGG-style stages" preset
results = stack.stack_results(preset["input"], preset["layers"])
stage_rows, conv_macs = [], []
for layer, r in zip(preset["layers"], results, strict=True):
    name = f"Conv2D({layer['filters']}, 3×3)" if layer["type"] == "conv" else "MaxPooling2D(2)"
    if layer["type"] == "conv":
        conv_macs.append(r.macs)
    stage_rows.append((name, shape(r.shape), num(r.shape[0] * r.shape[1]), r.shape[2], num(r.activations), num(r.macs)))
print(table(["Layer", "Output", "Positions", "Channels", "Values", "MACs"], stage_rows))
# --8<-- [end:space]

# --8<-- [start:downsample]
import keras

from kf import stack, stems
from kf.render import num, shape, table

before = {"h": 28, "w": 28, "c": 32}
steps = {
    "MaxPooling2D(2)": stems.pool(2, 2),
    "Conv2D(32, 3×3, strides=2)": stack.conv(32, 3, "same", 2),
    "Conv2D(64, 3×3, strides=2)": stack.conv(64, 3, "same", 2),
}
downsample = {}
for name, layer in steps.items():
    r = stack.stack_results(before, [layer])[0]
    built = stack.keras_layer(layer)
    built.build((None, 28, 28, 32))
    if built.count_params() != r.params:
        raise AssertionError(f"{name}: Keras counts {built.count_params()}, kf.stack {r.params}")
    downsample[name] = r
print(
    table(
        ["Downsampling step on 28×28×32", "Parameters", "MACs", "Output", "Values out"],
        [(f"`{n}`", num(r.params), num(r.macs), shape(r.shape), num(r.activations)) for n, r in downsample.items()],
    )
)
# --8<-- [end:downsample]

# --8<-- [start:budget]
from kf import stack, stems
from kf.render import num, table

BUDGET = {"params": 30_000, "macs": 2_500_000}  # the design brief: a small digit classifier
DIGIT = 20  # MNIST digits are size-normalised into a 20×20 box (LeCun et al.)


def design(filters: int, kernel: int) -> list[dict]:
    """First layer, then two 3×3 stages; each max-pool halves the grid and the next stage doubles the channels."""
    return [
        stack.conv(filters, kernel, "same"),
        stems.pool(2, 2),
        stack.conv(2 * filters, 3, "same"),
        stems.pool(2, 2),
        stack.conv(4 * filters, 3, "same"),
        stems.pool(2, 2),
    ]


def costs(layers: list[dict]) -> dict:
    """Parameters and MACs with a Flatten + Dense(10) head, and the last convolution's receptive field."""
    results = stack.stack_results({"h": 28, "w": 28, "c": 1}, layers)
    flat = results[-1].activations
    total = stack.totals(results)
    return {
        "params": total["params"] + flat * 10 + 10,
        "macs": total["macs"] + flat * 10,
        "field": results[-2].receptive_field[0],
    }


candidates = {(f, k): costs(design(f, k)) for f in (8, 16, 32, 64) for k in (3, 5, 7)}
fits = {key: c["params"] <= BUDGET["params"] and c["macs"] <= BUDGET["macs"] for key, c in candidates.items()}
covers = {key: c["field"] >= DIGIT for key, c in candidates.items()}
# Among the designs that fit and cover the digit: the most filters, then the fewest MACs.
choice = max(
    (key for key in candidates if fits[key] and covers[key]), key=lambda key: (key[0], -candidates[key]["macs"])
)
print(
    table(
        ["First layer", "Parameters", "MACs", "Last conv sees", "Within budget", "Covers the digit"],
        [
            (
                f"{'**' if key == choice else ''}{f}×{k}×{k}{'**' if key == choice else ''}",
                num(c["params"]),
                num(c["macs"]),
                f"{c['field']}×{c['field']}",
                "yes" if fits[key] else "no",
                "yes" if covers[key] else "no",
            )
            for (f, k), c in candidates.items()
            for key in [(f, k)]
        ],
    )
)
runner_up = (choice[0], 3)  # the same widths with a 3×3 first layer
calculator_link = "../calculator/?calc=" + stems.calc_query((28, 28, 1), design(*choice), design(*runner_up))
# --8<-- [end:budget]

if __name__ == "__main__":
    print(calculator_link)
