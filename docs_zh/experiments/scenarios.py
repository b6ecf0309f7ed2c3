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
# # 场景：由任务决定 { #scenarios-when-the-task-decides }
#
# “小卷积核、多滤波器”是默认做法，而不是定律。下面两个合成任务由代码从固定的随机种子生成，对网络前几层的要求各不相同：
#
# - **图案（局部）**：每幅图像在盐噪声（随机亮点）之上印有若干份同一个小笔画图案，图案共有几种，类别就是图案。一个与图案一样大的窗口就足以判断。
# - **行（远距离）**：每幅图像在盐噪声之上有两个小标记，一个靠近左边缘，一个靠近右边缘。类别是这两个标记是否在同一行。任何小窗口都无法判断：必须有一个单元同时看到两个标记。
#
# 每个模型都以 `GlobalMaxPooling2D` → `Dense` 结尾，因此全连接层无法比较相距很远的位置：只有卷积的感受野能做到。在同一任务中，每个变体的参数预算相同，并且都用同样的随机种子训练。先给出结果；设计（预算、填充、数据划分、训练）放在结果之后。

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
# ## 结果 { #results }
#
# 测试准确率在留出的图像上测得：这些图像的配置没有任何模型在训练或提前停止时见过。表中给出各随机种子的均值及其 95 % 置信区间（Student t）。训练准确率可以区分两种模型：一种从未拟合其训练图像，另一种拟合了训练图像却未能泛化。

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
# ## 哪些差异是真实的 { #which-differences-are-real }
#
# 每一行按随机种子逐一比较两个变体（同一随机种子让两者得到相同的初始化随机流和相同的训练批量顺序）。只有当差值的 95 % 区间不包含 0 时，才称一个变体更好。

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
# ## 这些数字说明了什么 { #what-the-numbers-say }

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
# ## 每个任务能说明什么、不能说明什么 { #what-each-task-can-and-cannot-show }
#
# - **图案任务能说明**：在固定的参数预算下，局部任务更青睐更多的小滤波器还是更少的大滤波器，以及（借助对照变体）造成差异的是卷积核大小还是滤波器数量。**它不能说明**远距离结构、真实图像或其他预算下的情况：这里只测试了一个预算，即不让任何变体的滤波器少于类别数的最紧预算。
# - **行任务能说明**：窄到容纳不下两个标记的感受野无法解决该任务，以及在同一预算下各种扩大感受野的方法孰优孰劣。**它不能说明**一个从未拟合的模型为什么失败、哪种方法在真实图像上最好，以及结果如何随更多数据、其他学习率或规范化层而变化：这些在这里都没有改变过。
# - **两者都**不涉及速度：各变体的乘加运算次数相差很大（见设计一节的表格），而这里的准确率只在一个参数预算下测量。
#
# ## 任务 { #the-tasks }
#
# 测试集中的示例，以及生成器（`snippets/kf/scenarios.py`）：

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
# ## 公平的设计 { #a-fair-design }
#
# - **参数相同**：每个变体的滤波器数量取最大值，使整个模型（包括 `Dense` 输出层）不超出该任务的预算。图案任务的预算是仍能让 7×7 层为每个类别配一个滤波器的最小预算，因此没有变体的滤波器数少于类别数；对照变体显示了这个预算让 7×7 层付出的代价。
# - **没有盲区位置**：`same` 填充让每个像素都有一个以它为中心的窗口。使用 `valid` 填充时，大卷积核在每个轴上的窗口数少于图案可能出现的位置数，因此无论滤波器学到什么偏移，都会漏掉一些位置（最后一列）。对于行任务，最后一列表示：对每一种标记位置，是否都有某个单元的窗口同时覆盖两个标记所在的列。

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
# ## 不会重叠的数据划分 { #splits-that-cannot-overlap }
#
# 每个样本都带有它的潜在配置：类别以及图案印在哪里，或者两个标记在哪里。由这个配置的哈希值决定样本属于哪个划分，因此同一个配置（从而同一幅图像）永远不会落入两个划分；在同一划分内，重复的图像会被丢弃。每个划分中各类别的样本数相同。下面的重叠数是在生成之后数出来的，而不是假定的。

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
# ## 训练 { #training }
#
# 使用 Adam，并在验证集上提前停止：某一轮之后验证损失没有降低，学习率就减半；这样的轮数达到设定次数后停止训练，并保留最佳一轮的权重。训练设置和验证曲线（各随机种子的均值）如下：

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
