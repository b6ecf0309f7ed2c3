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
# # Scenarios: when the task decides
#
# "Small kernels, more filters" is a default, not a law. Two synthetic tasks, generated in code from
# fixed seeds, ask different things of a network's first layers:
#
# - **Motifs (local):** each image holds copies of one of a few small stroke patterns, over salt
#   noise. The class is the pattern. A window the size of the pattern decides.
# - **Rows (long-range):** each image holds two small marks, one near the left edge and one near the
#   right edge, over salt noise. The class is whether they are on the same row. No small window can
#   tell: one unit must see both marks.
#
# Every model ends in `GlobalMaxPooling2D` → `Dense`, so no dense layer can compare distant
# positions: only the convolutions' receptive field can. Within a task every variant gets the same
# parameter budget, and every variant is trained with the same seeds. The results come first; the
# design (budgets, padding, splits, training) follows below them.

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
# Test accuracy on held-out images whose configurations no model saw in training or early stopping:
# the mean over the seeds with its 95 % confidence interval (Student t). Training accuracy tells a
# model that never fitted its training images apart from one that fitted them and failed to
# generalise.

# %% tags=["hide-input"]
from kf import evidence
from kf import scenario_findings as findings
from kf.experiments import describe
from kf.notebook import num, show_markdown
from kf.render import table
from kf.scenarios import SCENARIOS, chance, make_splits, scenario, variants


def describe_short(layers: list) -> str:
    """The layers, with a run of identical ones written once with a count: '6 × (4×3×3)'."""
    parts = describe(layers).split(" → ")
    return f"{len(parts)} × ({parts[0]})" if len(parts) > 1 and len(set(parts)) == 1 else " → ".join(parts)


results = {task: scenario(task) for task in SCENARIOS}  # the committed per-seed results; never trains
chance_level = {task: chance(task) for task in SCENARIOS}
summaries = {task: findings.summary(task, r["rows"]) for task, r in results.items()}
show_markdown(evidence.draft_banner({"draft": any(r["draft"] for r in results.values())}))
show_markdown(
    findings.prose_facts(
        "Motifs: {classes} classes, {copies} stamps of a {motif}×{motif} pattern per image. Rows: two "
        "{mark}×{mark} marks. Seeds: {seeds}. Test images per task: {test}.",
    )
)
for task, summary in summaries.items():
    show_markdown(
        f"**{task}** (chance {findings.percent(chance_level[task])})\n\n"
        + table(
            ["Variant", "Parameters", "Test accuracy [95 % CI]", "Training accuracy"],
            [
                [
                    f"`{name}`",
                    num(s["params"]),
                    findings.ci_text(s["accuracy"]),
                    findings.percent(s["train_accuracy"]),
                ]
                for name, s in summary.items()
            ],
            align="lrrr",
        )
    )

# %% [markdown]
# ## Which differences are real
#
# Each row compares two variants seed by seed (the same seed gives both the same initialisation
# stream and the same order of training batches). A variant is called better only when the 95 %
# interval of the difference excludes 0.

# %% tags=["hide-input"]
from kf import stats

compared = {task: findings.comparisons(task, r["rows"]) for task, r in results.items()}
for task, found in compared.items():
    show_markdown(
        f"**{task}**\n\n"
        + table(
            ["a − b", "Held equal", "Difference (points) [95 % CI]", "Verdict"],
            [[f"`{c['a']}` − `{c['b']}`", c["held"], findings.diff_text(c["difference"]), c["verdict"]] for c in found],
            align="llrl",
        )
    )

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np

from kf.figures import FOREGROUND, PALETTE, style, svg_figure
from kf.notebook import show_html

