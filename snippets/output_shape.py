"""The Output shape, padding, stride chapter: one formula, three ways to write it, and Keras as the judge.

Run it on its own with `python snippets/output_shape.py`; the page executes the same sections.
"""

# --8<-- [start:formula]
import keras

from kf import convmath

for filters, kernel in [(64, 3), (32, 7)]:
    for padding in ("valid", "same"):
        layer = keras.layers.Conv2D(filters, (kernel, kernel), padding=padding)
        from_keras = layer.compute_output_shape((None, 28, 28, 1))[1:3]
        by_formula = convmath.conv_output_size(28, kernel, stride=1, padding=padding)
        print(f"{kernel}×{kernel}, {padding:>5}: Keras {from_keras}, formula {by_formula}×{by_formula}")
        assert from_keras == (by_formula, by_formula)
# --8<-- [end:formula]

# --8<-- [start:forms]
from kf.render import num, table
from kf.shapes import cs231n_output_size, d2l_output_size, keras_padded_output_size, output_size

CASES = [  # (n, k, P zeros per side, s)
    (28, 3, 0, 1),
    (28, 7, 0, 1),
    (28, 3, 1, 1),
    (28, 7, 3, 1),
    (28, 3, 0, 2),
    (28, 3, 1, 2),
    (27, 3, 1, 2),
    (32, 5, 2, 2),
    (28, 7, 3, 2),
    (28, 5, 0, 3),
]
rows = []
for n, k, p, s in CASES:
    general = output_size(n, k, p_total=2 * p, s=s)
    d2l = d2l_output_size(n, k, p_total=2 * p, s=s)
    cs231n = cs231n_output_size(n, k, p, s)
    from_keras = keras_padded_output_size(n, k, p, s)
    assert general == d2l == from_keras == int(cs231n)  # int() floors a positive fraction
    fits = cs231n.denominator == 1
    rows.append((n, k, p, s, general, d2l, num(cs231n) + ("" if fits else " ✗"), from_keras))
print(table(["n", "k", "P", "s", "general", "D2L", "CS231n", "Keras"], rows))
print("\n✗: not a whole number; CS231n calls this setting invalid.")
# --8<-- [end:forms]

# --8<-- [start:same]
import math

from kf import convmath
from kf.render import table
from kf.shapes import keras_same_padding, same_padding

rows = []
for n, k, s in [(28, 3, 1), (28, 7, 1), (28, 4, 1), (28, 3, 2), (27, 3, 2), (28, 7, 2), (32, 5, 2)]:
    out = convmath.conv_output_size(n, k, s, "same")
    assert out == math.ceil(n / s)  # 'same' keeps ⌈n/s⌉ positions
    before, after = same_padding(n, k, s)
    assert (before, after) == keras_same_padding(n, k, s)  # where Keras really put the zeros
    rows.append((n, k, s, f"⌈{n}/{s}⌉ = {out}", before + after, before, after))
print(table(["n", "k", "s", "output", "zeros in total", "top / left", "bottom / right"], rows))
# --8<-- [end:same]

# --8<-- [start:grid]
from kf import convmath
from kf.shapes import keras_output_size

agree, no_output = 0, 0
for n in range(1, 33):
    for k in (1, 2, 3, 5, 7):
        for s in (1, 2, 3):
            for padding in ("valid", "same"):
                try:
                    ours = convmath.conv_output_size(n, k, s, padding)
                except ValueError:  # kernel larger than the input: Keras must refuse too
                    ours = None
                try:
                    theirs = keras_output_size(n, k, s, padding)
                except ValueError:
                    theirs = None
                assert ours == theirs, (n, k, s, padding, ours, theirs)
                agree += 1
                no_output += ours is None
print(
    f"{agree} combinations of n = 1…32, k ∈ {{1, 2, 3, 5, 7}}, s ∈ {{1, 2, 3}}, valid/same: "
    f"all agree with Keras ({no_output} of them have no output in either)."
)
# --8<-- [end:grid]

# --8<-- [start:grid-table]
from kf import convmath
from kf.render import table
from kf.shapes import keras_output_size

rows = []
for n in (28, 27):
    for k in (3, 7):
        for s in (1, 2, 3):
            cells = []
            for padding in ("valid", "same"):
                ours, theirs = convmath.conv_output_size(n, k, s, padding), keras_output_size(n, k, s, padding)
                cells.append(f"{ours} / {theirs}" + (" ✓" if ours == theirs else " ✗"))
            rows.append((n, k, s, *cells))
print(table(["n", "k", "s", "`valid`: formula / Keras", "`same`: formula / Keras"], rows))
# --8<-- [end:grid-table]

# --8<-- [start:myth]
import keras

from kf.render import shape, table


def keras_shape(*layers: keras.layers.Layer) -> tuple[int, ...]:
    """Output shape of a stack of layers on one 28×28×1 image, from Keras."""
    x = keras.Input(shape=(28, 28, 1))
    for layer in layers:
        x = layer(x)
    return tuple(x.shape[1:])


