"""What the frozen ERF results show: spreads against the uniform-weight theory, and the change with training.

Computed when the page is built, from the committed results (kf.erf.jobs and the training comparison's
stored first-layer weights); no job imports this module, so editing it never retrains anything.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np

from kf import stats
from kf.erf import ERF, jobs, kernels_of, single_layer_erf, spread, stack_layers, uniform_sigma

GROWS, SHRINKS, UNCHANGED = "grows", "shrinks", "no change detectable at this budget"
LUO_DIRECTION = GROWS  # what Luo et al. report for training (the section below)
LUO_CITATION = "Luo et al. (2016, section 3.2, on how the ERF changes during training, and figure 3)"
KIND_LABELS = {
    "uniform": "uniform weights, no ReLU",
    "random": "random weights, no ReLU (absolute gradient)",
    "random_squared": "random weights, no ReLU (squared gradient)",
    "random_relu": "random weights with ReLU, on digits",
}
KIND_SHORT = {"uniform": "uniform", "random": "random", "random_squared": "random, g²", "random_relu": "random + ReLU"}


def load() -> dict[str, object]:
    """The committed ERF results: the depth sweep, and the trained stack's runs (one per seed)."""
    from kf import cache

    found = jobs()
    depth = found[0].result()
    stack = [{"seed": job.seed, **job.result()} for job in found[1:]]
    return {"depth": depth, "stack": stack, "draft": cache.is_draft(depth, *stack)}


def depth_table(rows: Sequence[Mapping[str, object]]) -> dict[int, dict[str, object]]:
    """Per depth: the uniform-weight σ, and for each kind the interval of the measured σ over seeds."""
    table: dict[int, dict[str, object]] = {}
    for depth in ERF["depths"]:
        entry: dict[str, object] = {"theory": uniform_sigma(kernels_of(stack_layers(depth)))}
        for kind in KIND_LABELS:
            sigmas = [r["sigma"] for r in rows if r["depth"] == depth and r["kind"] == kind]
            entry[kind] = stats.mean_ci(sigmas, what=f"σ, depth {depth}, {kind}")
        table[depth] = entry
    return table


def depth_exponents(table: Mapping[int, Mapping[str, object]]) -> dict[str, float]:
    """For the theory and each kind: the slope of log σ (seed mean) against log depth; 0.5 is the √depth law."""
    from kf.erf import depth_exponent

    depths = list(table)
    found = {"theory": depth_exponent(depths, [table[d]["theory"] for d in depths])}
    for kind in KIND_LABELS:
        found[kind] = depth_exponent(depths, [table[d][kind].mean for d in depths])
    return found


def single_layer_runs(name: str, images: np.ndarray) -> list[dict[str, object]]:
    """σ before and after training of one of the comparison's one-layer models, one row per seed."""
    from kf.experiments import COMPARISON, variant_job

    rows = []
    for seed in COMPARISON["seeds"]:
        result = variant_job(name, seed).result()  # the comparison's committed run; never trains
        before, centre = single_layer_erf(result["kernel_init"], np.zeros_like(result["bias"]), images)
        after, _ = single_layer_erf(result["kernel"], result["bias"], images)
        rows.append(
            {
                "model": name,
                "seed": seed,
                "init": spread(before, centre),
                "trained": spread(after, centre),
                "accuracy": result["accuracy"],
                "draft": bool(result.get("draft")),
                "map_init": before,
                "map_trained": after,
            }
        )
    return rows


def change(runs: Sequence[Mapping[str, object]], measure: str = "sigma") -> dict[str, object]:
    """Trained − initial spread over seeds (paired by seed), and the direction it supports."""
    difference = stats.paired_difference(
        {r["seed"]: r["trained"][measure] for r in runs}, {r["seed"]: r["init"][measure] for r in runs}
    )
    direction = {stats.BETTER: GROWS, stats.WORSE: SHRINKS}.get(stats.verdict(difference), UNCHANGED)
    return {
        "difference": difference,
        "direction": direction,
        "init": stats.mean_ci([r["init"][measure] for r in runs]),
        "trained": stats.mean_ci([r["trained"][measure] for r in runs]),
        "accuracy": stats.mean_ci([r["accuracy"] for r in runs]),
        "agrees_with_luo": direction == LUO_DIRECTION,
    }


