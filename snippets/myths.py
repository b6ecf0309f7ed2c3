"""Myth vs fact: the well-known answer to "64×3×3 or 32×7×7?", one claim at a time, each with computed evidence.

Run it on its own with `python snippets/myths.py`; docs/myths.md executes the same sections.
"""

# --8<-- [start:evidence]
from fractions import Fraction

import keras

from kf import convmath
from kf.facts import seed_facts

facts = seed_facts()  # Conv2D(64, (3,3)) and Conv2D(32, (7,7)) on 28×28×1, built in Keras
s, l = facts.small, facts.large


def out_shape(layer: keras.layers.Layer, input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Keras's own output shape for a layer, without the batch axis."""
    return tuple(int(d) for d in layer.compute_output_shape((None, *input_shape))[1:])


vgg16 = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
vgg_in, vgg_out = vgg16.input_shape[1:], vgg16.output_shape[1:]
C = 64  # channels inside a deeper network, for the 3×3-stack comparison
evidence = {
    "s": s,
    "l": l,
    "param_ratio": facts.ratio("params"),
    "l_weights": l.params - l.filters,  # weights without the one bias per filter
    "s_weights": s.params - s.filters,
    "stack3_field": convmath.receptive_field([3, 3, 3])[0],
    "digit_layers": next(n for n in range(1, 100) if convmath.receptive_field([3] * n)[0] >= 28),
    "digit": 20,  # MNIST digits are size-normalised into a 20×20 box, centred in the 28×28 image (LeCun et al.)
    "digit_box_layers": next(n for n in range(1, 100) if convmath.receptive_field([3] * n)[0] >= 20),
    "stack3_weights": 3 * convmath.conv_params(3, 3, C, C, bias=False),
    "single7_weights": convmath.conv_params(7, 7, C, C, bias=False),
    "vgg_in": vgg_in,
    "vgg_out": vgg_out,
    "vgg_positions": (vgg_in[0] * vgg_in[1], vgg_out[0] * vgg_out[1]),
    "stride2_shape": out_shape(keras.layers.Conv2D(64, 3, strides=2, padding="same"), (28, 28, 1)),
    "pool_shape": out_shape(keras.layers.MaxPooling2D(2), s.shape_valid),
    "act_ratio": 1 / facts.ratio("activations"),
    "C": C,
}
stages = [vgg_in] + [tuple(int(d) for d in layer.output.shape[1:]) for layer in vgg16.layers if "pool" in layer.name]
evidence["vgg_stage_values"] = " → ".join(f"{h * w * c:,}" for h, w, c in stages)  # the whole map, per stage
evidence["vgg_stage_channels"] = " → ".join(str(c) for _, _, c in stages)  # values per position
evidence["weight_ratio"] = Fraction(evidence["l_weights"], evidence["s_weights"])
evidence["single7_extra"] = Fraction(evidence["single7_weights"], evidence["stack3_weights"]) - 1
for name, value in evidence.items():
    if name not in ("s", "l"):
        print(f"{name:>16} = {value}")
# --8<-- [end:evidence]

# --8<-- [start:claims]
from dataclasses import dataclass

from kf.render import prose

VERDICTS = {"True": "success", "Half-true": "warning", "False": "failure"}  # verdict -> admonition type


@dataclass(frozen=True)
class Claim:
    """One claim of the answer, its verdict, and the evidence as Markdown with {placeholders}."""

    slug: str
    claim: str
    short: str  # the page's heading for it, and the summary table's wording
    verdict: str
    evidence: str
    chapter: str  # where the site explains it, as a relative link

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {self.verdict!r}")


CLAIMS = [
    Claim(
        "fewer-params",
        "The 64×3×3 layer has fewer parameters than the 32×7×7 layer.",
        "The 64×3×3 layer has fewer parameters.",
        "True",
        "Keras counts **{s.params}** for `Conv2D(64, (3,3))` and **{l.params}** for `Conv2D(32, (7,7))`.",
        "parameters.md#the-formula",
    ),
    Claim(
        "ratio",
        "It has more than 2.5 times fewer.",
        "More than 2.5 times fewer.",
        "False",
        "The ratio is **exactly {param_ratio}** ({l.params} ÷ {s.params}), because Keras counts the biases too. "
        "Only the weights alone ({l_weights} ÷ {s_weights}) give more, about "
        "{weight_ratio}.",
        "parameters.md#the-formula",
    ),
    Claim(
        "local",
        "MNIST digits are made of small local patterns, so small kernels suffice.",
        "Small patterns, so small kernels suffice.",
        "Half-true",
        "Strokes, ends and corners fit in a {s.receptive_field}×{s.receptive_field} window, so the first layer "
        "can be small. But the network must still see the whole digit, and one 3×3 kernel never does: it takes "
        "**{digit_box_layers} stacked 3×3 layers** at stride 1 before one unit sees the {digit}×{digit} box the digit "
        "is drawn in, and {digit_layers} to see all 28 pixels of the image. Small kernels "
        "suffice *because* they are stacked (and pooled), not on their own.",
        "receptive_field.md#stacking-33-layers",
    ),
    Claim(
        "large-patterns",
        "Larger patterns need larger kernels.",
        "Larger patterns need larger kernels.",
        "False",
        "Three stacked 3×3 layers see {stack3_field}×{stack3_field} pixels, like one 7×7. At {C} channels in and "
        "out they have **{stack3_weights}** weights against **{single7_weights}** for the 7×7, which has "
        "{single7_extra:.0%} more, and only one non-linearity instead of three. That comparison assumes {C} channels "
        "in **and** out: at a first layer, with 1 input channel, the three 3×3 layers cost more "
        "([Designing the first layer](../first_layer/)).",
        "receptive_field.md#three-33-layers-or-one-77",
    ),
    Claim(
        "space-to-channels",
        "The end goal is to turn space into channels.",
        "The goal: turn space into channels.",
        "True",
        "VGG16, built in Keras, takes a {vgg_in[0]}×{vgg_in[1]}×{vgg_in[2]} image to a "
        "{vgg_out[0]}×{vgg_out[1]}×{vgg_out[2]} map: from {vgg_positions[0]} positions with {vgg_in[2]} values "
        "each to {vgg_positions[1]} positions with {vgg_out[2]}. Stage by stage (the input, then each pooling), "
        "the values per position go {vgg_stage_channels} and the values in the whole map go {vgg_stage_values}: "
        "each halving of the grid keeps a quarter of the positions while the channels double, until the last stage.",
        "first_layer.md#space-into-channels",
    ),
    Claim(
        "downsample",
        "A 7×7 kernel downsamples a lot.",
        "A 7×7 kernel downsamples a lot.",
        "False",
        "At stride 1 with `valid` padding, 28×28 becomes {l.shape_valid[0]}×{l.shape_valid[1]}: the border is "
        'trimmed, nothing is downsampled; with `padding="same"` it stays {l.shape_same[0]}×{l.shape_same[1]}. '
        "Downsampling comes from a stride (a 3×3 with `strides=2` gives {stride2_shape[0]}×{stride2_shape[1]}) "
        "or from pooling (`MaxPooling2D(2)` gives {pool_shape[0]}×{pool_shape[1]}).",
        "output_shape.md#the-downsampling-myth",
    ),
    Claim(
        "params-are-cost",
        "Comparing parameter counts is enough (what the answer leaves out).",
        "Comparing parameters is enough.",
        "False",
        "Per image the 3×3 layer needs {s.macs_valid} MACs against {l.macs_valid}, but it writes "
        "**{act_ratio:.1f}× as many activations** ({s.activations} against {l.activations}), and a "
        "`Flatten` + `Dense(10)` after it needs **{s.next_dense_params}** parameters against "
        "{l.next_dense_params}. Filters cost most in the next layer, and memory traffic, not MACs, often sets "
        "the speed.",
        "compute.md#why-macs-do-not-predict-speed",
    ),
    Claim(
        "complex-patterns",
        "A larger kernel can match more complex patterns in one step (the asker's first hypothesis).",
        "A larger kernel matches more complex patterns in one step.",
        "Half-true",
        "A 7×7 kernel sees a larger window in one step, but one filter is one weighted sum, a linear template, "
        "whatever its size. Built in Keras without its bias, a 7×7 filter's response to two images added is its "
        "responses added (largest gap {linear_gap:.0e}, rounding). Three stacked 3×3 layers with ReLUs between them "
        "see the same 7×7 window and miss that sum by up to **{stack_gap:.2f}**: they match combinations of "
        "patterns, which one template cannot.",
        "receptive_field.md#three-33-layers-or-one-77",
    ),
    Claim(
        "more-variations",
        "More filters let more variations of small features define the layer (the asker's second hypothesis).",
        "More filters let more variations of small features define the layer.",
        "True",
        "64 filters are 64 templates at the 3×3 scale against 32 at 7×7; on one input channel, though, 64 templates "
        "of {s_read} values span at most {s_read} independent directions before the ReLU. The cost comes one layer "
        "later: the layer writes **{s.activations}** values per image against {l.activations}, and a "
        "`Conv2D(64, (3,3))` after it needs **{s.next_conv_params}** parameters against {l.next_conv_params}.",
        "first_layer.md#outputs-per-input",
    ),
    Claim(
        "loses-information",
        "The 7×7 layer loses more information because it skips smaller, simpler patterns (the answer's summary).",
        "The 7×7 layer loses information: it skips small patterns.",
        "False",
        "Any 3×3 kernel is a 7×7 kernel with zeros around it. Put a 3×3 kernel into a 7×7 layer in Keras: with "
        '`padding="same"` the largest difference between the two outputs is **{embed_same_gap}**; with `valid` the '
        "7×7 output is the 3×3 output without its outer {embed_trim} pixels on each side (largest difference "
        "{embed_valid_gap}). "
        "What the 32×7×7 layer does lose is that border with `valid` padding, {embed_border} values per filter, and "
        "the 32 filters it does not have.",
        "first_layer.md#outputs-per-input",
    ),
    Claim(
        "large-filters",
        "Use large filters such as 11×11 or 9×9 when the network needs many pixels to recognise objects "
        "(the answer's summary).",
        "Use 11×11 or 9×9 filters when many pixels are needed.",
        "Half-true",
        "It describes history on 224×224 photos: AlexNet's first layer was 11×11 at stride 4, ZFNet's 7×7 at "
        "stride 2, VGG's 3×3 at stride 1 (the table below). The large kernels came with large strides, to shrink a "
        "big image fast. On a 28×28 digit, `Conv2D(96, (11,11), strides=4)` leaves a "
        "{alexnet_digit[0]}×{alexnet_digit[1]} grid after one layer. Many pixels are reached by stacking and "
        "downsampling, not by the size of one kernel.",
        "first_layer.md#real-stems-computed-with-keras",
    ),
]
CLAIMS_BY_SLUG = {claim.slug: claim for claim in CLAIMS}


def site_url(link: str) -> str:
    """'page.md#anchor' as the URL of the built page, seen from this one (myths/).

    MkDocs rewrites .md links only in a page's own Markdown, not in what an executed snippet prints.
    """
    page, _, anchor = link.partition("#")
    if not page.endswith(".md"):
        raise ValueError(f"expected a link like 'page.md#anchor', got {link!r}")
    path = "../" if page == "index.md" else f"../{page.removesuffix('.md')}/"
    return path + (f"#{anchor}" if anchor else "")


def render_claim(slug: str) -> str:
    """One claim as an admonition: the verdict as title, the computed evidence, and a link to the chapter."""
    claim = CLAIMS_BY_SLUG[slug]
    body = prose(claim.evidence, evidence) + f" [Why →]({site_url(claim.chapter)})"
    return f'!!! {VERDICTS[claim.verdict]} "{claim.verdict}"\n    *Claim:* {claim.claim}\n\n    {body}'


print("\n".join(f"{claim.verdict:>9}: {claim.claim}" for claim in CLAIMS))
# --8<-- [end:claims]

# --8<-- [start:summary]
from collections import Counter

from kf.render import table

CHAPTER_TITLES = {
    "index.md": "The answer",
    "parameters.md": "Parameters",
    "compute.md": "Compute & memory",
    "output_shape.md": "Output shape",
    "receptive_field.md": "Receptive field",
    "first_layer.md": "The first layer",
}

print(
    table(
        ["#", "Claim", "Verdict", "Explained in"],
        [
            (
                n,
                f"[{c.short}](#{c.slug})",
                f"**{c.verdict}**",
                f"[{CHAPTER_TITLES[c.chapter.split('#')[0]]}]({site_url(c.chapter)})",
            )
            for n, c in enumerate(CLAIMS, 1)
        ],
        align="rlll",
    )
)
tally = Counter(claim.verdict for claim in CLAIMS)
# --8<-- [end:summary]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf import convmath
from kf.figures import FOREGROUND, LARGE_KERNEL_COLOUR, style, svg_figure

channels_in = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]
param_ratios = [Fraction(convmath.conv_params(7, 7, c, 32), convmath.conv_params(3, 3, c, 64)) for c in channels_in]
weights_only = Fraction(convmath.conv_params(7, 7, 1, 32, bias=False), convmath.conv_params(3, 3, 1, 64, bias=False))

