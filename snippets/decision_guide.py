"""The decision guide: the numbers behind each recommendation, from the cached experiment results.

Run it on its own with `python snippets/decision_guide.py` (it trains on a cache miss); the page
executes the same sections.
"""

# --8<-- [start:load]
from kf.erf import erf_results
from kf.experiments import comparison, summarise
from kf.scenarios import chance, scenario

training = summarise(comparison()["rows"])  # the training comparison page's results
motifs = summarise(scenario("motifs")["rows"])  # the local scenario
rows = summarise(scenario("rows")["rows"])  # the long-range scenario
erf = {(r["model"], r["stage"]): r for r in erf_results()["rows"]}  # the ERF page's measurements
for name, s in training.items():
    print(
        f"{name:>14}: accuracy {s['accuracy']:.3f} (spread {s['spread']:.3f}), "
        f"{s['params']:,} parameters, {s['macs']:,} MACs"
    )
# --8<-- [end:load]

# --8<-- [start:values]
from kf.notebook import pm
from kf.render import prose

values = {
    "acc_small": pm(training["64×3×3"]["accuracy"], training["64×3×3"]["spread"]),
    "acc_large": pm(training["32×7×7"]["accuracy"], training["32×7×7"]["spread"]),
    "macs_small": training["64×3×3"]["macs"],
    "macs_large": training["32×7×7"]["macs"],
    "params_small": training["64×3×3"]["params"],
    "params_large": training["32×7×7"]["params"],
    "acc_stack": pm(training["3 × (32×3×3)"]["accuracy"], training["3 × (32×3×3)"]["spread"]),
    "macs_stack": training["3 × (32×3×3)"]["macs"],
    "acc_sep": pm(training["sep 64×7×7"]["accuracy"], training["sep 64×7×7"]["spread"]),
    "macs_sep": training["sep 64×7×7"]["macs"],
    "macs_64x7": training["64×7×7"]["macs"],
    "acc_motif_small": pm(motifs["8×3×3"]["accuracy"], motifs["8×3×3"]["spread"]),
    "acc_motif_large": pm(motifs["2×7×7"]["accuracy"], motifs["2×7×7"]["spread"]),
    "params_motif_small": motifs["8×3×3"]["params"],
    "params_motif_large": motifs["2×7×7"]["params"],
    "acc_rows_small": pm(rows["small: 8×3×3"]["accuracy"], rows["small: 8×3×3"]["spread"]),
    "chance_rows": f"{100 * chance('rows'):.1f} %",
    "rows_table": "\n".join(
        f"    | `{n}` | {pm(s['accuracy'], s['spread'])} | {s['macs']:,} |" for n, s in rows.items()
    ),
    "mnist_verdict": (
        "a gap within the spread between seeds: at this training budget the two are not distinguishable by accuracy"
        if abs(training["64×3×3"]["accuracy"] - training["32×7×7"]["accuracy"])
        <= max(training["64×3×3"]["spread"], training["32×7×7"]["spread"])
        else "a gap larger than the spread between seeds"
    ),
    "rows_solved": ", ".join(f"`{n.split(':')[0]}`" for n, r in rows.items() if r["accuracy"] >= 0.95),
    "rows_cheapest": min(
        (n for n, r in rows.items() if r["accuracy"] >= 0.95), key=lambda n: rows[n]["macs"], default="none"
    ).split(":")[0],
    "stack_verdict": (
        "also solved it"
        if next(r for n, r in rows.items() if n.startswith("stack"))["accuracy"] >= 0.95
        else "did not solve it in this short training"
    ),
    "erf12_side": erf[("12 × 3×3", "init")]["side"],
    "erf12_rf": erf[("12 × 3×3", "init")]["theoretical_rf"],
}
print("\n".join(f"{k} = {v}" for k, v in values.items() if k != "rows_table"))
# --8<-- [end:values]

if __name__ == "__main__":
    print(prose("64×3×3: {acc_small}; 32×7×7: {acc_large}", values))
