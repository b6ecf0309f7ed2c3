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
# # 有效感受野 { #effective-receptive-field }
#
# 三个堆叠的 3×3 层和一个 7×7 层的**理论**感受野相同：每个输出都看到输入中一块 7×7 的区域。但这并不意味着区域中的每个像素作用相同。Luo et al.（NeurIPS 2016）用输出对输入的梯度来衡量每个输入像素*实际上*在多大程度上改变一个输出，这就是**有效感受野**（effective receptive field，ERF）。本页先在初始化时测量它，并与它应当遵循的理论对照；再在训练之后测量，所用模型一直训练到验证损失不再改善为止。

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
# ## 初始化时：测得的宽度与理论对照 { #at-initialisation-the-measured-spread-beside-the-theory }
#
# 当所有权重相等且没有非线性时，步幅为 1 的层堆叠起来的 ERF 就是各卷积核方框的卷积。方差可以相加，所以它在每个轴上的标准差为 σ = √(Σ (kᵢ² − 1)/12)：理论感受野随深度线性增长，而 σ 只按 √深度 增长。下表把这一理论与对 3×3 层堆叠的三种测量并列，每种测量都给出各随机种子的均值及其 95 % 区间：同样的均匀权重（用来检验测量本身）、没有 ReLU 的随机初始权重，以及真实的初始网络（随机权重、ReLU、输入为数字图像）。

# %% tags=["hide-input"]
from kf import erf_findings as findings
from kf import evidence
from kf.erf import ERF, kernels_of, stack_layers, uniform_sigma
from kf.experiments import receptive_field
from kf.notebook import show_markdown
from kf.render import table

results = findings.load()  # the committed results; never trains
show_markdown(evidence.draft_banner(results))
depths = findings.depth_table(results["depth"]["rows"])
exponents = findings.depth_exponents(depths)
kinds = list(findings.KIND_LABELS)
shown = kinds[1:]  # the uniform-weight measurement equals the theory (see below), so the table leaves it out
show_markdown(
    table(
        ["3×3 layers (RF)", "Theory σ", *(findings.KIND_SHORT[k] for k in shown)],
        [
            [
                f"{depth} ({receptive_field(stack_layers(depth))}×{receptive_field(stack_layers(depth))})",
                f"{entry['theory']:.2f}",
                *(findings.sigma_text(entry[k]) for k in shown),
            ]
            for depth, entry in depths.items()
        ]
        + [["growth exponent", f"{exponents['theory']:.2f}", *(f"{exponents[k]:.2f}" for k in shown)]],
        align="lr" + "r" * len(shown),
    )
    + "\n\nσ in pixels, mean [95 % CI] over the seeds; the theoretical field itself grows with exponent 1. "
    + "; ".join(f"**{findings.KIND_SHORT[k]}**: {findings.KIND_LABELS[k]}" for k in shown)
    + "."
)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np

from kf.figures import FOREGROUND, PALETTE, style, svg_figure
from kf.notebook import show_html

with style():
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    xs = list(depths)
    ax.plot(xs, [depths[d]["theory"] for d in xs], "-", color=FOREGROUND, linewidth=2, label="theory, uniform weights")
    for index, kind in enumerate(kinds):
        means = [depths[d][kind].mean for d in xs]
        errors = [
            [depths[d][kind].mean - depths[d][kind].low for d in xs],
            [depths[d][kind].high - depths[d][kind].mean for d in xs],
        ]
        ax.errorbar(xs, means, yerr=errors, fmt="o--", color=PALETTE[index], markersize=4, capsize=3,
                    label=findings.KIND_LABELS[kind])  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs, [str(d) for d in xs])
    ax.set_yticks([0.75, 1, 1.5, 2, 3, 4], ["0.75", "1", "1.5", "2", "3", "4"])
    ax.minorticks_off()
    ax.set_xlabel("stacked 3×3 layers (log scale)")
    ax.set_ylabel("σ of the ERF, pixels (log)")
    ax.legend(fontsize=7)
alt = (
    "Log-log plot of the ERF's sigma against depth: the uniform-weight theory, a line of slope "
    f"{exponents['theory']:.2f}, and the three measurements, with growth exponents "
    + ", ".join(f"{findings.KIND_LABELS[k]} {exponents[k]:.2f}" for k in kinds)
    + "."
)
show_html(svg_figure(fig, alt, caption="σ against depth, both axes logarithmic: a slope of 0.5 is the √depth law."))

# %% [markdown]
# ### 测量在哪里偏离理论，以及原因 { #where-the-measurement-departs-from-the-theory-and-why }

# %% tags=["hide-input"]
from kf.render import prose

