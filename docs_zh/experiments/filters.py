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
# # 滤波器学到了什么 { #what-the-filters-learn }
#
# 这里展示[训练对比](../training/)页中训练出的第一层：`Conv2D(64, (3,3))` 和 `Conv2D(32, (7,7))` 的卷积核，每个都与它训练前的初始卷积核并排放置。训练后的卷积核看起来有结构，可能只是因为随机初始化本身就显得有结构，所以这里的每个度量都做两次，在初始化时和训练之后各一次，覆盖每个随机种子，结论建立在两者之间的变化上。模型就是同一批模型：本页读取训练对比的已提交结果，其中存储了每个模型训练前后的第一层卷积核。

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
# ## 训练让卷积核改变了多少 { #how-far-training-moved-the-kernels }
#
# 对每个随机种子，在该层的所有滤波器上取平均：每个训练后的卷积核与它自己的初始卷积核之间的相关系数（1 表示没有变化），以及变化量相对于初始权重的大小。表中给出各随机种子的均值及其 95 % 区间。

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
# ## 训练前后的卷积核 { #the-kernels-before-and-after }
#
# 随机种子 0。每个小方块是一个滤波器的卷积核：红色权重加上像素的亮度，蓝色权重减去它。每对网格（初始化时、训练后）共用一个以零（白色）为中心对称的色标，因此对比度的变化就是权重的变化。

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
# ## 7×7 卷积核用到了它的外圈吗？ { #does-a-77-kernel-use-its-outer-ring }
#
# 如果 7×7 卷积核的外圈不起作用，这一层就只是一个代价更高的 3×3 层。一个度量是：每个卷积核的平方权重中，落在中央 3×3 内的份额。初始化时，它大约等于权重均匀分布时的值，因为 Keras 从同一个分布中独立地抽取每个权重。所以训练后的份额本身说明不了多少；相对初始化的变化才是训练带来的。

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
# ## 几个数字的特征图 { #feature-maps-for-a-few-digits }
#
# 前几个测试数字，以及每个训练后的层中的滤波器对它们的输出（经过 ReLU），由存储的卷积核和偏置在这里算出。每一层展示的，是对这些数字平均响应最强的滤波器。像素越亮，响应越强。特征图比数字小，因为 `valid` 填充会裁掉边缘（尺寸见图注）。

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
# 要留意的是：哪些卷积核变成了有方向的边缘检测器（一侧红、一侧蓝），哪些仍接近随机初始状态。特征图也显示了更大窗口的代价：每个 7×7 输出混合了 49 个像素，而不是 9 个。这在这些数字上能否换来更高的准确率，请见[训练对比](../training/)页。
