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
# The first layers trained on the [training comparison](../training/) page, seed 0, as images:
# the 64 kernels of `Conv2D(64, (3,3))` and the 32 kernels of `Conv2D(32, (7,7))`. Then what
# they make of a few test digits. The models are the very same: this page asks the same cached
# experiment for its results, so nothing is trained twice.

# %% tags=["remove-cell"]
# Make the shared `kf` package importable (the site build also puts snippets/ on PYTHONPATH).
import sys
from pathlib import Path

starts = [Path.cwd()] + ([Path(__file__).resolve().parent] if "__file__" in globals() else [])
roots = [p for s in starts for p in (s, *s.parents) if (p / "snippets" / "kf").is_dir()]
if not roots:
    raise SystemExit("Run this notebook inside the kernels-and-filters repository: snippets/kf not found.")
sys.path.insert(0, str(roots[0] / "snippets"))

# %% tags=["hide-input"]
import numpy as np

from kf.experiments import COMPARISON, comparison

results = comparison()  # the training comparison's cached results (trains only on a cache miss)
names = list(COMPARISON["variants"])
small = results[f"kernel_{names.index('64×3×3')}"][:, :, 0, :]  # (3, 3, 64): one 3×3 kernel per filter
large = results[f"kernel_{names.index('32×7×7')}"][:, :, 0, :]  # (7, 7, 32)
print("3×3 kernels:", small.shape, " 7×7 kernels:", large.shape)

# %% [markdown]
# ## The kernels
#
# Each tile is one filter's kernel. Red weights add the pixel's brightness, blue ones subtract it.
# The colour scale is shared within each layer and symmetric around zero (white).

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from kf.figures import style, svg_figure
from kf.notebook import show_html


def kernel_grid(kernels: np.ndarray, columns: int, title: str):
    """Plot kernels (k, k, n) as a grid of tiles on one symmetric colour scale."""
    count = kernels.shape[-1]
    rows = -(-count // columns)
    limit = float(np.abs(kernels).max())
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.55, rows * 0.55 + 0.4))
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < count:
            ax.imshow(kernels[:, :, index], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    fig.suptitle(title, fontsize=10)
    return fig


with style():
    fig = kernel_grid(small, 16, "Conv2D(64, (3,3)): 64 kernels")
show_html(
    svg_figure(
        fig,
        "The 64 trained 3×3 kernels of Conv2D(64, (3,3)) as red and blue tiles.",
        caption="Trained 3×3 kernels (seed 0).",
    )
)
with style():
    fig = kernel_grid(large, 16, "Conv2D(32, (7,7)): 32 kernels")
show_html(
    svg_figure(
        fig,
        "The 32 trained 7×7 kernels of Conv2D(32, (7,7)) as red and blue tiles.",
        caption="Trained 7×7 kernels (seed 0).",
    )
)

# %% [markdown]
# ## Where a 7×7 kernel puts its weight
#
# If the outer ring of a 7×7 kernel did nothing, the layer would be a 3×3 layer with extra cost.
# A simple measure: the share of each kernel's squared weights that falls in its central 3×3.
# If the weights were spread evenly, the share would be 9/49 of the total.

# %% tags=["hide-input"]
from kf.notebook import pct, show_markdown
from kf.render import prose

energy = large**2
centre_share = energy[2:5, 2:5].sum(axis=(0, 1)) / energy.sum(axis=(0, 1))  # one share per filter
uniform = 9 / 49
above = int((centre_share > uniform).sum())
if abs(centre_share.mean() - uniform) < 0.02:  # within 2 percentage points: call it an even share
    verdict = "That is about an even share: the outer ring is used as much as the centre."
elif centre_share.mean() > uniform:
    verdict = "The weight leans towards the middle, but the outer ring is used as well."
else:
    verdict = "The outer ring carries more than its share: the 7×7 kernels use their full window."
show_markdown(
    prose(
        """
Across the {n} trained 7×7 kernels, the central 3×3 holds **{mean}** of the squared weight on
average (from {low} to {high}), against {uniform} if the weights were spread evenly. For {above} of the
{n} kernels the centre holds more than an even share. {verdict}
""",
        dict(
            n=large.shape[-1],
            mean=pct(centre_share.mean()),
            low=pct(centre_share.min()),
            high=pct(centre_share.max()),
            uniform=pct(uniform),
            above=above,
            verdict=verdict,
        ),
    )
)

# %% [markdown]
# ## Feature maps for a few digits
#
# The first test digits, and what eight filters of each layer output for them (after ReLU). For
# each layer, the eight shown are the filters with the strongest mean response to these digits.
# A bright pixel is a strong response. The 3×3 maps are 26×26 and the 7×7 maps 22×22, because
# `valid` padding trims the border.

# %% tags=["hide-input"]
digits = results["digits"][..., 0]
maps_small = results[f"fmaps_{names.index('64×3×3')}"]
maps_large = results[f"fmaps_{names.index('32×7×7')}"]
shown = 8


def strongest(maps: np.ndarray) -> np.ndarray:
    """Indices of the filters with the highest mean activation over the digits shown."""
    return np.argsort(-maps.mean(axis=(0, 1, 2)), kind="stable")[:shown]


with style():
    fig, axes = plt.subplots(2 * len(digits), shown + 1, figsize=(7.5, 2 * len(digits) * 0.95))
    for d, digit in enumerate(digits):
        for layer, (maps, label) in enumerate(((maps_small, "64×3×3"), (maps_large, "32×7×7"))):
            row = axes[2 * d + layer]
            row[0].imshow(digit, cmap="gray_r", interpolation="nearest")
            row[0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
            for ax, f in zip(row[1:], strongest(maps), strict=True):
                ax.imshow(maps[d, :, :, f], cmap="magma", interpolation="nearest")
                ax.set_title(f"filter {f}", fontsize=6)
            for ax in row:
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
alt = (
    f"Feature maps of {len(digits)} test digits: for each digit, eight 26×26 maps from the 3×3 layer "
    "and eight 22×22 maps from the 7×7 layer, showing strokes and edges highlighted."
)
show_html(svg_figure(fig, alt, caption="Each row: a test digit, then eight feature maps of one layer."))

# %% [markdown]
# What to look for: which kernels are oriented edge detectors (a red side and a blue side), which
# respond to blobs, and how much of each 7×7 tile is close to white. The maps show the cost of a
# larger window: each 7×7 output mixes 49 pixels instead of 9. The accuracies on the
# [training comparison](../training/) page show what that buys on these digits.