deepest = max(depths)
uniform_error = max(abs(depths[d]["uniform"].mean - depths[d]["theory"]) for d in depths)
ratio = {k: depths[deepest][k].mean / depths[deepest]["theory"] for k in kinds}
show_markdown(
    prose(
        """
- **Uniform weights** reproduce the theory to {decimals} decimal places at every depth: the
  measurement is right.
- **Random weights, no ReLU:** at {deepest} layers the mean |gradient| has σ {r_abs:.2f}× the theory.
  With random signs the paths from a pixel to the unit partly cancel, so the gradient is a sum of
  many random terms: its *variance* grows with the number of paths (the uniform-weight count), its
  *size* only with the square root of it. A square root widens a Gaussian by √2 ≈ {sqrt2:.2f}. The
  squared gradient undoes the square root and lands at {r_sq:.2f}× the theory; {sq_within}
- **With ReLU, on digits:** σ is {r_relu:.2f}× the theory, {relu_vs_linear} than without ReLU. A ReLU
  passes the gradient only where its input is positive. With zero initial biases, units over the
  black background of a digit get exactly 0 and pass nothing, so paths through the background are
  cut, and the digits' strokes sit near the centre.
- **Growth with depth:** σ grows with exponent {e_theory:.2f} in the theory (the √depth law) and
  {e_list} in the measurements: {law_text} The theoretical field grows linearly (exponent 1).
""",
        dict(
            decimals=int(-np.floor(np.log10(max(uniform_error, 1e-15)))) - 1,
            deepest=deepest,
            r_abs=ratio["random"],
            sqrt2=2**0.5,
            r_sq=ratio["random_squared"],
            sq_within=(
                "the theory lies inside its 95 % interval at every depth."
                if all(e["random_squared"].low <= e["theory"] <= e["random_squared"].high for e in depths.values())
                else "the theory lies outside its 95 % interval at "
                + ", ".join(
                    str(d)
                    for d, e in depths.items()
                    if not e["random_squared"].low <= e["theory"] <= e["random_squared"].high
                )
                + " layers."
            ),
            r_relu=ratio["random_relu"],
            relu_vs_linear="narrower" if ratio["random_relu"] < ratio["random"] else "no narrower",
            e_theory=exponents["theory"],
            e_list=", ".join(f"{exponents[k]:.2f} ({findings.KIND_LABELS[k]})" for k in kinds[1:]),
            law_text=(
                "every measurement is closer to √depth than to linear growth."
                if all(abs(exponents[k] - 0.5) < abs(exponents[k] - 1) for k in kinds)
                else "not every measurement is closer to √depth than to linear growth."
            ),
        ),
    )
)

# %% [markdown]
# ## 训练之后 { #after-training }
#
# 模型的训练方式与[训练对比](../training/)页相同，并使用其随机种子（相同的数据、相同的训练方案、在验证集上提前停止）：对比中的单层 `32×7×7` 和 `64×3×3` 模型，它们的 ERF 可以由存储的第一层权重精确算出；以及在本页训练的、感受野为 7×7 的 3×3 层堆叠。变化量是训练后的 σ 减去初始 σ，按随机种子逐一计算（初始权重相同）；只有当它的 95 % 区间不包含 0 时，才判断变化的方向。

# %% tags=["hide-input"]
from kf.erf import digits_for_erf
from kf.experiments import COMPARISON

images, _ = digits_for_erf(ERF["images"])
runs = {name: findings.single_layer_runs(name, images) for name in ERF["single"]}  # the comparison's runs
show_markdown(evidence.draft_banner({"draft": any(r["draft"] for found in runs.values() for r in found)}))
stack_name = "3 × (16×3×3)"
runs[stack_name] = results["stack"]
changes = {name: findings.change(found) for name, found in runs.items()}
show_markdown(
    f"`{stack_name}` is trained here with the comparison's recipe except "
    + ", ".join(f"`{k}` = {v}" for k, v in ERF["stack_training"].items())
    + ": no augmentation or dropout, so its weights are not the comparison's model of the same shape."
)
show_markdown(
    table(
        ["Model", "Test accuracy", "σ at init", "σ trained", "Change", "Direction"],
        [
            [
                f"`{name}`",
                evidence.ci_text(c["accuracy"]),
                findings.sigma_text(c["init"]),
                findings.sigma_text(c["trained"]),
                findings.signed_text(c["difference"]),
                c["direction"],
            ]
            for name, c in changes.items()
        ],
        align="lrrrrl",
    )
    + f"\n\nMean [95 % CI] over {min(len(found) for found in runs.values())} seeds per model; σ and its change "
    "(trained − initial, paired by seed) in pixels."
)

# %% tags=["hide-input"]
from matplotlib.patches import Rectangle