with style():
    fig, axes = plt.subplots(2, 1, figsize=(8, 6.4), gridspec_kw={"height_ratios": [2, 3], "hspace": 0.45})
    for ax, (task, summary) in zip(axes, summaries.items(), strict=True):
        names = list(summary)
        lowest = min(100 * r["accuracy"] for r in results[task]["rows"])
        for y, name in enumerate(names):
            runs = [100 * r["accuracy"] for r in results[task]["rows"] if r["variant"] == name]
            interval = summary[name]["accuracy"]
            colour = PALETTE[y % len(PALETTE)]
            ax.plot(runs, [y] * len(runs), "o", color=colour, alpha=0.6, markersize=4)
            ax.errorbar(
                100 * interval.mean,
                y,
                xerr=[[100 * (interval.mean - interval.low)], [100 * (interval.high - interval.mean)]],
                fmt="|",
                color=FOREGROUND,
                capsize=4,
                markersize=14,
            )
        left = min(lowest, 100 * chance_level[task]) - 3 if lowest - 100 * chance_level[task] < 20 else lowest - 3
        if left <= 100 * chance_level[task]:
            ax.axvline(100 * chance_level[task], linestyle="--", color=FOREGROUND, linewidth=1)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(left, 100.5)
        ax.set_title(f"{task} (chance {100 * chance_level[task]:.0f} %)", fontsize=10)
    axes[-1].set_xlabel("Test accuracy (%)")
alt = (
    "Test accuracy per seed and 95 percent intervals: "
    + "; ".join(
        f"{task}: "
        + ", ".join(f"{n} {100 * s['accuracy'].mean:.1f} percent" for n, s in summary.items())
        + f", chance {100 * chance_level[task]:.0f} percent"
        for task, summary in summaries.items()
    )
    + "."
)
show_html(
    svg_figure(
        fig,
        alt,
        caption="Dots: one seed each. Bars: mean and 95 % interval. Dashed line: chance (where it is in range).",
    )
)

# %% [markdown]
# ## What the numbers say

# %% tags=["hide-input"]
from kf.render import prose


def verdict_of(task: str, a: str, b: str) -> dict:
    """The computed comparison of a − b in a task (paired by seed)."""
    return stats.compare(results[task]["rows"], a, b)


motif, rows_ = summaries["motifs"], summaries["rows"]
filters = findings.design_facts("motifs")["filters"]
long_range = [n for n in rows_ if n != "one 3×3 layer"]
beat_baseline = [n for n in long_range if verdict_of("rows", n, "one 3×3 layer")["verdict"] == stats.BETTER]
never_fit = [n for n in long_range if not findings.fits(rows_[n])]
show_markdown(
    prose(
        """
- **Local task, equal parameters:** {s_small_large}. At the budget where the 7×7 layer has
  {f7} filters (one per class), a 3×3 layer has {f3}.
- **The same 7×7 kernels with as many filters as the 3×3 layer:** {s_ctrl}; against the 3×3 layer,
  {s_equal_filters}. {decides}
- **Long-range task:** one 3×3 layer reaches {small}, {gap} points above chance ({chance_rows}): its
  field cannot hold both marks. {n_beat} of {n_long} ways to widen the receptive field beat it at equal parameters
  ({beat}). {s_dilated_large}; {s_pool_large}.
- **Wide enough, yet not fitted** (mean training accuracy below {fitted}): {never_fit_text}.
""",
        dict(
            s_small_large=stats.sentence(verdict_of("motifs", "3×3", "7×7")),
            f7=filters["7×7"],
            f3=filters["3×3"],
            s_ctrl=stats.sentence(verdict_of("motifs", "7×7, as many filters as 3×3", "7×7")),
            s_equal_filters=stats.sentence(verdict_of("motifs", "3×3", "7×7, as many filters as 3×3")),
            decides=(
                "So here the filter count the budget allows decides, not the kernel size."
                if verdict_of("motifs", "7×7, as many filters as 3×3", "7×7")["verdict"] == stats.BETTER
                and verdict_of("motifs", "3×3", "7×7, as many filters as 3×3")["verdict"] == stats.TIE
                else "These runs do not pin the difference on the filter count alone."
            ),
            small=findings.ci_text(rows_["one 3×3 layer"]["accuracy"]),
            chance_rows=findings.percent(chance_level["rows"]),
            gap=f"{100 * (rows_['one 3×3 layer']['accuracy'].mean - chance_level['rows']):.1f}",
            n_beat=len(beat_baseline),
            n_long=len(long_range),
            beat=", ".join(f"`{n}`" for n in beat_baseline) or "none",
            s_dilated_large=stats.sentence(verdict_of("rows", "dilated 3×3, d = 1, 2, 3", "large kernel 13×13")),
            s_pool_large=stats.sentence(verdict_of("rows", "3×3, pool 2, 3×3, pool 2, 3×3", "large kernel 13×13")),
            fitted=findings.percent(findings.FITTED),
            never_fit_text=(
                ", ".join(
                    f"`{n}` (training accuracy {findings.percent(rows_[n]['train_accuracy'])})" for n in never_fit
                )
                + ". Their field covers both marks, yet they did not even fit the training images, so they "
                "failed to learn, not to generalise. This experiment cannot say why: a deep stack of thin ReLU "
                "layers is hard to optimise, and its effective receptive field is centre-weighted (see the "
                "[effective receptive field](../erf/) page); the runs here do not separate the two"
                if never_fit
                else "none; every variant whose field covers both marks fitted its training images"
            ),
        ),
    )
)

