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
# # Training comparison
#
# The answer page compares the two layers on paper. This page trains them. Each candidate first
# layer is put into the same small classifier: the layer(s), then `MaxPooling2D(2)`, `Flatten`
# and `Dense(10)`. Each classifier is trained with several seeds on the same real MNIST digits. The
# extra variants each change one thing: the filter count (32×3×3), the kernel size (64×7×7,
# 32×5×5), depth (three stacked 3×3 layers, which see 7×7 pixels like one 7×7 layer) and the
# layer type (a depthwise-separable 7×7).
#
# Every number below comes from the code on this page and in `snippets/kf/`, run when the site
# is built. The results are cached and keyed by everything that can change them (see the end of
# the page).

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
# ## The models
#
# Parameters come from Keras (`count_params()` of each built model). MACs (multiply–accumulates
# per image) come from the formulas in `kf.convmath`, the `Dense(10)` layer included. No
# training is needed for either.

# %% tags=["hide-input"]
from kf.experiments import COMPARISON, build_model, describe, macs, receptive_field
from kf.notebook import num, show_markdown
from kf.render import table

rows = []
for name, layers in COMPARISON["variants"].items():
    model = build_model(layers, (28, 28, 1), 10)
    rows.append(
        [
            f"`{name}`",
            describe(layers),
            num(model.count_params()),
            num(macs(layers, (28, 28, 1), 10)),
            receptive_field(layers),
        ]
    )
show_markdown(
    table(["Variant", "Layers before the head", "Parameters", "MACs per image", "Receptive field"], rows, align="llrrr")
)

# %% [markdown]
# ## How every model is trained
#
# The same function trains every model: Adam, a fixed seed, and TensorFlow's deterministic
# kernels. Its source, from `snippets/kf/experiments.py`:

# %% tags=["hide-input"]
from kf.experiments import deterministic, train
from kf.notebook import show_source

show_source(deterministic, train)
show_markdown(
    table(
        ["Setting", "Value"],
        [[k, num(v) if isinstance(v, int) else v] for k, v in COMPARISON.items() if k != "variants"],
        align="ll",
    )
)

# %% [markdown]
# ## Results
#
# Accuracy is on the held-out test digits of the subset, as mean and spread (highest minus
# lowest) over the seeds. The training time is **measured on the machine that built this page**. It changes from
# machine to machine and from run to run, so no test pins it.

# %% tags=["hide-input"]
from kf.experiments import comparison, summarise
from kf.notebook import pm

results = comparison()  # trains on a cache miss, else loads the stored results
summary = summarise(results["rows"])
show_markdown(
    table(
        ["Variant", "Test accuracy", "Parameters", "MACs per image", "Training time, measured (s)"],
        [
            [f"`{name}`", pm(s["accuracy"], s["spread"]), num(s["params"]), num(s["macs"]), f"{s['seconds']:.1f}"]
            for name, s in summary.items()
        ],
    )
)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from kf.figures import PALETTE, style, svg_figure
from kf.notebook import show_html

with style():
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
    for ax, field, label in ((axes[0], "params", "Parameters"), (axes[1], "macs", "MACs per image")):
        for colour, (name, s) in zip(PALETTE * 2, summary.items()):
            runs = [r["accuracy"] for r in results["rows"] if r["variant"] == name]
            low, high = s["accuracy"] - min(runs), max(runs) - s["accuracy"]
            ax.errorbar(
                s[field],
                100 * s["accuracy"],
                yerr=[[100 * low], [100 * high]],
                fmt="o",
                color=colour,
                capsize=3,
                label=name,
            )
        ax.set_xscale("log")
        ax.set_xlabel(f"{label} (log scale)")
    axes[0].set_ylabel("Test accuracy (%)")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Mean test accuracy over seeds; bars span the lowest to the highest seed", fontsize=10)