window = 6  # pixels shown on each side of the centre
fields = {name: receptive_field(COMPARISON["variants"][name]) for name in ERF["single"]} | {
    stack_name: receptive_field(ERF["stack"])
}
with style():
    fig, axes = plt.subplots(2, len(runs), figsize=(7.5, 5.0))
    for column, (name, found) in enumerate(runs.items()):
        for row_index, stage in enumerate(("init", "trained")):
            ax = axes[row_index, column]
            erf = findings.mean_map(found, stage)
            cy = cx = erf.shape[0] // 2  # every model's centre unit sits over the image centre
            crop = erf[cy - window : cy + window + 1, cx - window : cx + window + 1]
            ax.imshow(crop, cmap="magma", interpolation="nearest")
            half = fields[name] / 2
            ax.add_patch(
                Rectangle(
                    (window - half, window - half), 2 * half, 2 * half, fill=False, edgecolor="#56B4E9", linewidth=1.2
                )
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            sigma = changes[name][stage].mean
            ax.set_title(f"{name}\n{'at init' if stage == 'init' else 'trained'}, σ = {sigma:.2f}", fontsize=8)
alt = "Seed-mean ERF maps at initialisation (top) and after training (bottom): " + "; ".join(
    f"{name}: sigma {c['init'].mean:.2f} then {c['trained'].mean:.2f} pixels" for name, c in changes.items()
)
show_html(
    svg_figure(
        fig, alt + ".", caption="Mean |gradient| of the centre unit over the seeds; blue square: the theoretical field."
    )
)

# %% [markdown]
# ### 与 Luo et al. 的比较 { #compared-with-luo-et-al }

# %% tags=["hide-input"]
show_markdown(
    prose(
        """
- **Same theoretical field, at initialisation:** the uniform-weight theory gives σ = {t7:.2f} px for
  one 7×7 layer and {t3:.2f} px for three 3×3 layers. Measured with the real initial weights on
  digits: {m7} px for `32×7×7` and {m3} px for `{stack}`. The stack concentrates on the centre.
- **Well trained:** the lowest test accuracy over all seeds of these models is {floor}.
- **Direction of change:** {citation} report that the ERF **{luo}** during training, for deep
  networks trained on CIFAR-10 classification and CamVid segmentation. Here: {summary}.
""",
        dict(
            t7=uniform_sigma([7]),
            t3=uniform_sigma(kernels_of(ERF["stack"])),
            m7=findings.sigma_text(changes["32×7×7"]["init"]),
            m3=findings.sigma_text(changes[stack_name]["init"]),
            stack=stack_name,
            floor=f"{100 * min(findings.accuracy_floor(found) for found in runs.values()):.1f} %",
            citation=findings.LUO_CITATION,
            luo=findings.LUO_DIRECTION,
            summary="; ".join(
                f"`{n}`: {c['direction']} ({findings.signed_text(c['difference'])} px)" for n, c in changes.items()
            ),
        ),
    )
)

by_direction = {
    direction: [f"`{n}`" for n, c in changes.items() if c["direction"] == direction]
    for direction in (findings.GROWS, findings.SHRINKS, findings.UNCHANGED)
}
verdict_lines = [
    f"- {label}: {', '.join(by_direction[direction])}."
    for direction, label in (
        (findings.GROWS, "**Grows**, as Luo et al. report"),
        (findings.SHRINKS, "**Shrinks**, contrary to Luo et al."),
        (findings.UNCHANGED, "**No change the seeds can tell apart from zero**"),
    )
    if by_direction[direction]
]
reason = (
    "Where these models do not follow Luo et al., the most likely reason is the setting, not the measure: their "
    "networks are deep, and their units must combine evidence from far apart, so training can pull weight "
    "outwards. Here the networks are shallow, a digit's strokes sit near the centre of a 7×7 field, and the "
    "`Dense` head already combines every position, so nothing rewards a wider field. At initialisation, zero "
    "biases leave the units over the black background off; training moves the biases. And they measure a deep "
    "layer's field, here it is the first layers'. This experiment cannot separate these reasons."
    if by_direction[findings.SHRINKS] or by_direction[findings.UNCHANGED]
    else "Every model here agrees with them in direction."
)
show_markdown("\n".join(verdict_lines) + "\n\n" + reason)

# %% [markdown]
# ## 如何测量 { #how-it-is-measured }
#
# 一次 `tf.GradientTape` 计算：最后一个卷积层的中心单元（其所有通道求和）对输入图像求导。梯度的绝对值在测试数字上取平均，并归一化使其总和为 1。它的大小用相对单元中心的每轴标准差 σ 表示。对于单个卷积层，同样的图只由权重就能得到：在该单元处 ReLU 处于激活状态的那些滤波器的卷积核之和，取绝对值，再在数字上取平均。

# %% tags=["hide-input"]
from kf.erf import erf_map, single_layer_erf, spread
from kf.notebook import show_source

show_source(uniform_sigma, erf_map, single_layer_erf, spread)
show_markdown(table(["Setting", "Value"], [[k, v] for k, v in ERF.items()], align="ll"))

# %% [markdown]
# ## 参考文献 { #reference }
#
# - W. Luo, Y. Li, R. Urtasun, R. Zemel. *Understanding the Effective Receptive Field in Deep Convolutional Neural Networks.* NeurIPS 2016. [arXiv:1701.04128](https://arxiv.org/abs/1701.04128)
