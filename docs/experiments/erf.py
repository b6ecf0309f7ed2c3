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
# # Effective receptive field
#
# Three stacked 3×3 layers and one 7×7 layer have the same **theoretical** receptive field: each
# output sees a 7×7 patch of the input. That does not mean every pixel of the patch counts the
# same. Luo et al. (NeurIPS 2016) measure how much each input pixel *actually* moves an output,
# the **effective receptive field** (ERF), as the gradient of the output with respect to the input.
# They find it roughly Gaussian and smaller than the theoretical field, and that it grows with the
# square root of the depth while the theoretical field grows linearly.
#
# This page measures it for one 7×7 layer and for deeper and deeper stacks of 3×3 layers (the
# settings table lists them), at initialisation and after training on the MNIST subset.

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
# ## How it is measured
#
# One `tf.GradientTape` pass: the central unit of the last convolution (all its channels summed)
# is differentiated with respect to the input image. The absolute gradient is averaged over test
# digits, and at initialisation also over several random inits (counts in the settings table),
# then normalised to sum to 1.
# Its size is measured two ways: the per-axis standard deviation σ, and the side of the smallest
# centred square that holds 95 % of the gradient mass. A third number says how Gaussian the map is:
# R² of an isotropic Gaussian with the same σ (1 means a perfect fit).

# %% tags=["hide-input"]
from kf.erf import ERF, erf_map, spread
from kf.notebook import show_markdown, show_source
from kf.render import table

show_source(erf_map, spread)
show_markdown(table(["Setting", "Value"], [[k, v] for k, v in ERF.items() if k != "models"], align="ll"))

# %% tags=["hide-input"]
from kf.erf import erf_results

results = erf_results()  # trains on a cache miss, else loads the stored results
rows = results["rows"]
show_markdown(
    table(
        [
            "Model",
            "Stage",
            "Theoretical RF",
            "σ (px)",
            "95 % square (px)",
            "95 % square ÷ theoretical RF",
            "Gaussian fit R²",
        ],
        [
            [
                f"`{r['model']}`",
                r["stage"],
                f"{r['theoretical_rf']}×{r['theoretical_rf']}",
                f"{r['sigma']:.2f}",
                f"{r['side']:.0f}×{r['side']:.0f}",
                f"{r['side'] / r['theoretical_rf']:.2f}",
                f"{r['gaussian_r2']:.2f}",
            ]
            for r in rows
        ],
        align="llrrrrr",
    )
)

# %% [markdown]
# ## The maps
#
# Each square is the input region around the unit's centre, with the theoretical receptive field
# outlined. The brighter the pixel, the more a change there moves the unit.

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from kf.figures import FOREGROUND, style, svg_figure
from kf.notebook import show_html

