# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What the filters learn
#
# The first layers trained on the [training comparison](../training/) page: the kernels of
# `Conv2D(64, (3,3))` and `Conv2D(32, (7,7))`, each beside the kernel it started from. A trained
# kernel can look structured just because random initialisation does, so every measure here is
# taken twice, at initialisation and after training, over every seed, and the conclusions rest on
# the change. The models are the very same: this page reads the committed results of the training
# comparison, which stored each model's first-layer kernels before and after training.

# %% tags=["remove-cell"]
# Make the shared `kf` package importable (the site build also puts snippets/ on PYTHONPATH).
import sys
from pathlib import Path

starts = [Path.cwd()] + ([Path(__file__).resolve().parent] if "__file__" in globals() else [])
roots = [p for s in starts for p in (s, *s.parents) if (p / "snippets" / "kf").is_dir()]
if not roots:
    raise SystemExit("Run this notebook inside the kernels-and-filters repository: snippets/kf not found.")
sys.path.insert(0, str(roots[0] / "snippets"))

# %% [markdown]
# ## How far training moved the kernels
#
# For each seed, averaged over the layer's filters: the correlation of each trained kernel with its
# own initial kernel (1 would mean unchanged), and the size of the change relative to the initial
# weights. Mean over seeds with a 95 % interval.

# %% tags=["hide-input"]
from kf import evidence
from kf.experiments import COMPARISON, comparison
from kf.notebook import show_markdown
from kf.render import table

results = comparison()  # the training comparison's committed results; never trains
show_markdown(evidence.draft_banner(results))
measures = {name: evidence.kernel_measures(results["arrays"], name) for name in ("64×3×3", "32×7×7")}


def interval(i, digits: int = 2) -> str:
    """A mean and its 95 % interval as text."""
    return f"{i.mean:.{digits}f} [{i.low:.{digits}f}, {i.high:.{digits}f}]"


show_markdown(
    table(
        ["Layer", "Seeds", "Correlation with its own init", "‖trained − init‖ / ‖init‖"],
        [
            [f"`{name}`", str(len(m["seeds"])), interval(m["correlation"]), interval(m["relative_change"])]
            for name, m in measures.items()
        ],
    )
)

# %% [markdown]
# ## The kernels, before and after
#
# Seed 0. Each tile is one filter's kernel: red weights add the pixel's brightness, blue ones
# subtract it. Each pair of grids (at initialisation, trained) shares one colour scale, symmetric
# around zero (white), so a change in contrast is a change in the weights.

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np

from kf.figures import style, svg_figure, tile_grid
from kf.notebook import show_html


