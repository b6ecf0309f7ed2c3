"""What the frozen scenario runs show: per-variant intervals, paired comparisons and computed verdicts.

Computed when a page is built, from the committed per-seed results (kf.scenarios.scenario); no job
imports this module, so editing it changes what the page says without retraining anything.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from kf import stats
from kf.experiments import macs, receptive_field
from kf.scenarios import SCENARIOS, budget_of, classes_of, conv_specs, variants


def percent(value: float) -> str:
    """A fraction in percent: '97.3 %'."""
    return f"{100 * value:.1f} %"


def ci_text(interval: stats.Interval) -> str:
    """An accuracy interval in percent, its ends clipped to [0, 100] as accuracy is: '97.3 % [96.9, 97.7]'."""
    low, high = max(interval.low, 0.0), min(interval.high, 1.0)
    return f"{100 * interval.mean:.1f} % [{100 * low:.1f}, {100 * high:.1f}]"


def points(value: float) -> str:
    """A difference of fractions in percentage points, signed: '+0.31' or '−0.12'."""
    return f"{100 * value:+.1f}".replace("-", "−")


def diff_text(interval: stats.Interval) -> str:
    """A paired difference in percentage points: '+0.3 [−0.1, +0.7]'."""
    return f"{points(interval.mean)} [{points(interval.low)}, {points(interval.high)}]"


def summary(task: str, rows: Sequence[Mapping[str, object]]) -> dict[str, dict[str, object]]:
    """Per variant, in config order: filters, cost, field, test accuracy interval, mean training accuracy, epochs."""
    size = SCENARIOS[task]["image_size"]
    table = {}
    for name, layers in variants(task).items():
        runs = [r for r in rows if r["variant"] == name]
        if not runs:
            raise ValueError(f"no runs of {task} variant {name!r} in the results")
        table[name] = {
            "filters": [spec[1] for spec in conv_specs(layers)],
            "params": runs[0]["params"],
            "macs": macs(layers, (size, size, 1), classes_of(task), "gmp", SCENARIOS[task]["padding"]),
            "receptive_field": receptive_field(layers),
            "accuracy": stats.mean_ci([r["accuracy"] for r in runs], what=f"{task}: {name}"),
            "train_accuracy": statistics.fmean(r["train_accuracy"] for r in runs),
            "best_epoch": statistics.fmean(r["best_epoch"] for r in runs),
            "epochs_run": statistics.fmean(r["epochs_run"] for r in runs),
            "seeds": len(runs),
        }
    return table


def comparisons(task: str, rows: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """The task's configured pairs, a − b over shared seeds, each with its interval, verdict and what it holds equal."""
    return [{**stats.compare(rows, a, b), "held": held} for a, b, held in SCENARIOS[task]["pairs"]]


FITTED = 0.9  # mean training accuracy from which a variant counts as having fitted its training images


def fits(entry: Mapping[str, object], threshold: float = FITTED) -> bool:
    """True when a variant's mean training accuracy reaches the threshold: it fitted its training images."""
    return entry["train_accuracy"] >= threshold


def design_facts(task: str) -> dict[str, object]:
    """Budget and filter counts, for prose."""
    found = variants(task)
    return {"budget": budget_of(task), "filters": {n: conv_specs(v)[0][1] for n, v in found.items()}}


def prose_facts(template: str) -> str:
    """Fill a sentence with the tasks' design facts: classes, copies, motif, mark, seeds, test."""
    import inspect

    from kf.render import prose
    from kf.scenarios import MOTIF_CLASSES, MOTIF_SIZE, SEEDS, motif_images, row_images

    defaults = {
        name: p.default
        for f in (motif_images, row_images)
        for name, p in inspect.signature(f).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    tests = {SCENARIOS[t]["sizes"]["test"] for t in SCENARIOS}
    return prose(
        template,
        {
            "classes": MOTIF_CLASSES,
            "copies": defaults["copies"],
            "motif": MOTIF_SIZE,
            "mark": defaults["mark"],
            "seeds": len(SEEDS),
            "test": " and ".join(f"{n:,}" for n in sorted(tests)),
        },
    )


SCENARIOS_PAGE_LINK = "[scenarios](experiments/scenarios.py)"
DILATED, POOLED, LARGE, SMALL = (
    "dilated 3×3, d = 1, 2, 3",
    "3×3, pool 2, 3×3, pool 2, 3×3",
    "large kernel 13×13",
    "one 3×3 layer",
)
FAR = "When the label relates distant parts"
CLAIMS = [  # (task, recommendation, a, b): each claims "a is more accurate than b" on that task
    ("motifs", "For a local pattern at a tight parameter budget, prefer more 3×3 filters to fewer 7×7", "3×3", "7×7"),
    ("rows", f"{FAR}, dilate 3×3 layers rather than keep one 3×3 layer", DILATED, SMALL),
    ("rows", f"{FAR}, pool between 3×3 layers rather than keep one 3×3 layer", POOLED, SMALL),
    ("rows", f"{FAR}, one large kernel beats one 3×3 layer", LARGE, SMALL),
    ("rows", "For reach at equal parameters, prefer dilated 3×3 layers to one large kernel", DILATED, LARGE),
    ("rows", f"{FAR}, a plain stack of thin 3×3 layers beats one 3×3 layer", "stack of 6 × 3×3", SMALL),
]


def claims(results: Mapping[str, Mapping[str, object]] | None = None) -> list[dict[str, object]]:
    """The scenarios' claims for the decision guide, each with its computed verdict (kf.stats.claim_verdict)."""
    from kf.scenarios import scenario

    results = results or {task: scenario(task) for task in SCENARIOS}
    found = []
    for task, recommendation, a, b in CLAIMS:
        rows = results[task]["rows"]
        compared = stats.compare(rows, a, b)
        table = summary(task, rows)
        found.append(
            {
                "recommendation": recommendation,
                "page": SCENARIOS_PAGE_LINK,
                "verdict": stats.claim_verdict(compared["difference"]),
                "detail": (
                    f"{task} task, test accuracy `{a}` − `{b}`: {diff_text(compared['difference'])} percentage "
                    f"points (mean and 95 % interval over {compared['difference'].n} paired seeds); "
                    f"{stats.sentence(compared)}. `{a}`: {ci_text(table[a]['accuracy'])}; "
                    f"`{b}`: {ci_text(table[b]['accuracy'])}; both with {budget_of(task):,} parameters at most."
                ),
                "draft": bool(results[task].get("draft")),
            }
        )
    return found


__all__ = [
    "CLAIMS",
    "ci_text",
    "claims",
    "comparisons",
    "design_facts",
    "diff_text",
    "fits",
    "percent",
    "points",
    "prose_facts",
    "summary",
]