names = list(ERF["models"])
window = 12  # pixels shown on each side of the centre (the 12-layer stack's field is 25 wide)
with style():
    fig, axes = plt.subplots(2, len(names), figsize=(8.5, 4.6))
    for stage_index, stage in enumerate(("init", "trained")):
        for index, name in enumerate(names):
            ax = axes[stage_index, index]
            row = next(r for r in rows if r["model"] == name and r["stage"] == stage)
            cy, cx = (int(c) for c in row["centre"])
            erf = results[f"{stage}_{index}"]
            crop = erf[max(cy - window, 0) : cy + window + 1, max(cx - window, 0) : cx + window + 1]
            ax.imshow(crop, cmap="magma", interpolation="nearest")
            half = (row["theoretical_rf"] - 1) / 2
            y0, x0 = cy - max(cy - window, 0), cx - max(cx - window, 0)
            ax.add_patch(
                Rectangle(
                    (x0 - half - 0.5, y0 - half - 0.5),
                    2 * half + 1,
                    2 * half + 1,
                    fill=False,
                    edgecolor="#56B4E9",
                    linewidth=1.2,
                )
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.set_title(f"{name}\nσ = {row['sigma']:.1f}", fontsize=8, color=FOREGROUND)
        axes[stage_index, 0].set_ylabel("at init" if stage == "init" else "trained", fontsize=9)
alt = (
    "Effective receptive field maps at initialisation and after training: "
    + "; ".join(
        f"{r['model']} {r['stage']}: sigma {r['sigma']:.1f} pixels, 95 percent within {r['side']:.0f} pixels, "
        f"theoretical {r['theoretical_rf']}"
        for r in rows
    )
    + "."
)
show_html(
    svg_figure(
        fig, alt, caption="Normalised |gradient| of the central unit; blue squares: theoretical receptive field."
    )
)

# %% [markdown]
# ## Gaussian or not?
#
# A slice through the centre row at initialisation, against a Gaussian with the same σ. One 7×7
# layer gives a flat-topped profile: every weight of the kernel counts directly. A stack turns it
# into a bell: a pixel near the centre reaches the unit along many paths through the layers, a
# pixel at the edge along only one.

# %% tags=["hide-input"]
from kf.figures import PALETTE

with style():
    fig, axes = plt.subplots(1, len(names), figsize=(9, 2.6), sharey=False)
    for index, (ax, name) in enumerate(zip(axes, names, strict=True)):
        row = next(r for r in rows if r["model"] == name and r["stage"] == "init")
        cy, cx = (int(c) for c in row["centre"])
        erf = results[f"init_{index}"]
        offsets = np.arange(erf.shape[1]) - cx
        profile = erf[cy] / erf[cy].sum()
        gauss = np.exp(-(offsets**2) / (2 * row["sigma"] ** 2))
        ax.plot(offsets, profile, "o-", color=PALETTE[0], markersize=3, label="ERF")
        ax.plot(offsets, gauss / gauss.sum(), "--", color=PALETTE[1], label="Gaussian, same σ")
        ax.set_xlim(-window, window)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("pixels from centre", fontsize=8)
        ax.set_yticks([])
    axes[0].legend(fontsize=7, loc="upper left")
alt = (
    "Centre-row profiles of the effective receptive field at initialisation, each beside a Gaussian: "
    + "; ".join(f"{r['model']} Gaussian fit R squared {r['gaussian_r2']:.2f}" for r in rows if r["stage"] == "init")
    + "."
)
show_html(
    svg_figure(
        fig, alt, caption="Centre row of each ERF at initialisation (normalised) and a Gaussian with the measured σ."
    )
)

# %% [markdown]
# ## What the numbers say

# %% tags=["hide-input"]
from kf.render import prose

init = {r["model"]: r for r in rows if r["stage"] == "init"}
trained = {r["model"]: r for r in rows if r["stage"] == "trained"}
smaller = [n for n, r in init.items() if r["side"] < r["theoretical_rf"]]
deep = [n for n in names if init[n]["layers"] > 1]
growth = init["12 × 3×3"]["sigma"] / init["3 × 3×3"]["sigma"]
show_markdown(
    prose(
        """
- **Gaussian-like in the stacks:** at initialisation the Gaussian fit gives R² = {r2_single:.2f}
  for the single 7×7 layer and {r2_stacks} for the stacks of 3, 6 and 12 layers.
- **Smaller than the theoretical field:** 95 % of the gradient lies in a square smaller than the
  theoretical receptive field for {n_smaller} of the {n} models at initialisation ({smaller_list}). For
  12 stacked 3×3 layers the field is {rf12}×{rf12} pixels, but 95 % of the effect comes from the central
  {side12:.0f}×{side12:.0f}.
- **Growing like √depth:** from {d3} to {d12} layers the theoretical field grows {rf_growth:.1f}×
  ({rf3} → {rf12}) and σ grows {growth:.2f}×; √({d12}/{d3}) = {sqrt_depth:.2f}.
- **Same theoretical field, different use:** one 7×7 layer and three 3×3 layers both see 7×7
  pixels. At initialisation their σ is {s7:.2f} and {s3:.2f} pixels: the stack concentrates on the
  centre. After training: {t7:.2f} and {t3:.2f}.
""",
        dict(
            r2_single=init["1 × 7×7"]["gaussian_r2"],
            r2_stacks=", ".join(f"{init[n]['gaussian_r2']:.2f}" for n in deep),
            n_smaller=len(smaller),
            n=len(init),
            smaller_list=", ".join(f"`{n}`" for n in smaller) or "none",
            rf12=init["12 × 3×3"]["theoretical_rf"],
            side12=init["12 × 3×3"]["side"],
            rf_growth=init["12 × 3×3"]["theoretical_rf"] / init["3 × 3×3"]["theoretical_rf"],
            growth=growth,
            d3=init["3 × 3×3"]["layers"],
            d12=init["12 × 3×3"]["layers"],
            rf3=init["3 × 3×3"]["theoretical_rf"],
            sqrt_depth=(init["12 × 3×3"]["layers"] / init["3 × 3×3"]["layers"]) ** 0.5,
            s7=init["1 × 7×7"]["sigma"],
            s3=init["3 × 3×3"]["sigma"],
            t7=trained["1 × 7×7"]["sigma"],
            t3=trained["3 × 3×3"]["sigma"],
        ),
    )
)

# %% [markdown]
# For the choice between one large kernel and a stack of small ones, this means that the stack's
# "7×7" is mostly a centre-weighted window. Where a decision needs pixels far from the centre to
# count as much as near ones, the theoretical receptive field overstates what a deep stack of 3×3
# layers delivers. The [scenarios](../scenarios/) page tests such a task.
#
# ## Reference
#
# - W. Luo, Y. Li, R. Urtasun, R. Zemel. *Understanding the Effective Receptive Field in Deep
#   Convolutional Neural Networks.* NeurIPS 2016. [arXiv:1701.04128](https://arxiv.org/abs/1701.04128)
