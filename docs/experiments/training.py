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
# layer goes into the same small classifier: the layer(s), then `MaxPooling2D(2)`, `Flatten`,
# `Dropout` and `Dense(10)`. Each classifier is trained with several seeds on all the MNIST digits
# in the repository, until its validation loss stops improving. Two extra variants each hold one
# cost equal to a seed layer (parameters, or MACs), one matches the 7×7 receptive field with a
# stack of 3×3 layers, and one is depthwise-separable. The data, seeds and settings are listed
# under [How every model is trained](#how-every-model-is-trained).
#
# The models are trained once, by `make experiments`, and their results are committed under
# `results/`. Building this page trains nothing: it loads the committed results whose key matches
# the current code and data, and the build fails if there is none.

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
# ## Results
#
# Test accuracy is measured on held-out test digits that no model saw during training or early
# stopping. Each cell is the mean over the seeds with its 95 % confidence interval (Student t over
# the seeds). Parameters come from Keras' `count_params()`; MACs (multiply–accumulates per image)
# from the formulas in `kf.convmath`, the `Dense(10)` layer included.

# %% tags=["hide-input"]
from kf import evidence
from kf.experiments import COMPARISON, comparison
from kf.notebook import num, show_markdown
from kf.render import table

results = comparison()  # the committed per-seed results; never trains
show_markdown(evidence.draft_banner(results))
summary = evidence.variants(results["rows"])
show_markdown(
    table(
        ["Variant", "Test accuracy, mean [95 % CI]", "Parameters", "MACs per image", "Receptive field"],
        [
            [
                f"`{name}`",
                evidence.ci_text(v["accuracy"]),
                num(v["params"]),
                num(v["macs"]),
                f"{v['receptive_field']}×{v['receptive_field']}",
            ]
            for name, v in summary.items()
        ],
        align="lrrrr",
    )
)

# %% [markdown]
# ## Which differences are real
#
# Each row compares two variants seed by seed: the same seed gives both the same initialisation
# stream and the same order of training batches, so the luck of a seed cancels in the difference.
# A variant is called better only when the 95 % interval of the difference excludes 0. Below the
# table, each pair's verdict says what the pair holds equal and how far apart the costs it does not
# hold equal are (the variants' parameter and MAC budgets are in the table above).

# %% tags=["hide-input"]
from kf import stats

compared = evidence.pairs(results["rows"])
show_markdown(
    table(
        ["a − b", "Difference, points [95 % CI]", "Verdict"],
        [[f"`{c['a']}` − `{c['b']}`", evidence.diff_text(c["difference"]), c["verdict"]] for c in compared],
        align="lrl",
    )
)
show_markdown(
    "\n".join(
        f"- {stats.sentence(c)}. Held equal: {c['held']}. Costs of a ÷ b: parameters "
        f"{c['params_ratio']:.2f}×, MACs {c['macs_ratio']:.2f}×."
        for c in compared
    )
)

# %% [markdown]
# Every interval is a 95 % interval on its own. With several comparisons, one of them could miss
# by chance; a verdict near the line is weak evidence either way. All pairs share the data, the
# seeds, the training recipe and the classifier head. What a pair does not hold equal is in its
# cost ratios: the `Dense(10)` layer holds most of the parameters and grows with the number of
# filters, while the convolution holds most of the MACs and grows with the kernel area.

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

from kf.figures import PALETTE, style, svg_figure
from kf.notebook import show_html

with style():
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
    for ax, field, label in ((axes[0], "params", "Parameters"), (axes[1], "macs", "MACs per image")):
        for colour, (name, v) in zip(PALETTE, summary.items(), strict=False):
            interval = v["accuracy"]
            ax.errorbar(
                v[field],
                100 * interval.mean,
                yerr=[[100 * (interval.mean - interval.low)], [100 * (interval.high - interval.mean)]],
                fmt="o",
                color=colour,
                capsize=3,
                label=name,
            )
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap on a narrow axis
        ax.set_xlabel(f"{label} (log scale)")
    axes[0].set_ylabel("Test accuracy (%)")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Mean test accuracy over seeds with its 95 % confidence interval", fontsize=10)
alt = "Two plots of test accuracy against parameters and against MACs: " + "; ".join(
    f"{name} {evidence.ci_text(v['accuracy'])} with {num(v['params'])} parameters and {num(v['macs'])} MACs"
    for name, v in summary.items()
)
show_html(svg_figure(fig, alt, caption="Accuracy against cost; bars are 95 % confidence intervals over seeds."))

# %% [markdown]
# ## Learning curves of the two seed layers
#
# Validation loss and accuracy after every epoch, one line per seed. After each epoch without a
# lower validation loss the learning rate is halved; after `patience` such epochs in a row the run
# stops and keeps the weights of its best epoch (marked). A run that stops this way has converged
# for this recipe: its last epochs, at a fraction of the learning rate, no longer lowered the
# validation loss. A run that reaches the epoch limit first has not been shown to converge; the
# list below names every such run.

