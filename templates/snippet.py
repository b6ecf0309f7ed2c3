"""What one Conv2D layer costs, computed with Keras; the page executes each section below.

Page: docs/NAME.md
Run it alone: python snippets/NAME.py
"""

# --8<-- [start:compute]
import keras

from kf import convmath

FILTERS, KERNEL = 16, 5
inputs = keras.Input(shape=(28, 28, 1))
layer = keras.layers.Conv2D(FILTERS, (KERNEL, KERNEL))
outputs = layer(inputs)

facts = {
    "filters": FILTERS,
    "kernel": KERNEL,
    "params": layer.count_params(),  # read from Keras, never typed
    "shape": tuple(int(d) for d in outputs.shape[1:]),
}
expected = convmath.conv_params(KERNEL, KERNEL, 1, FILTERS)
if facts["params"] != expected:  # two independent answers must agree, or the build stops
    raise ValueError(f"Keras counts {facts['params']} parameters, the formula {expected}")
print(f"Conv2D({FILTERS}, ({KERNEL},{KERNEL})) on 28×28×1: {facts['params']} parameters, output {facts['shape']}")
# --8<-- [end:compute]

# --8<-- [start:table]
import keras

from kf.render import num, table

kernels = [1, 3, 5, 7]
params = []
for k in kernels:
    sized = keras.layers.Conv2D(FILTERS, (k, k))
    sized.build((None, 28, 28, 1))
    params.append(sized.count_params())
facts["params_by_kernel"] = dict(zip(kernels, params, strict=True))

rows = [[f"{k}×{k}", num(k * k), num(p)] for k, p in facts["params_by_kernel"].items()]
print(table(["Kernel", "Weights per filter", "Parameters"], rows))
# --8<-- [end:table]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf.figures import PALETTE, style, svg_figure

by_kernel = facts["params_by_kernel"]
with style():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar([f"{k}×{k}" for k in by_kernel], list(by_kernel.values()), color=PALETTE[0])
    ax.set_xlabel(f"kernel size ({FILTERS} filters, 1 input channel)")
    ax.set_ylabel("parameters")
    ax.grid(axis="x", visible=False)
    alt = f"Bar chart: parameters of Conv2D({FILTERS}) by kernel size: " + ", ".join(
        f"{k}×{k} has {p}" for k, p in by_kernel.items()
    )
    # Inside `with style()`: the SVG is saved with the style's settings (real text, fixed ids).
    print(svg_figure(fig, alt, caption="Parameters grow with the square of the kernel size."))
# --8<-- [end:figure]