with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    ax.plot(
        channels_in,
        [float(r) for r in param_ratios],
        marker="o",
        color=LARGE_KERNEL_COLOUR,
        label="parameters (weights + biases)",
    )
    ax.axhline(
        float(weights_only),
        color=FOREGROUND,
        linestyle="--",
        linewidth=1,
        label=f"weights only: {float(weights_only):.2f}",
    )
    ax.axhline(2.5, color=FOREGROUND, linestyle=":", linewidth=1.5, label="the claimed threshold: 2.5")
    ax.set_xscale("log", base=2)
    ticks = [1, 2, 3, 4, 8, 16, 32, 64]
    ax.set_xticks(ticks, [str(c) for c in ticks])
    ax.set_ylim(2.45, 2.75)
    ax.set_xlabel("Input channels C_in")
    ax.set_ylabel("32×7×7 ÷ 64×3×3")
    ax.legend(fontsize=9, loc="center right")

alt = (
    "Line chart of the parameter ratio of Conv2D(32, 7×7) to Conv2D(64, 3×3) against input channels: "
    + "; ".join(
        f"{c} channel{'s' if c > 1 else ''} {float(r):.2f}" for c, r in zip(channels_in, param_ratios, strict=True)
    )
    + f". It starts at exactly 2.5 and approaches the weights-only ratio {float(weights_only):.2f}."
)
print(
    svg_figure(
        fig,
        alt,
        caption="Parameter ratio of the two seed layers as the input gets more channels, "
        "from the Conv2D formula (the tests check it against Keras).",
    )
)
# --8<-- [end:figure]

