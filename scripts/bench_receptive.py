"""Receptive-field walk benchmark: per keras.applications network, the model-construction time, the time
to describe the built model (kf.receptive.describe) and the time of the walk itself (kf.receptive.walk).

The budget (issue 16): the walk takes under a second per network, construction excluded.
Run: `.venv/bin/python scripts/bench_receptive.py [--repeat N]`. Builds every model fresh (no cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "snippets"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rich.console import Console  # noqa: E402
from rich.progress import track  # noqa: E402
from rich.table import Table  # noqa: E402


def median_seconds(action, repeat: int) -> float:
    """Median wall time of `repeat` runs of action()."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Build each network once, then time describe and walk `--repeat` times; print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs of describe and walk per network (median)")
    args = parser.parse_args()

    import keras

    from kf.networks import APPLICATIONS
    from kf.receptive import OUTPUT, describe, walk

    table = Table("Network", "Input", "Build (s)", "describe (ms)", "walk (ms)", "Ops", "Field at the output")
    total_build = 0.0
    for name in track(list(APPLICATIONS), description="networks"):
        constructor, size = APPLICATIONS[name]
        start = time.perf_counter()
        model = getattr(keras.applications, constructor)(weights=None, include_top=False, input_shape=(size, size, 3))
        build = time.perf_counter() - start
        total_build += build
        ops = describe(model)
        describe_s = median_seconds(lambda model=model: describe(model), args.repeat)
        walk_s = median_seconds(lambda ops=ops: walk(ops), args.repeat)
        field = walk(ops)[OUTPUT]
        if describe_s + walk_s >= 1.0:
            print(f"warning: {name}: describe + walk took {describe_s + walk_s:.2f} s, over the 1 s budget")
        table.add_row(
            name,
            f"{size}×{size}",
            f"{build:.2f}",
            f"{describe_s * 1000:.1f}",
            f"{walk_s * 1000:.2f}",
            str(len(ops)),
            str(field.size[0]),
        )
    console = Console(width=110)
    console.print(table)
    console.print(f"All models built in {total_build:.1f} s (a cold build pays this once; then .cache/receptive/).")
    console.print(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
