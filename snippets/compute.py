"""The Compute & memory chapter: MACs, FLOPs, activation memory, and measured CPU time.

Run it on its own with `python snippets/compute.py`; the page executes the same sections.
The timing section measures this machine, so its numbers change from run to run.
"""

# --8<-- [start:macs]
import keras

from kf.costs import layer_cost
from kf.render import num, shape, table

SEEDS = [(64, 3), (32, 7)]  # (filters, kernel)
costs = {}
rows = []
for filters, kernel in SEEDS:
    for padding in ("valid", "same"):
        cost = layer_cost(filters, kernel, padding)  # formulas from kf.convmath
        layer = keras.layers.Conv2D(filters, (kernel, kernel), padding=padding)
        assert layer.compute_output_shape((None, 28, 28, 1))[1:] == cost.out_shape  # Keras agrees
        costs[filters, kernel, padding] = cost
        rows.append(
            (
                f"`Conv2D({filters}, ({kernel},{kernel}))`",
                f"`{padding}`",
                shape(cost.out_shape),
                f"{kernel}·{kernel}·1 = {kernel * kernel}",
                num(cost.macs),
                num(cost.flops),
            )
        )
print(table(["layer", "padding", "output", "MACs per output value", "MACs per image", "FLOPs per image"], rows))
# --8<-- [end:macs]

# --8<-- [start:memory]
from kf.costs import activation_bytes, binary_size
from kf.render import num, table

BATCHES = [1, 32, 128]
rows = [("input image, 28×28×1", "—", num(28 * 28), *(binary_size(activation_bytes((28, 28, 1), b)) for b in BATCHES))]
for (filters, kernel, padding), cost in costs.items():
    rows.append(
        (
            f"`Conv2D({filters}, ({kernel},{kernel}))` output",
            f"`{padding}`",
            num(cost.activations),
            *(binary_size(cost.bytes(b)) for b in BATCHES),
        )
    )
print(table(["tensor", "padding", "values per image", "float32, 1 image", "batch of 32", "batch of 128"], rows))
# --8<-- [end:memory]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

from kf.costs import layer_cost
from kf.figures import FOREGROUND, LARGE_KERNEL_COLOUR, SMALL_KERNEL_COLOUR, style, svg_figure
from kf.render import num

KERNELS = range(1, 12)
curves = {
    (filters, padding): [layer_cost(filters, k, padding).macs for k in KERNELS]
    for filters in (64, 32)
    for padding in ("same", "valid")
}

with style():
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for (filters, padding), macs in curves.items():
        colour = SMALL_KERNEL_COLOUR if filters == 64 else LARGE_KERNEL_COLOUR
        ax.plot(
            list(KERNELS),
            [m / 1e6 for m in macs],
            color=colour,
            marker="o",
            markersize=3,
            linestyle="-" if padding == "same" else "--",
            label=f"{filters} filters, {padding}",
        )
    for (filters, kernel), place in zip(SEEDS, [(2.6, 2.3), (9.6, 0.3)], strict=True):  # label spots in free space
        macs = layer_cost(filters, kernel).macs
        ax.annotate(
            f"Conv2D({filters}, ({kernel},{kernel}))\n{num(macs)}",
            (kernel, macs / 1e6),
            xytext=place,
            textcoords="data",
            fontsize=9,
            ha="center",
            arrowprops={"arrowstyle": "-", "color": FOREGROUND, "linewidth": 0.8},
        )
    ax.set_xticks(list(KERNELS), [f"{k}×{k}" for k in KERNELS], fontsize=9)
    ax.set_xlabel("kernel size")
    ax.set_ylabel("MACs per image (millions)")
    ax.legend(fontsize=9, loc="upper left")

all_valid = {k: layer_cost(32, k).macs for k in range(1, 29)}  # every kernel that fits in 28×28
peaks = [k for k, macs in all_valid.items() if macs == max(all_valid.values())]
alt = (
    f"Line chart of MACs per 28×28×1 image against kernel size 1×1 to 11×11, for 64 and 32 filters with "
    f"same and valid padding. With same padding MACs grow with the kernel's area; with valid padding the "
    f"shrinking output slows the growth. Conv2D(64, (3,3)) needs "
    f"{num(layer_cost(64, 3).macs)} and Conv2D(32, (7,7)) {num(layer_cost(32, 7).macs)}."
)
print(
    svg_figure(
        fig,
        alt,
        caption="MACs per image for a Conv2D on a 28×28×1 input. Solid: `same` padding; "
        "dashed: `valid`. Computed at build time from the formulas.",
    )
)
# --8<-- [end:figure]

# --8<-- [start:timing]
from kf.costs import layer_cost
from kf.render import num, table
from kf.timing import machine_facts, measured, ms, time_conv

BATCH = 64
layers = {  # label: (filters, kernel, input shape, repeats)
    "64 × 3×3 on 28×28×1": (64, 3, (28, 28, 1), 15),
    "32 × 7×7 on 28×28×1": (32, 7, (28, 28, 1), 15),
    "64 × 3×3 on 26×26×64 (next layer)": (64, 3, (26, 26, 64), 5),  # 50× the MACs: fewer repeats
}
timings, macs = {}, {}
for label, (filters, kernel, input_shape, repeats) in layers.items():
    timings[label] = time_conv(filters, kernel, input_shape, batch=BATCH, repeats=repeats, warmup=2)
    macs[label] = layer_cost(filters, kernel, "valid", input_shape).macs * BATCH


def gmacs_per_second(label: str) -> str:
    """Throughput of the forward pass: billions of MACs per second."""
    return f"{macs[label] / (timings[label].forward_ms / 1000) / 1e9:.2g}"


rows = [
    (
        label,
        num(macs[label]),
        measured(ms(t.forward_ms)),
        measured(ms(t.backward_ms)),
        measured(gmacs_per_second(label)),
    )
    for label, t in timings.items()
]
print(table(["Conv2D, `valid`", f"MACs, batch {BATCH}", "forward", "backward", "GMAC/s"], rows))
print("\n**Measured on the machine and at the time shown:**\n")
for name, value in machine_facts().items():
    print(f"- {name}: {measured(value)}")
# --8<-- [end:timing]

# --8<-- [start:ratio]
from fractions import Fraction

from kf.render import num, table
from kf.timing import measured

small_label, large_label = list(timings)[:2]
mac_ratio = Fraction(macs[large_label], macs[small_label])
forward_ratio = timings[large_label].forward_ms / timings[small_label].forward_ms
backward_ratio = timings[large_label].backward_ms / timings[small_label].backward_ms
print(
    table(
        ["7×7 ÷ 3×3", "ratio"],
        [
            ("MACs (computed)", num(mac_ratio) + "×"),
            ("forward time (measured)", measured(f"{forward_ratio:.2f}×")),
            ("backward time (measured)", measured(f"{backward_ratio:.2f}×")),
        ],
    )
)
# --8<-- [end:ratio]

# --8<-- [start:exercise]
from kf.costs import binary_size, layer_cost
from kf.render import num

cost = layer_cost(32, 7, "same")
batch = 128
print(
    f"Output shape {cost.out_shape}: {num(cost.activations)} values per image.  \n"
    f"Memory: {num(cost.activations)} × 4 bytes × {batch} = {num(cost.bytes(batch))} bytes "
    f"= **{binary_size(cost.bytes(batch))}**.  \n"
    f"FLOPs: 2 × {num(cost.macs)} MACs × {batch} = **{num(cost.flops * batch)}**."
)
# --8<-- [end:exercise]