def sigma_text(interval: stats.Interval) -> str:
    """A σ interval in pixels: '1.87 [1.80, 1.94]'."""
    return f"{interval.mean:.2f} [{interval.low:.2f}, {interval.high:.2f}]"


def signed_text(interval: stats.Interval) -> str:
    """A signed difference interval: '+0.12 [+0.05, +0.19]'."""

    def signed(value: float) -> str:
        text = f"{value:+.2f}"
        return "0.00" if text in ("+0.00", "-0.00") else text.replace("-", "−")

    return f"{signed(interval.mean)} [{signed(interval.low)}, {signed(interval.high)}]"


def mean_map(runs: Sequence[Mapping[str, object]], stage: str) -> np.ndarray:
    """The seed-mean ERF map of a model at 'init' or 'trained'."""
    return np.mean([np.asarray(r[f"map_{stage}"], dtype=np.float64) for r in runs], axis=0)


def accuracy_floor(runs: Sequence[Mapping[str, object]]) -> float:
    """The lowest test accuracy over the seeds."""
    return min(float(r["accuracy"]) for r in runs)


def mean_of(values: Sequence[float]) -> float:
    """Plain mean (a helper for prose)."""
    return statistics.fmean(values)


ERF_PAGE_LINK = "[effective receptive field](experiments/erf.py)"


def flat_sigma(field: int) -> float:
    """σ per axis of a flat window as wide as a theoretical receptive field: every pixel counting the same."""
    return uniform_sigma([field])


def claims(results: Mapping[str, object] | None = None) -> list[dict[str, object]]:
    """The ERF experiment's claims for the decision guide, each with a computed verdict."""
    from kf.experiments import receptive_field

    results = results or load()
    table = depth_table(results["depth"]["rows"])
    deepest = max(table)
    field = receptive_field(stack_layers(deepest))
    measured = table[deepest]["random_relu"]
    flat = flat_sigma(field)
    narrower = (
        stats.SUPPORTED if measured.high < flat else stats.CONTRADICTED if measured.low > flat else stats.UNDECIDED
    )
    grown = change(results["stack"])
    grows = {GROWS: stats.SUPPORTED, SHRINKS: stats.CONTRADICTED}.get(grown["direction"], stats.UNDECIDED)
    draft = bool(results.get("draft"))
    return [
        {
            "recommendation": "Do not count on a deep stack of 3×3 layers to use its whole theoretical field",
            "page": ERF_PAGE_LINK,
            "verdict": narrower,
            "detail": (
                f"At initialisation, {deepest} stacked 3×3 layers have a {field}×{field} theoretical field; a flat "
                f"window that wide would have σ = {flat:.2f} px, the measured ERF has σ = {sigma_text(measured)} px "
                f"(mean and 95 % interval over {measured.n} seeds)."
            ),
            "draft": draft,
        },
        {
            "recommendation": "Expect training to widen a stack's effective field (Luo et al., 2016)",
            "page": ERF_PAGE_LINK,
            "verdict": grows,
            "detail": (
                f"Three 3×3 layers trained on the digits: σ changes by {signed_text(grown['difference'])} px "
                f"(trained − initial, 95 % interval over {grown['difference'].n} seeds; test accuracy "
                f"{100 * grown['accuracy'].mean:.1f} %). Measured on small, shallow models only."
            ),
            "draft": draft,
        },
    ]


__all__ = [
    "KIND_LABELS",
    "KIND_SHORT",
    "LUO_CITATION",
    "LUO_DIRECTION",
    "change",
    "claims",
    "depth_exponents",
    "depth_table",
    "flat_sigma",
    "load",
    "mean_map",
    "sigma_text",
    "signed_text",
    "single_layer_runs",
]
