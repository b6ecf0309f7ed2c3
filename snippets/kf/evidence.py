"""What the frozen training comparison shows: per-variant intervals, paired comparisons and kernel measures.

Everything here is computed at build time from the committed per-seed results (kf.experiments.comparison),
so editing this module changes what the pages say without retraining anything.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np

from kf import stats
from kf.experiments import COMPARISON, MACS_TWIN, PARAMS_TWIN, receptive_field

# --8<-- [start:pairs]
PAIRS = [  # (a, b, what the pair holds equal): the comparisons the pages make, a − b
    ("64×3×3", "32×7×7", "data and training only (the question as asked)"),
    (f"{PARAMS_TWIN}×3×3", "32×7×7", "parameters"),
    ("64×3×3", f"{MACS_TWIN}×7×7", "MACs per image"),
    ("3 × (16×3×3)", "32×7×7", "receptive field, 7×7"),
    ("sep 64×7×7", "64×3×3", "output channels, 64"),
]
# --8<-- [end:pairs]


def ci_text(interval: stats.Interval) -> str:
    """An accuracy interval in percent: '97.3 % [96.9, 97.7]'."""
    return f"{100 * interval.mean:.1f} % [{100 * interval.low:.1f}, {100 * interval.high:.1f}]"


def points(value: float) -> str:
    """A difference of fractions in percentage points with its sign: '+0.31' or '−0.12'."""
    text = f"{100 * value:+.2f}"
    if float(text) == 0:
        return "0.00"  # no sign on a zero that only rounding made negative or positive
    return text.replace("-", "−")


def diff_text(interval: stats.Interval) -> str:
    """A paired difference in percentage points: '+0.31 [−0.12, +0.74]'."""
    return f"{points(interval.mean)} [{points(interval.low)}, {points(interval.high)}]"


def variants(rows: Sequence[Mapping[str, object]]) -> dict[str, dict[str, object]]:
    """Per variant (in COMPARISON order): accuracy interval, cost, epochs and measured time per epoch."""
    table = {}
    for name, layers in COMPARISON["variants"].items():
        runs = [r for r in rows if r["variant"] == name]
        if not runs:
            raise ValueError(f"no runs of variant {name!r} in the results")
        table[name] = {
            "accuracy": stats.mean_ci([r["accuracy"] for r in runs], what=name),
            "params": runs[0]["params"],
            "macs": runs[0]["macs"],
            "receptive_field": receptive_field(layers),
            "best_epoch": statistics.fmean(r["best_epoch"] for r in runs),
            "epochs_run": statistics.fmean(r["epochs_run"] for r in runs),
            "seconds_per_epoch": statistics.median(r["seconds_per_epoch"] for r in runs),
            "first_epoch_seconds": statistics.median(r["first_epoch_seconds"] for r in runs),
            "seeds": len(runs),
        }
    return table


def capped_runs(rows: Sequence[Mapping[str, object]]) -> list[Mapping[str, object]]:
    """Runs that reached the epoch limit before their validation loss stopped improving (not shown to converge)."""
    from kf.experiments import TRAINING

    limit, patience = TRAINING["max_epochs"], TRAINING["patience"]
    return [r for r in rows if r["epochs_run"] >= limit and r["epochs_run"] - r["best_epoch"] < patience]


def pairs(rows: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """Every compared pair: paired difference a − b, verdict, and the cost ratios the pair does not hold equal."""
    table = variants(rows)
    found = []
    for a, b, held in PAIRS:
        compared = stats.compare(rows, a, b)
        compared.update(
            held=held,
            params_ratio=table[a]["params"] / table[b]["params"],
            macs_ratio=table[a]["macs"] / table[b]["macs"],
            rf=(table[a]["receptive_field"], table[b]["receptive_field"]),
        )
        found.append(compared)
    return found


def pair(rows: Sequence[Mapping[str, object]], a: str, b: str) -> dict[str, object]:
    """One compared pair, looked up by its two variant names (in either order)."""
    for found in pairs(rows):
        if (found["a"], found["b"]) == (a, b):
            return found
    return stats.compare(rows, a, b)


# ---- First-layer kernels: trained against their own initialisation ----


def centre_share(kernels: np.ndarray, centre: int = 3) -> np.ndarray:
    """Per filter: the share of squared weight in the central centre×centre window of each k×k kernel."""
    kernels = np.asarray(kernels, dtype=np.float64).reshape(kernels.shape[0], kernels.shape[1], -1)
    size = kernels.shape[0]
    if size < centre or (size - centre) % 2:
        raise ValueError(f"a {size}×{size} kernel has no central {centre}×{centre} window")
    lo = (size - centre) // 2
    energy = kernels**2
    return energy[lo : lo + centre, lo : lo + centre].sum(axis=(0, 1)) / energy.sum(axis=(0, 1))


def init_correlation(initial: np.ndarray, trained: np.ndarray) -> np.ndarray:
    """Per filter: Pearson correlation between its trained kernel and its own initial kernel."""
    a = np.asarray(initial, dtype=np.float64).reshape(-1, initial.shape[-1])
    b = np.asarray(trained, dtype=np.float64).reshape(-1, trained.shape[-1])
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    return (a * b).sum(axis=0) / np.sqrt((a**2).sum(axis=0) * (b**2).sum(axis=0))


def relative_change(initial: np.ndarray, trained: np.ndarray) -> np.ndarray:
    """Per filter: ‖trained − initial‖ / ‖initial‖."""
    a = np.asarray(initial, dtype=np.float64).reshape(-1, initial.shape[-1])
    b = np.asarray(trained, dtype=np.float64).reshape(-1, trained.shape[-1])
    return np.linalg.norm(b - a, axis=0) / np.linalg.norm(a, axis=0)


def kernel_measures(arrays: Mapping[tuple[str, int], Mapping[str, np.ndarray]], variant: str) -> dict[str, object]:
    """Per seed, averaged over filters: centre share at init and trained, and how far kernels moved from init."""
    seeds = sorted(seed for name, seed in arrays if name == variant)
    if not seeds:
        raise ValueError(f"no kernels of variant {variant!r}")
    init = {s: float(centre_share(arrays[(variant, s)]["kernel_init"]).mean()) for s in seeds}
    trained = {s: float(centre_share(arrays[(variant, s)]["kernel"]).mean()) for s in seeds}
    pairs_ = [(arrays[(variant, s)]["kernel_init"], arrays[(variant, s)]["kernel"]) for s in seeds]
    return {
        "seeds": seeds,
        "init": stats.mean_ci(list(init.values()), what=f"{variant} centre share at init"),
        "trained": stats.mean_ci(list(trained.values()), what=f"{variant} centre share trained"),
        "change": stats.paired_difference(trained, init, what=f"{variant} centre share change"),
        "correlation": stats.mean_ci([float(init_correlation(a, b).mean()) for a, b in pairs_]),
        "relative_change": stats.mean_ci([float(relative_change(a, b).mean()) for a, b in pairs_]),
    }


def feature_maps(images: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """ReLU(valid cross-correlation + bias) of (N, H, W, 1) images with a (k, k, 1, F) kernel: what Conv2D computes."""
    from numpy.lib.stride_tricks import sliding_window_view

    k = kernel.shape[0]
    windows = sliding_window_view(np.asarray(images, dtype=np.float64)[..., 0], (k, k), axis=(1, 2))
    out = np.einsum("nhwij,ijf->nhwf", windows, np.asarray(kernel, dtype=np.float64)[:, :, 0, :]) + bias
    return np.maximum(out, 0.0)


# ---- What the pages say about where the numbers come from ----

DRAFT_BANNER = (
    '!!! warning "Draft results: not for publication"\n'
    "    No committed result matches the current code, so this page shows a quick low-budget run "
    "(`KF_DRAFT=1`). Its numbers are not the experiment's. Run `make experiments` and commit `results/`; "
    "a strict build never accepts draft results.\n"
)


def draft_banner(results: Mapping[str, object]) -> str:
    """A visible warning when any result is a KF_DRAFT stand-in; empty otherwise."""
    return DRAFT_BANNER if results.get("draft") else ""


def provenance_table(rows: Sequence[Mapping[str, object]]) -> str:
    """Markdown: when, where and how long the frozen runs took, and what their keys cover."""
    from kf.render import table

    stamps = [r.get("provenance", {}) for r in rows]
    if not all(stamps):
        return "These results are drafts: they have no provenance."
    dates = sorted(s["date"] for s in stamps)
    machines = sorted({f"{s['machine']['platform']}, {s['machine']['cpus']} CPUs" for s in stamps})
    devices = sorted({s["device"] for s in stamps})
    wall = sum(s["wall_seconds"] for s in stamps)
    return table(
        ["Provenance", "Value"],
        [
            ["runs (one file each)", str(len(rows))],
            ["frozen", f"{dates[0][:16].replace('T', ' ')} to {dates[-1][:16].replace('T', ' ')} UTC"],
            ["machine", "; ".join(machines)],
            ["device", ", ".join(devices)],
            ["wall time, all runs", f"{wall / 60:.1f} min"],
        ],
        align="ll",
    )


# ---- Claims the decision guide quotes: a recommendation, its evidence and the computed verdict ----

# --8<-- [start:claims]
CLAIMS = [  # (recommendation, a, b): each claims "a is more accurate than b" on the training comparison
    ("Default to `Conv2D(64, (3,3))` rather than `Conv2D(32, (7,7))`", "64×3×3", "32×7×7"),
    ("At an equal parameter budget, prefer more 3×3 filters to fewer 7×7 filters", f"{PARAMS_TWIN}×3×3", "32×7×7"),
    ("At an equal MAC budget, prefer more 3×3 filters to fewer 7×7 filters", "64×3×3", f"{MACS_TWIN}×7×7"),
    ("To see a 7×7 window, stack three 3×3 layers rather than use one 7×7 layer", "3 × (16×3×3)", "32×7×7"),
    ("On a one-channel input, use a full 3×3 layer, not a depthwise-separable 7×7", "64×3×3", "sep 64×7×7"),
]
# --8<-- [end:claims]
TRAINING_PAGE_LINK = "[training comparison](experiments/training.py)"


def claim_detail(compared: Mapping[str, object], table: Mapping[str, Mapping[str, object]]) -> str:
    """One sentence with the numbers behind a claim: the paired difference and both variants' costs."""
    a, b, difference = compared["a"], compared["b"], compared["difference"]
    return (
        f"Test accuracy `{a}` − `{b}`: {diff_text(difference)} percentage points (mean and 95 % interval over "
        f"{difference.n} paired seeds); {stats.sentence(compared)}. `{a}`: {ci_text(table[a]['accuracy'])}, "
        f"{table[a]['params']:,} parameters, {table[a]['macs']:,} MACs; `{b}`: {ci_text(table[b]['accuracy'])}, "
        f"{table[b]['params']:,} parameters, {table[b]['macs']:,} MACs."
    )


def claims(results: Mapping[str, object] | None = None) -> list[dict[str, object]]:
    """The training comparison's claims, each with its computed verdict (kf.stats.claim_verdict)."""
    from kf.experiments import comparison

    results = comparison() if results is None else results
    table = variants(results["rows"])
    found = []
    for recommendation, a, b in CLAIMS:
        compared = stats.compare(results["rows"], a, b)
        found.append(
            {
                "recommendation": recommendation,
                "page": TRAINING_PAGE_LINK,
                "verdict": stats.claim_verdict(compared["difference"]),
                "detail": claim_detail(compared, table),
                "draft": bool(results.get("draft")),
            }
        )
    return found