alt = (
    "Two scatter plots of test accuracy against parameters and against MACs: "
    + "; ".join(
        f"{name} {100 * s['accuracy']:.1f} percent with {num(s['params'])} parameters and {num(s['macs'])} MACs"
        for name, s in summary.items()
    )
    + "."
)
show_html(svg_figure(fig, alt, caption="Accuracy against cost, computed at build time from the runs above."))

# %% [markdown]
# ## What the numbers say

# %% tags=["hide-input"]
from kf.render import prose

small, large = summary["64×3×3"], summary["32×7×7"]
gap = small["accuracy"] - large["accuracy"]
noise = max(small["spread"], large["spread"])
best = max(summary, key=lambda name: summary[name]["accuracy"])
cheapest = min(summary, key=lambda name: summary[name]["macs"])
verdict = (
    "larger than the spread between seeds, so it is a real difference at this budget"
    if abs(gap) > noise
    else "smaller than the spread between seeds: with this little training, the seeds matter as much"
)
show_markdown(
    prose(
        """
- **The two seed layers:** `64×3×3` reaches {small_acc} and `32×7×7` {large_acc}, a gap of
  {gap_pp:.1f} percentage points. That is {verdict}.
- **Cost:** `64×3×3` has {small_params} parameters and needs {small_macs} MACs per image;
  `32×7×7` has {large_params} and needs {large_macs}. Most of the parameters are in `Dense(10)`,
  which grows with the number of filters; most of the MACs are in the convolution, which grows
  with the kernel area.
- **Best mean accuracy:** `{best}` ({best_acc}); **fewest MACs:** `{cheapest}` ({cheapest_macs} MACs).
""",
        dict(
            small_acc=pm(small["accuracy"], small["spread"]),
            large_acc=pm(large["accuracy"], large["spread"]),
            gap_pp=100 * gap,
            verdict=verdict,
            small_params=small["params"],
            small_macs=small["macs"],
            large_params=large["params"],
            large_macs=large["macs"],
            best=best,
            best_acc=pm(summary[best]["accuracy"], summary[best]["spread"]),
            cheapest=cheapest,
            cheapest_macs=summary[cheapest]["macs"],
        ),
    )
)

# %% [markdown]
# ## Is it deterministic?
#
# `keras.utils.set_random_seed` seeds Python, NumPy and TensorFlow, and
# `tf.config.experimental.enable_op_determinism()` makes TensorFlow pick deterministic kernels
# ([TensorFlow: `enable_op_determinism`](https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism)).
# After the comparison, the first model was trained a second time, from scratch, with the same seed:

# %% tags=["hide-input"]
first = next(
    r for r in results["rows"] if r["variant"] == results["rerun"]["variant"] and r["seed"] == results["rerun"]["seed"]
)
same = first["accuracy"] == results["rerun"]["accuracy"]
show_markdown(
    prose(
        """
`{variant}`, seed {seed}: test accuracy {a:.4f} in the comparison and {b:.4f} when trained again:
**{verdict}**.
""",
        dict(
            variant=first["variant"],
            seed=first["seed"],
            a=first["accuracy"],
            b=results["rerun"]["accuracy"],
            verdict="identical" if same else "different",
        ),
    )
)
assert same, "two runs with the same seed gave different accuracies: training is not deterministic"

# %% [markdown]
# ## How the cache keeps these results fresh
#
# Training every model takes a while, so the results are stored under `.cache/experiments/` and
# reused by later builds. The key covers everything that can change them: this page's code cells,
# every file of the `kf` package, the data checksum, the seed and the versions of Python, NumPy,
# TensorFlow and Keras. Change any of them and the next build trains again. `make clean` drops
# the cache.

# %% tags=["hide-input"]
from kf import cache
from kf.data import load_digits

show_markdown(
    table(
        ["Key ingredient", "Value"],
        [
            ["data sha256", f"`{load_digits().sha256[:16]}…`"],
            ["kf package sha256", f"`{cache.package_digest()[:16]}…`"],
            *[[name, version] for name, version in cache.versions().items()],
        ],
        align="ll",
    )
)