stacks = {
    "`Conv2D(64, (3,3))`": keras_shape(keras.layers.Conv2D(64, 3)),
    "`Conv2D(32, (7,7))`": keras_shape(keras.layers.Conv2D(32, 7)),
    '`Conv2D(32, (7,7), padding="same")`': keras_shape(keras.layers.Conv2D(32, 7, padding="same")),
    '`Conv2D(64, (3,3), strides=2, padding="same")`': keras_shape(
        keras.layers.Conv2D(64, 3, strides=2, padding="same")
    ),
    "`Conv2D(64, (3,3))` + `MaxPooling2D(2)`": keras_shape(keras.layers.Conv2D(64, 3), keras.layers.MaxPooling2D(2)),
}
rows = [
    (name, shape(out), f"{out[0] * out[1]:,}", f"{out[0] * out[1] / (28 * 28):.0%}") for name, out in stacks.items()
]
print(table(["layers on 28×28×1", "output", "positions", "of the input's 784"], rows))
# --8<-- [end:myth]

# --8<-- [start:figure]
import math

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from kf import convmath
from kf.figures import FOREGROUND, GRID, PALETTE, style, svg_figure
from kf.shapes import same_padding

N = 28
panels = [  # (title, kernel, stride, padding, colour)
    ("3×3, valid", 3, 1, "valid", PALETTE[0]),
    ("7×7, valid", 7, 1, "valid", PALETTE[1]),
    ("3×3, stride 2, same", 3, 2, "same", PALETTE[2]),
]

with style():
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.7))
    described = []
    for ax, (title, k, s, padding, colour) in zip(axes, panels, strict=True):
        before, after = same_padding(N, k, s) if padding == "same" else (0, 0)
        out = convmath.conv_output_size(N, k, s, padding)
        # The 28×28 pixel grid as one line broken by NaN: one element on the page instead of 58.
        segments = [((0, N), (at, at)) for at in range(N + 1)] + [((at, at), (0, N)) for at in range(N + 1)]
        xs = [x for (x0, x1), _ in segments for x in (x0, x1, math.nan)]
        ys = [y for _, (y0, y1) in segments for y in (y0, y1, math.nan)]
        ax.plot(xs, ys, color=GRID, linewidth=0.4)
        ax.add_patch(Rectangle((0, 0), N, N, fill=False, edgecolor=FOREGROUND, linewidth=1.2))
        if after:  # the extra zero row and column Keras adds at the bottom and right
            for rect in (Rectangle((0, N), N + after, after), Rectangle((N, 0), after, N + after)):
                rect.set(fill=False, hatch="////", edgecolor=FOREGROUND, linewidth=0.6, linestyle="--")
                ax.add_patch(rect)
        centres = [i * s - before + k // 2 + 0.5 for i in range(out)]  # centre of each output's window
        if s == 1:
            first, last = centres[0] - 0.5, centres[-1] + 0.5
            ax.add_patch(Rectangle((first, first), last - first, last - first, color=colour, alpha=0.35, linewidth=0))
        else:
            xs, ys = zip(*[(x, y) for x in centres for y in centres], strict=True)
            ax.scatter(xs, ys, s=9, color=colour, linewidths=0)
        start = -before
        ax.add_patch(Rectangle((start, start), k, k, fill=False, edgecolor=colour, linewidth=2))  # first window
        ax.set_xlim(-0.5, N + 1.5)
        ax.set_ylim(N + 1.5, -0.5)  # row 0 at the top, like an image
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"{title}\n{out}×{out} output positions", fontsize=12)

        trim = (N - out) // 2
        described.append(
            f"{title}: {out}×{out} output positions"
            + (
                f", {trim} pixel{'s' if trim != 1 else ''} trimmed per side"
                if s == 1
                else f", centres {s} pixels apart, {after} extra row and column of zeros at the bottom and right"
            )
        )

alt = f"Three {N}×{N} pixel grids showing where output values sit. " + "; ".join(described) + "."
print(
    svg_figure(
        fig,
        alt,
        caption="Where the output values sit on the 28×28 input. Shaded or dotted: the centres "
        "of the kernel windows; outlined square: the first window; hatched: padding zeros.",
    )
)
# --8<-- [end:figure]

# --8<-- [start:exercise]
import keras

from kf.shapes import same_padding

for padding in ("valid", "same"):
    layer = keras.layers.Conv2D(16, (5, 5), strides=2, padding=padding)
    print(f"padding={padding!r}: output {layer.compute_output_shape((None, 32, 32, 3))[1:]}")
before, after = same_padding(32, 5, 2)
print(f"'same' zeros per axis: {before + after} in total, {before} before (top/left) and {after} after (bottom/right)")
# --8<-- [end:exercise]