# %% tags=["hide-input"]
from kf.experiments import TRAINING

with style():
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for colour, name in zip(PALETTE[:2], ("64×3×3", "32×7×7"), strict=True):
        for row in (r for r in results["rows"] if r["variant"] == name):
            epochs = range(1, row["epochs_run"] + 1)
            label = name if row["seed"] == COMPARISON["seeds"][0] else None
            axes[0].plot(epochs, row["history"]["val_loss"], color=colour, alpha=0.8, label=label)
            axes[1].plot(epochs, [100 * a for a in row["history"]["val_accuracy"]], color=colour, alpha=0.8)
            best = row["best_epoch"]
            axes[0].plot(best, row["history"]["val_loss"][best - 1], "o", color=colour, markersize=4)
    axes[0].set_ylabel("Validation loss")
    axes[1].set_ylabel("Validation accuracy (%)")
    for ax in axes:
        ax.set_xlabel("Epoch")
    axes[0].legend()
    fig.suptitle("One line per seed; dots mark the epoch whose weights were kept", fontsize=10)
alt = (
    f"Validation loss and accuracy per epoch for 64×3×3 and 32×7×7, {len(COMPARISON['seeds'])} seeds each: "
    + "; ".join(
        f"{name} stopped after {summary[name]['epochs_run']:.1f} epochs on average, best at {summary[name]['best_epoch']:.1f}"
        for name in ("64×3×3", "32×7×7")
    )
)
show_html(svg_figure(fig, alt, caption="Learning curves on the validation digits."))
capped = evidence.capped_runs(results["rows"])
stopped = len(results["rows"]) - len(capped)
show_markdown(
    f"{stopped} of {len(results['rows'])} runs stopped on the validation loss before the limit of "
    f"{TRAINING['max_epochs']} epochs."
    + (
        " Still improving at the limit: "
        + ", ".join(f"{r['variant']} seed {r['seed']} (best epoch {r['best_epoch']})" for r in capped)
        + ". Its accuracy may be slightly below what longer training would give."
        if capped
        else ""
    )
)

# %% [markdown]
# ## How every model is trained
#
# One function trains every model, and its keyword defaults are the settings in the table below,
# so the code and the table cannot disagree. Its source, from `snippets/kf/experiments.py`:

# %% tags=["hide-input"]
from kf.experiments import train
from kf.notebook import show_source

show_source(train)
show_markdown(table(["Setting", "Value"], [[k, f"`{v}`"] for k, v in TRAINING.items()], align="ll"))
split = COMPARISON["split"]
show_markdown(
    f"Data: the {num(sum(split.values()))} digits of `data/mnist_subset.npz`, split into "
    f"{num(split['train'])} for training, {num(split['validation'])} for validation (early stopping and "
    f"the learning-rate schedule) and {num(split['test'])} for the test accuracy, with no image in two "
    f"splits. Seeds: {', '.join(str(s) for s in COMPARISON['seeds'])}."
)

# %% [markdown]
# `tests/test_training.py` checks that the accuracy reported is measured on held-out images: it
# trains a model on shuffled labels until the model has memorised its training images, and the
# reported accuracy must stay at chance. It also retrains one (variant, seed) pair from scratch and
# checks that it reproduces the committed numbers: training is deterministic
# (`keras.utils.set_random_seed`, `tf.config.experimental.enable_op_determinism()`,
# [TensorFlow docs](https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism)).
#
# ## Training time
#
# Time per epoch is the median over each run's epochs after the first: the first epoch also traces
# and compiles the training step, a one-off cost shown separately. Both were **measured on the
# machine that ran `make experiments`** (below), on a CPU shared with other work, so they show
# relative cost, not a benchmark.

# %% tags=["hide-input"]
show_markdown(
    table(
        ["Variant", "Seconds per epoch (median)", "First epoch, with tracing (s)", "Epochs run (mean)"],
        [
            [f"`{name}`", f"{v['seconds_per_epoch']:.2f}", f"{v['first_epoch_seconds']:.2f}", f"{v['epochs_run']:.1f}"]
            for name, v in summary.items()
        ],
    )
)

# %% [markdown]
# ## Where these results come from
#
# Each (variant, seed) pair is one file under `results/training/`, keyed by everything that can
# change its numbers: the training code (`snippets/kf/experiments.py` and the `kf` modules it
# imports), the settings, the seed, the data checksum and the versions of Python, NumPy,
# TensorFlow and Keras. Editing this page's prose or plots changes no key. Change the training code
# and the build stops, naming the experiment and the command that refreshes it
# (`make experiments`).

# %% tags=["hide-input"]
show_markdown(evidence.provenance_table(results["rows"]))