def kernel_grids(before: np.ndarray, after: np.ndarray, columns: int, title: str):
    """Two grids of tiles, (k, k, n) kernels at init and trained, on one symmetric colour scale."""
    limit = float(max(np.abs(before).max(), np.abs(after).max()))
    rows = -(-before.shape[-1] // columns)
    fig, ax = plt.subplots(figsize=(columns * 0.5, (2 * rows + 1) * 0.5 + 0.8))
    top = 0.0
    for kernels, label in ((before, "at initialisation"), (after, "trained")):
        ax.text(0, top + 0.15, label, fontsize=8)
        tiles = np.moveaxis(kernels, -1, 0)  # (n, k, k): one tile per filter
        bottom = tile_grid(ax, tiles, columns, top, cmap="RdBu_r", vmin=-limit, vmax=limit)
        top = bottom - 1.2  # an empty row between the two grids, for the second grid's label
    ax.text((columns * 1.2 - 0.2) / 2, 1.0, title, fontsize=10, ha="center")  # centred over the grids
    ax.set_axis_off()
    return fig


for name, columns in (("64×3×3", 16), ("32×7×7", 16)):
    arrays = results["arrays"][(name, COMPARISON["seeds"][0])]
    before, after = arrays["kernel_init"][:, :, 0, :], arrays["kernel"][:, :, 0, :]
    with style():
        fig = kernel_grids(before, after, columns, f"{name}: {before.shape[-1]} kernels")
    show_html(
        svg_figure(
            fig,
            f"The {before.shape[-1]} kernels of the {name} layer as red and blue tiles, at initialisation "
            f"(upper grid) and after training (lower grid), seed 0.",
            caption=f"{name} kernels at initialisation and trained (seed 0).",
        )
    )

# %% [markdown]
# ## Does a 7×7 kernel use its outer ring?
#
# If the outer ring of a 7×7 kernel did nothing, the layer would be a 3×3 layer with extra cost.
# One measure: the share of each kernel's squared weight that falls in its central 3×3. At
# initialisation it is about what an even spread gives, because Keras draws every weight
# independently from the same distribution. So the share after training says little on its own;
# the change from initialisation is what training did.

# %% tags=["hide-input"]
from kf import stats
from kf.render import prose

share = measures["32×7×7"]
uniform = 9 / 49
show_markdown(
    table(
        ["Central 3×3 share of the squared weight, 32×7×7", "Mean over seeds [95 % CI]"],
        [
            [
                "at initialisation",
                f"{100 * share['init'].mean:.1f} % [{100 * share['init'].low:.1f}, {100 * share['init'].high:.1f}]",
            ],
            [
                "trained",
                f"{100 * share['trained'].mean:.1f} % [{100 * share['trained'].low:.1f}, {100 * share['trained'].high:.1f}]",
            ],
            ["change (trained − init, paired by seed)", evidence.diff_text(share["change"]).replace(" [", " points [")],
            ["an even spread", f"{100 * uniform:.1f} %"],
        ],
        align="lr",
    )
)
direction = stats.verdict(share["change"])
said = {
    stats.BETTER: "Training moved weight **towards the centre**: the interval of the change lies above 0.",
    stats.WORSE: "Training moved weight **towards the outer ring**: the interval of the change lies below 0.",
    stats.TIE: "The change **cannot be told from 0** at this budget: no net shift of weight towards the centre "
    "or towards the outer ring is measurable, so the trained 7×7 kernels use their whole window about as "
    "evenly as their random start did.",
}[direction]
show_markdown(
    prose(
        "Over {n} seeds, the central 3×3 of the 7×7 kernels held {init:.1f} % of the squared weight at "
        "initialisation and {trained:.1f} % after training. {said}",
        dict(n=len(share["seeds"]), init=100 * share["init"].mean, trained=100 * share["trained"].mean, said=said),
    )
)

# %% [markdown]
# ## Feature maps for a few digits
#
# The first test digits, and what the filters of each trained layer output for them (after ReLU),
# computed here from the stored kernels and biases. For each layer, the filters shown are those with
# the strongest mean response to these digits. A bright pixel is a strong response. The maps are
# smaller than the digit because `valid` padding trims the border (their sizes are in the caption).

# %% tags=["hide-input"]
from kf.data import load_splits

digits = load_splits().x_test[:4]
shown = 8
maps = {}
for name in ("64×3×3", "32×7×7"):
    arrays = results["arrays"][(name, COMPARISON["seeds"][0])]
    maps[name] = evidence.feature_maps(digits, arrays["kernel"], arrays["bias"])


def strongest(found: np.ndarray) -> np.ndarray:
    """Indices of the filters with the highest mean activation over the digits shown."""
    return np.argsort(-found.mean(axis=(0, 1, 2)), kind="stable")[:shown]


with style():
    fig, ax = plt.subplots(figsize=(7.5, 2 * len(digits) * 0.95))
    pitch = (1.15, 1.4)  # room above each map for its title
    for row, (d, name) in enumerate((d, name) for d in range(len(digits)) for name in maps):
        top = -row * pitch[1]
        chosen = strongest(maps[name])
        tile_grid(ax, [digits[d, :, :, 0]], 1, top, pitch=pitch, cmap="gray_r")
        tile_grid(ax, [maps[name][d, :, :, f] for f in chosen], len(chosen), top, pitch[0], pitch, cmap="magma")
        ax.text(-0.1, top - 0.5, name, fontsize=7, ha="right", va="center")
        for column, f in enumerate(chosen, 1):
            ax.text(column * pitch[0] + 0.5, top + 0.05, f"filter {f}", fontsize=6, ha="center", va="bottom")
    ax.set_axis_off()
small, large = ("×".join(map(str, maps[name].shape[1:3])) for name in maps)  # valid padding: 28 - k + 1
alt = (
    f"Feature maps of {len(digits)} test digits: for each digit, {shown} maps of {small} from the 3×3 layer "
    f"and {shown} maps of {large} from the 7×7 layer, showing strokes and edges highlighted."
)
caption = f"Each row: a test digit, then {shown} feature maps of one trained layer: {small} (3×3), {large} (7×7)."
show_html(svg_figure(fig, alt, caption=caption))

# %% [markdown]
# What to look for: which kernels became oriented edge detectors (a red side and a blue side) and
# which stayed close to their random start. The maps show the cost of a larger window: each 7×7
# output mixes 49 pixels instead of 9. Whether that buys accuracy on these digits is on the
# [training comparison](../training/) page.
