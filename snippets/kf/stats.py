"""Honest statistics for seeded experiments: means with 95 % intervals, paired differences, computed verdicts.

Intervals are Student-t intervals over seeds (n − 1 degrees of freedom). Two variants are compared
by the per-seed differences of the runs that share a seed (same initialisation stream and data
order), so seed-to-seed luck common to both cancels. A variant is called better only when the
interval of the difference excludes 0; otherwise the two cannot be told apart at this budget.
Each interval is a 95 % interval on its own; with several comparisons, about 1 in 20 intervals
would miss its true value by chance.

This module does not train and is not part of any frozen result's key: editing it never retrains.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LEVEL = 0.95
BETTER, WORSE, TIE = "better", "worse", "cannot be told apart at this budget"
SUPPORTED, CONTRADICTED, UNDECIDED = "supported", "contradicted", "not distinguishable at this budget"


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: int) -> float:
    """P(T ≤ t) for Student's t with df degrees of freedom."""
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: int) -> float:
    """The t value with P(T ≤ t) = p (bisection on t_cdf; exact to about 1e-10)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number ≥ 1, got {df!r}")
    low, high = -1e4, 1e4
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if t_cdf(middle, df) < p else (low, middle)
    return (low + high) / 2


@dataclass(frozen=True)
class Interval:
    """A mean and its two-sided confidence interval over n values."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2


def check_values(values: Sequence[float], what: str) -> list[float]:
    """The values as finite floats, at least two of them, or ValueError saying what is wrong."""
    values = [float(v) for v in values]
    if len(values) < 2:
        raise ValueError(f"{what}: an interval needs at least 2 values, got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{what}: values must be finite numbers, got {values}")
    return values


def mean_ci(values: Sequence[float], level: float = LEVEL, what: str = "values") -> Interval:
    """Mean and Student-t confidence interval of the values."""
    values = check_values(values, what)
    mean, n = statistics.fmean(values), len(values)
    half = t_quantile(0.5 + level / 2, n - 1) * statistics.stdev(values) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(
    a: Mapping[int, float], b: Mapping[int, float], level: float = LEVEL, what: str = "a − b"
) -> Interval:
    """Mean and interval of a[seed] − b[seed] over the seeds both have; ValueError if the seeds differ."""
    if set(a) != set(b):
        raise ValueError(f"{what}: paired comparison needs the same seeds, got {sorted(a)} and {sorted(b)}")
    return mean_ci([a[seed] - b[seed] for seed in sorted(a)], level, what)


def verdict(difference: Interval) -> str:
    """'better' if the interval of a − b lies above 0, 'worse' if below, else 'cannot be told apart…'."""
    if difference.low > 0:
        return BETTER
    if difference.high < 0:
        return WORSE
    return TIE


def claim_verdict(difference: Interval) -> str:
    """The evidence for the claim 'a beats b': supported, contradicted or not distinguishable at this budget."""
    return {BETTER: SUPPORTED, WORSE: CONTRADICTED, TIE: UNDECIDED}[verdict(difference)]


def by_seed(rows: Sequence[Mapping[str, object]], variant: str, metric: str = "accuracy") -> dict[int, float]:
    """{seed: metric} of one variant's runs; ValueError if the variant has none."""
    found = {int(r["seed"]): float(r[metric]) for r in rows if r["variant"] == variant}
    if not found:
        raise ValueError(f"no runs of variant {variant!r}")
    return found


def compare(rows: Sequence[Mapping[str, object]], a: str, b: str, metric: str = "accuracy") -> dict[str, object]:
    """The paired comparison of two variants: difference interval and verdict ('a is better/worse than b')."""
    difference = paired_difference(by_seed(rows, a, metric), by_seed(rows, b, metric), what=f"{a} − {b}")
    return {"a": a, "b": b, "difference": difference, "verdict": verdict(difference)}


def sentence(comparison: Mapping[str, object]) -> str:
    """The verdict in words, e.g. '64×3×3 is better than 32×7×7' or '… cannot be told apart at this budget'."""
    a, b, said = comparison["a"], comparison["b"], comparison["verdict"]
    if said == TIE:
        return f"`{a}` and `{b}` cannot be told apart at this budget"
    return f"`{a}` is {said} than `{b}`"
