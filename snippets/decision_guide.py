"""The decision guide: each recommendation, the experiment behind it and that evidence's computed verdict.

Every claim is a dict: recommendation, page (the evidence), verdict (kf.stats.SUPPORTED, UNDECIDED or
CONTRADICTED, computed from frozen results; or ANALYTIC where no experiment here speaks) and detail
(a sentence with the numbers). The training comparison's claims come from kf.evidence.claims(); the
scenarios and ERF experiments contribute theirs through the same contract: a claims() function in
kf.scenarios and kf.erf. A module without one fails the build, naming it: the guide never fills in
evidence that is not there. Run on its own with `python snippets/decision_guide.py`.
"""

# --8<-- [start:claims]
import importlib

from kf import evidence, stats
from kf.render import table

ANALYTIC = "no experiment here: analytic argument"
VERDICTS = (stats.SUPPORTED, stats.UNDECIDED, stats.CONTRADICTED, ANALYTIC)
OTHER_EXPERIMENTS = {"kf.scenarios": "scenarios", "kf.erf": "effective receptive field"}


class MissingEvidence(RuntimeError):
    """An experiment the guide quotes has no claims() to quote."""


def experiment_claims(module_name: str) -> list[dict[str, str]]:
    """The claims an experiment module makes from its frozen results; MissingEvidence if it makes none."""
    module = importlib.import_module(module_name)
    if not callable(getattr(module, "claims", None)):
        raise MissingEvidence(
            f"decision guide: {module_name} has no claims() function, so the {OTHER_EXPERIMENTS[module_name]} "
            "experiment's verdicts cannot be quoted. It must return a list of dicts with recommendation, page, "
            "verdict and detail, computed from its frozen results (see snippets/decision_guide.py). "
            "Freeze its results with `make experiments`."
        )
    return list(module.claims())


def check_claims(claims: list[dict[str, str]]) -> list[dict[str, str]]:
    """The claims, or ValueError naming one whose verdict or fields are not what the guide can quote."""
    for claim in claims:
        missing = {"recommendation", "page", "verdict", "detail"} - set(claim)
        if missing:
            raise ValueError(f"claim {claim.get('recommendation', claim)!r} lacks {sorted(missing)}")
        if claim["verdict"] not in VERDICTS:
            raise ValueError(
                f"claim {claim['recommendation']!r}: verdict {claim['verdict']!r} is not one of {VERDICTS}"
            )
    return claims


def analytic_claims() -> list[dict[str, str]]:
    """Where no experiment here speaks: depthwise-separable 7×7 deeper in a network (arithmetic only)."""
    from kf.convmath import conv_macs

    channels, side = 64, 14  # an illustrative inner layer: 64 → 64 channels on a 14×14 map
    full = conv_macs(side, side, 7, 7, channels, channels)
    separable = conv_macs(side, side, 7, 7, channels, channels, groups=channels) + conv_macs(
        side, side, 1, 1, channels, channels
    )
    return [
        {
            "recommendation": "Deeper in a network, make large kernels depthwise-separable",
            "page": "[compute & memory](compute.md)",
            "verdict": ANALYTIC,
            "detail": (
                f"On a {side}×{side} map with {channels} channels in and out, a full 7×7 convolution needs "
                f"{full:,} MACs and a depthwise 7×7 plus a 1×1 pointwise {separable:,} "
                f"({full / separable:.1f}× fewer). "
                "No experiment on this site trains such a layer, so this rests on the arithmetic alone "
                "(ConvNeXt's 7×7 depthwise blocks, [Liu et al., 2022](../#references), section 2.5)."
            ),
        }
    ]


claims = check_claims(
    evidence.claims()  # the training comparison, from results/training/
    + [claim for module in OTHER_EXPERIMENTS for claim in experiment_claims(module)]
    + analytic_claims()
)
# --8<-- [end:claims]

# --8<-- [start:summary]
summary = table(
    ["Verdict of the evidence", "Recommendation (evidence)"],
    [[f"**{c['verdict']}**", f"{c['recommendation']} ({c['page']})"] for c in claims],
    align="ll",
)
print(evidence.draft_banner({"draft": any(c.get("draft") for c in claims)}) + summary)
# --8<-- [end:summary]

# --8<-- [start:details]
for claim in claims:
    print(f"### {claim['recommendation']}\n\n**{claim['verdict']}.** {claim['detail']} Evidence: {claim['page']}.\n")
# --8<-- [end:details]
