"""Statistics for seeded experiments (snippets/kf/stats.py): t intervals, paired differences, computed verdicts."""

from __future__ import annotations

import math

import pytest

from kf import stats

# Two-sided 95 % Student-t critical values t(0.975, df), from printed tables.
T_TABLE = {1: 12.706, 2: 4.303, 4: 2.776, 9: 2.262, 29: 2.045}


@pytest.mark.parametrize(("df", "expected"), T_TABLE.items())
def test_t_quantile_matches_the_table(df: int, expected: float) -> None:
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)
    assert stats.t_quantile(0.025, df) == pytest.approx(-expected, abs=5e-4)


def test_mean_ci_by_hand() -> None:
    # mean 3, sample sd sqrt(2.5), n 5: half-width 2.776 * 1.5811 / 2.2361 = 1.963
    interval = stats.mean_ci([1, 2, 3, 4, 5])
    assert interval.mean == 3
    assert interval.half_width == pytest.approx(1.963, abs=1e-3)
    assert interval.n == 5


def rows_from(a: list[float], b: list[float]) -> list[dict]:
    """Made-up runs of variants 'a' and 'b', seeds 0..n-1."""
    return [{"variant": v, "seed": s, "accuracy": x} for v, xs in (("a", a), ("b", b)) for s, x in enumerate(xs)]


def test_a_consistent_gap_is_a_win() -> None:
    # a beats b by 0.4 to 0.6 points on every seed: the paired interval excludes 0
    found = stats.compare(rows_from([0.975, 0.971, 0.978, 0.969, 0.974], [0.970, 0.967, 0.972, 0.964, 0.969]), "a", "b")
    assert found["verdict"] == stats.BETTER
    assert stats.claim_verdict(found["difference"]) == stats.SUPPORTED
    assert stats.sentence(found) == "`a` is better than `b`"
    reverse = stats.compare(
        rows_from([0.970, 0.967, 0.972, 0.964, 0.969], [0.975, 0.971, 0.978, 0.969, 0.974]), "a", "b"
    )
    assert reverse["verdict"] == stats.WORSE
    assert stats.claim_verdict(reverse["difference"]) == stats.CONTRADICTED


def test_a_gap_inside_the_noise_is_a_tie() -> None:
    # the same mean gap (0.5 points) but the sign flips between seeds: the interval contains 0
    found = stats.compare(rows_from([0.980, 0.962, 0.979, 0.963, 0.976], [0.970, 0.971, 0.969, 0.972, 0.963]), "a", "b")
    assert found["difference"].low < 0 < found["difference"].high
    assert found["verdict"] == stats.TIE
    assert stats.claim_verdict(found["difference"]) == stats.UNDECIDED
    assert "cannot be told apart at this budget" in stats.sentence(found)


def test_pairing_removes_shared_seed_luck() -> None:
    # seeds differ a lot, but a − b is 0.002 on every seed but one: paired says better, unpaired would not
    a = [0.950, 0.990, 0.960, 0.980, 0.970]
    b = [0.948, 0.988, 0.958, 0.978, 0.9675]
    found = stats.compare(rows_from(a, b), "a", "b")
    assert found["verdict"] == stats.BETTER
    assert stats.mean_ci(a).low < stats.mean_ci(b).high, "the unpaired intervals overlap"


def test_the_line_itself() -> None:
    just_above = stats.Interval(0.001, 1e-9, 0.002, 5)
    touching = stats.Interval(0.001, 0.0, 0.002, 5)
    assert stats.verdict(just_above) == stats.BETTER
    assert stats.verdict(touching) == stats.TIE


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        stats.mean_ci([0.9])
    with pytest.raises(ValueError, match="finite"):
        stats.mean_ci([0.9, math.nan])
    with pytest.raises(ValueError, match="same seeds"):
        stats.paired_difference({0: 0.9, 1: 0.8}, {0: 0.9, 2: 0.8})
    with pytest.raises(ValueError, match="no runs"):
        stats.compare(rows_from([0.9, 0.8], [0.9, 0.8]), "a", "c")
    with pytest.raises(ValueError, match="degrees of freedom"):
        stats.t_quantile(0.975, 0)
