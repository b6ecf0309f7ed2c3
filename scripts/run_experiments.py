"""Run every registered experiment job at its real budget and freeze the results under results/ (`make experiments`).

Jobs come from kf.cache.registered_jobs(): every module in kf.cache.EXPERIMENT_MODULES that defines
jobs(). A job whose committed result already matches its key is skipped, so an interrupted run
resumes where it stopped and a change re-runs only the jobs it touches. Progress: one bar over all
jobs (weighted by each job's cost estimate, with the time left) and one over the current model's
epochs. Uses a GPU when TensorFlow sees one, the CPU otherwise.

    python scripts/run_experiments.py                 # everything missing or stale
    python scripts/run_experiments.py --only training # one experiment
    python scripts/run_experiments.py --list          # what is frozen, what is not
    python scripts/run_experiments.py --prune         # also delete result files no job owns
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "snippets"))

from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kf import cache  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="run only this experiment (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the jobs and whether each is frozen, run nothing")
    parser.add_argument("--prune", action="store_true", help="delete committed result files that no job owns")
    parser.add_argument(
        "--reverse", action="store_true", help="run the jobs last to first (a second runner can share the work)"
    )
    return parser.parse_args(argv)


def select(jobs: list[cache.Job], only: list[str]) -> list[cache.Job]:
    """The jobs of the named experiments (all when none is named); SystemExit naming an unknown one."""
    known = sorted({job.group for job in jobs})
    unknown = sorted(set(only) - set(known))
    if unknown:
        raise SystemExit(f"unknown experiment(s) {unknown}; known: {known}")
    return [job for job in jobs if not only or job.group in only]


def run(jobs: list[cache.Job], console: Console) -> list[tuple[cache.Job, float]]:
    """Run every job that is not frozen yet, with progress bars; return (job, seconds) for those run."""
    todo = [job for job in jobs if not job.is_frozen()]
    console.print(
        f"{len(jobs)} jobs, {len(jobs) - len(todo)} already frozen, {len(todo)} to run on {cache.device()}"
        f" (results in {cache.results_dir()})"
    )
    done: list[tuple[cache.Job, float]] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        overall = progress.add_task("all jobs", total=sum(job.cost for job in todo) or 1)
        epochs = progress.add_task("epochs", total=1, visible=False)

        def on_epoch(epoch: int, max_epochs: int, metrics: dict) -> None:
            loss = metrics.get("val_loss")
            note = f", val loss {loss:.3f}" if loss is not None else ""
            progress.update(epochs, total=max_epochs, completed=epoch, description=f"  epoch {epoch}{note}")

        cache.set_epoch_hook(on_epoch)
        try:
            for job in todo:
                if job.is_frozen():  # another runner froze it meanwhile
                    progress.advance(overall, job.cost)
                    continue
                progress.update(overall, description=f"{job.group}: {job.label or job.name}")
                progress.reset(epochs, visible=True, description="  epoch 0")
                start = time.perf_counter()
                job.result()
                done.append((job, time.perf_counter() - start))
                progress.advance(overall, job.cost)
        finally:
            cache.set_epoch_hook(None)
    return done


def main(argv: list[str] | None = None) -> int:
    """Freeze what is missing; print what ran and how long it took."""
    args = parse_args(argv)
    if cache.draft_enabled():
        raise SystemExit(f"{cache.ENV_DRAFT} is set: unset it; frozen results are always trained at the full budget")
    console = Console()
    jobs = cache.registered_jobs()
    selected = select(jobs, args.only)[:: -1 if args.reverse else 1]
    if args.list:
        for job in selected:
            console.print(f"{'frozen ' if job.is_frozen() else 'MISSING'}  {job.group}/{job.name}  {job.label}")
        return 0
    cache.set_mode("write")
    start = time.perf_counter()
    done = run(selected, console)
    total = time.perf_counter() - start
    for job, seconds in done:
        console.print(f"  {job.group}/{job.name}: {seconds:.1f} s")
    console.print(f"ran {len(done)} jobs in {total:.1f} s ({total / 60:.1f} min)")
    stray = cache.orphans(jobs)
    if stray and args.prune:
        for path in stray:
            path.unlink()
        console.print(f"pruned {len(stray)} result files that no job owns")
    elif stray:
        console.print(f"{len(stray)} result files belong to no job (rerun with --prune to delete them):")
        for path in stray:
            console.print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
