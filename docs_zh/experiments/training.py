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
# # 训练对比 { #training-comparison }
#
# 答案页在纸面上比较了这两个层。本页则训练它们。每个候选的第一层都放进同一个小分类器：这一层（或几层），然后是 `MaxPooling2D(2)`、`Flatten`、`Dropout` 和 `Dense(10)`。每个分类器用多个随机种子，在仓库中的全部 MNIST 数字上训练，直到验证损失不再下降。另有两个变体各自让一项代价（参数或乘加运算次数）与一个种子层持平，一个变体用 3×3 层的堆叠达到 7×7 的感受野，还有一个是深度可分离卷积。数据、随机种子和设置都列在[每个模型如何训练](#how-every-model-is-trained)中。
#
# 这些模型只由 `make experiments` 训练一次，结果提交在 `results/` 下。构建本页不训练任何模型：它加载键与当前代码和数据相匹配的已提交结果，如果没有这样的结果，构建就会失败。

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
# 测试准确率在留出的测试数字上测量，任何模型在训练或提前停止时都没有见过它们。每个单元格是各随机种子上的均值及其 95 % 置信区间（基于随机种子的 Student t 分布）。参数来自 Keras 的 `count_params()`；乘加运算次数（每张图像的乘加运算）来自 `kf.convmath` 中的公式，包括 `Dense(10)` 层。

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
# ## 哪些差异是真实的 { #which-differences-are-real }
#
# 每一行按随机种子逐一比较两个变体：同一个随机种子给两者相同的初始化随机数流和相同的训练批量顺序，所以随机种子带来的运气在差值中相互抵消。只有当差值的 95 % 区间不包含 0 时，才说一个变体更好。表格下方，每一对的结论说明这一对保持了什么相同，以及没有保持相同的代价相差多少（各变体的参数和乘加运算预算见上表）。

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
# 每个区间单独来看都是 95 % 区间。做了多次比较，其中某一个就可能因偶然而偏离；接近界线的结论，无论偏向哪边，都只是弱证据。所有的对共享同样的数据、随机种子、训练方法和分类器输出层。一对变体没有保持相同的东西，体现在它的代价之比中：`Dense(10)` 层占了大部分参数，并随滤波器数量增长；而卷积占了大部分乘加运算，并随卷积核面积增长。

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
# ## 两个种子层的学习曲线 { #learning-curves-of-the-two-seed-layers }
#
# 每轮之后的验证损失和验证准确率，每个随机种子一条线。每当一轮没有使验证损失降低，学习率就减半；连续 `patience` 轮如此，训练就停止，并保留最佳一轮的权重（已标出）。以这种方式停止的训练，对这套训练方法而言已经收敛：它最后几轮的学习率只剩一小部分，已经无法再降低验证损失。先达到轮数上限的训练则没有被证明已收敛；下面的列表会列出每一个这样的训练。

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
# ## 每个模型如何训练 { #how-every-model-is-trained }
#
# 所有模型都由同一个函数训练，它的关键字参数默认值就是下表中的设置，所以代码和表格不可能不一致。它的源代码，来自 `snippets/kf/experiments.py`：

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
# `tests/test_training.py` 检查报告的准确率是在留出的图像上测得的：它在打乱的标签上训练一个模型，直到模型记住了它的训练图像，而报告的准确率必须停留在随机猜测的水平。它还会从头重新训练一个（变体，随机种子）组合，并检查它复现了已提交的数字：训练是确定性的（`keras.utils.set_random_seed`、`tf.config.experimental.enable_op_determinism()`，[TensorFlow 文档](https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism)）。
#
# ## 训练时间 { #training-time }
#
# 每轮时间是每次训练中除第一轮以外各轮的中位数：第一轮还要追踪并编译训练步骤，这是一次性的开销，单独列出。两者都是**在运行 `make experiments` 的机器上测得的**（见下文），那台机器的 CPU 同时还在做其他工作，所以它们反映的是相对代价，而不是基准测试。

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
# ## 这些结果从哪里来 { #where-these-results-come-from }
#
# 每个（变体，随机种子）组合是 `results/training/` 下的一个文件，它的键涵盖了所有可能改变其数字的东西：训练代码（`snippets/kf/experiments.py` 及其导入的 `kf` 模块）、设置、随机种子、数据校验和，以及 Python、NumPy、TensorFlow 和 Keras 的版本。编辑本页的文字或图不会改变任何键。修改训练代码，构建就会停止，并指出是哪个实验以及刷新它的命令（`make experiments`）。

# %% tags=["hide-input"]
show_markdown(evidence.provenance_table(results["rows"]))