# --8<-- [start:tryit]
import keras

from kf.facts import INPUT_SHAPE

strided = {
    padding: out_shape(keras.layers.Conv2D(32, (7, 7), strides=2, padding=padding), INPUT_SHAPE)
    for padding in ("valid", "same")
}
print(f"Conv2D(32, (7,7), strides=2) on 28×28×1: valid {strided['valid']}, same {strided['same']}")
# --8<-- [end:tryit]

# --8<-- [start:evidence-first-layer]
import keras
import numpy as np

from kf.facts import INPUT_SHAPE

keras.utils.set_random_seed(0)
digits = np.random.default_rng(0).random((2, 28, 28, 1), dtype="float32")  # two random images
one_7x7 = keras.Sequential([keras.Input(INPUT_SHAPE), keras.layers.Conv2D(1, 7, use_bias=False)])
three_3x3 = keras.Sequential(
    [
        keras.Input(INPUT_SHAPE),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Conv2D(1, 3, use_bias=False),
    ]
)


def sum_gap(model: keras.Model) -> float:
    """Largest |f(a + b) − f(a) − f(b)| over the output: 0 for a linear template."""
    a, b = digits[:1], digits[1:]
    out = [keras.ops.convert_to_numpy(model(x)) for x in (a + b, a, b)]
    return float(np.max(np.abs(out[0] - out[1] - out[2])))