# %% [markdown]
# ## What each task can and cannot show
#
# - **Motifs can show** whether, at a fixed parameter budget, a local task rewards more small
#   filters or fewer large ones, and (with the control) whether the kernel size or the filter count
#   makes the difference. **It cannot show** anything about long-range structure, about real
#   images, or about other budgets: only one was tested, the tightest that starves no variant.
# - **Rows can show** that a receptive field narrower than the marks' span cannot solve the task,
#   and how the ways of widening it compare at one budget. **It cannot show** why a model that
#   never fitted failed, which way is best on real images, or how the results change with more
#   data, other learning rates or normalisation layers, none of which were varied here.
# - **Neither** says anything about speed: the variants' MACs differ a lot (table in the design
#   section), and accuracy here is measured at one parameter budget only.
#
# ## The tasks
#
# Examples from the test split, and the generators (`snippets/kf/scenarios.py`):

# %% tags=["hide-input"]
with style():
    fig, axes = plt.subplots(2, 6, figsize=(8, 3.2))
    for row, task in zip(axes, SCENARIOS, strict=True):
        test = make_splits(task)["test"]
        for ax, image, y in zip(row, test.images[:6, ..., 0], test.labels[:6], strict=True):
            ax.imshow(image, cmap="gray_r", interpolation="nearest")
            ax.set_title(f"motif {y}" if task == "motifs" else ("same row" if y else "different rows"), fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
sizes = {task: SCENARIOS[task]["image_size"] for task in SCENARIOS}
show_html(
    svg_figure(
        fig,
        "Six test images of each task: motif images labelled by motif, and two-mark images labelled "
        "same row or different rows.",
        caption=f"Top: motifs, {sizes['motifs']}×{sizes['motifs']} pixels. "
        f"Bottom: rows, {sizes['rows']}×{sizes['rows']} pixels.",
    )
)

# %% tags=["hide-input"]
from kf.notebook import show_source
from kf.scenarios import motif_images, motifs, row_images

show_source(motifs, motif_images, row_images)

# %% [markdown]
# ## A fair design
#
# - **Equal parameters.** Each variant's filter count is the largest whose whole model (the
#   `Dense` head included) stays within the task's budget. The motifs budget is the smallest one
#   that still gives the 7×7 layer one filter per class, so no variant is starved below the number
#   of classes; the control shows what the budget costs the 7×7 layer.
# - **No blind positions.** `same` padding gives every pixel a window centred on it. With `valid`
#   padding a large kernel has fewer windows per axis than there are motif positions, so a filter
#   misses some positions whatever offset it learns (last column). For rows, the last column says
#   whether some unit's window holds a column of both marks, for every mark position.

# %% tags=["hide-input"]
from kf.experiments import macs, receptive_field
from kf.scenarios import blind_motif_positions, budget_of, classes_of, sees_both_marks

for task in SCENARIOS:
    size = SCENARIOS[task]["image_size"]
    rows_of_task = []
    for name, layers in variants(task).items():
        if task == "motifs":
            same, valid = blind_motif_positions(size, layers, "same"), blind_motif_positions(size, layers, "valid")
            check = f"{same} (`valid`: {valid})"
        else:
            check = "yes" if sees_both_marks(size, layers, "same") else "no"
        rows_of_task.append(
            [
                f"`{name}`",
                describe_short(layers),
                num(summaries[task][name]["params"]),
                num(macs(layers, (size, size, 1), classes_of(task), "gmp", "same")),
                f"{receptive_field(layers)}×{receptive_field(layers)}",
                check,
            ]
        )
    show_markdown(
        f"**{task}**: {size}×{size} images, a budget of {num(budget_of(task))} parameters\n\n"
        + table(
            [
                "Variant",
                "Layers",
                "Parameters",
                "MACs per image",
                "RF",
                "Blind motif positions per axis" if task == "motifs" else "Sees both marks",
            ],
            rows_of_task,
            align="llrrrl",
        )
    )

# %% [markdown]
# ## Splits that cannot overlap
#
# Each example carries its latent configuration: the class and where the motifs were stamped, or
# where the two marks are. A hash of that configuration picks the split, so one configuration, and
# therefore one image, can never land in two splits; within a split a repeated image is dropped.
# Each split holds the same number of examples of every class. The overlaps below are counted
# after generation, not assumed.

# %% tags=["hide-input"]
from kf.scenarios import SPLITS, overlap

split_rows = []
for task in SCENARIOS:
    splits = make_splits(task)
    shared = [overlap(splits[a], splits[b]) for i, a in enumerate(SPLITS) for b in SPLITS[i + 1 :]]
    split_rows.append(
        [
            task,
            " / ".join(num(len(splits[s].labels)) for s in SPLITS),
            " / ".join(num(len(set(splits[s].keys))) for s in SPLITS),
            num(sum(s["images"] for s in shared)),
            num(sum(s["configurations"] for s in shared)),
        ]
    )
show_markdown(
    table(
        [
            "Task",
            "Images: train / validation / test",
            "Distinct configurations",
            "Images in two splits",
            "Configurations in two splits",
        ],
        split_rows,
    )
)

# %% [markdown]
# ## Training
#
# Adam, with early stopping on the validation split: after an epoch without a lower validation
# loss the learning rate is halved, training stops after a set number of such epochs, and the
# weights of the best epoch are kept. The settings, and the validation curves (mean over seeds):

# %% tags=["hide-input"]
from kf.scenarios import SCENARIO_TRAINING, SEEDS

show_markdown(
    table(
        ["Setting", "Value"],
        [[k, v] for k, v in SCENARIO_TRAINING.items()] + [["seeds", ", ".join(str(s) for s in SEEDS)]],
        align="ll",
    )
)
capped = {
    task: [r for r in found["rows"] if r["best_epoch"] == SCENARIO_TRAINING["max_epochs"]]
    for task, found in results.items()
}
show_markdown(
    prose(
        "Runs whose best epoch was the last allowed one ({cap}), so their validation loss was still falling: "
        "{text}. Those models might gain from longer training; their accuracies are what this budget gives.",
        dict(
            cap=SCENARIO_TRAINING["max_epochs"],
            text="; ".join(
                f"{task}: {len(capped[task])} of {len(results[task]['rows'])}"
                + (" (" + ", ".join(sorted({f"`{r['variant']}`" for r in capped[task]})) + ")" if capped[task] else "")
                for task in results
            ),
        ),
    )
)
with style():
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.6), sharey=True)
    for ax, task in zip(axes, SCENARIOS, strict=True):
        for index, name in enumerate(variants(task)):
            curves = [r["history"]["val_accuracy"] for r in results[task]["rows"] if r["variant"] == name]
            longest = max(len(c) for c in curves)
            mean = [np.mean([c[e] for c in curves if len(c) > e]) for e in range(longest)]
            ax.plot(range(1, longest + 1), 100 * np.asarray(mean), "o-", markersize=3, label=name,
                    color=PALETTE[index % len(PALETTE)])  # fmt: skip
        ax.set_title(task, fontsize=10)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    axes[0].set_ylabel("Validation accuracy (%)")
show_html(
    svg_figure(
        fig,
        "Validation accuracy per epoch, mean over seeds, for every variant of both tasks: "
        + "; ".join(
            f"{task}: " + ", ".join(f"{n} best epoch {s['best_epoch']:.1f}" for n, s in summaries[task].items())
            for task in SCENARIOS
        )
        + ".",
        caption="Validation accuracy per epoch (mean over the seeds still training at that epoch).",
    )
)