# A 3×3 kernel inside a 7×7 one: zeros around it, same filters, same biases.
small_layer = keras.layers.Conv2D(4, 3)
small_layer.build((None, *INPUT_SHAPE))
kernel3, bias = small_layer.get_weights()
kernel7 = np.zeros((7, 7, 1, 4), dtype="float32")
kernel7[2:5, 2:5] = kernel3
embed = {}
for padding in ("same", "valid"):
    three, seven = keras.layers.Conv2D(4, 3, padding=padding), keras.layers.Conv2D(4, 7, padding=padding)
    three.build((None, *INPUT_SHAPE))
    seven.build((None, *INPUT_SHAPE))
    three.set_weights([kernel3, bias])
    seven.set_weights([kernel7, bias])
    embed[padding] = [keras.ops.convert_to_numpy(layer(digits)) for layer in (three, seven)]
trim = (embed["valid"][0].shape[1] - embed["valid"][1].shape[1]) // 2  # 26 → 22: 2 pixels per side
evidence.update(
    linear_gap=sum_gap(one_7x7),
    stack_gap=sum_gap(three_3x3),
    s_read=3 * 3 * INPUT_SHAPE[2],
    embed_same_gap=float(np.max(np.abs(embed["same"][0] - embed["same"][1]))),
    embed_valid_gap=float(np.max(np.abs(embed["valid"][0][:, trim:-trim, trim:-trim] - embed["valid"][1]))),
    embed_trim=trim,
    embed_border=embed["valid"][0].shape[1] ** 2 - embed["valid"][1].shape[1] ** 2,
    alexnet_digit=out_shape(keras.layers.Conv2D(96, 11, strides=4, padding="same"), INPUT_SHAPE),
)
for name in ("linear_gap", "stack_gap", "embed_same_gap", "embed_valid_gap"):
    print(f"{name:>16} = {evidence[name]:.2g}")  # two digits: the rest is float rounding
for name in ("embed_border", "alexnet_digit"):
    print(f"{name:>16} = {evidence[name]}")
# --8<-- [end:evidence-first-layer]

# --8<-- [start:history]
from kf import stems
from kf.render import num, table

history = {name: stems.summary((224, 224, 3), layers) for name, layers in stems.HISTORY.items()}
print(
    table(
        ["First layer, on 224×224×3", "Parameters", "MACs", "Output", "Field", "Jump"],
        [
            (
                name,
                num(h["params"]),
                num(h["macs"]),
                "×".join(map(str, h["shape"])),
                f"{h['field']}×{h['field']}",
                h["jump"],
            )
            for name, h in history.items()
        ],
    )
)
# --8<-- [end:history]
