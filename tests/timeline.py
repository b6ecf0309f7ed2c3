"""Where a test run spends its time: with PYTEST_KF_TIMELINE=FILE, each test phase and site build adds a line to FILE.

Each line is JSON: what ran ("test" phases with their outcome, "build" of the session's sites), on which xdist
worker, when it started and stopped (epoch seconds), and for a test phase the CPU seconds its worker process had
used by then ("cpu": the process itself; "children": its finished subprocesses, such as builds; processes that
run on past the test, such as Chromium and the snippet runner, are not counted). `python tests/timeline.py FILE` prints each worker's files in the order it ran
them, with their CPU seconds, the builds, how long each worker sat idle at the end of the run, and what failed.
Off (no file) unless set.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections import defaultdict
from pathlib import Path

import pytest


def cpu_seconds(who: int) -> float:
    """User and system CPU seconds of resource.getrusage(who)."""
    usage = resource.getrusage(who)
    return round(usage.ru_utime + usage.ru_stime, 3)


def record(kind: str, name: str, start: float, stop: float, phase: str = "", outcome: str = "") -> None:
    """Append one event to $PYTEST_KF_TIMELINE, if set (one short line per write: processes' appends stay whole).

    Not a KF_* name: those settings enter the execution cache's keys, and a timed run would build cold.
    """
    path = os.environ.get("PYTEST_KF_TIMELINE")
    if not path:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    event = {"kind": kind, "name": name, "phase": phase, "outcome": outcome, "worker": worker, "start": start}
    if kind == "test":
        event |= {"cpu": cpu_seconds(resource.RUSAGE_SELF), "children": cpu_seconds(resource.RUSAGE_CHILDREN)}
    line = json.dumps({**event, "stop": stop})
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


@pytest.hookimpl
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record a test phase where it ran (an xdist controller's copy of a worker's report carries .node: skipped)."""
    if not hasattr(report, "node"):
        record("test", report.nodeid, report.start, report.stop, report.when, report.outcome)


def summary(lines: list[str]) -> str:
    """Per worker: each test file's span and busy seconds, in order; the builds; each worker's end and idle tail."""
    events = [json.loads(line) for line in lines if line.strip()]
    if not events:
        return "no events"
    zero = min(e["start"] for e in events)
    end = max(e["stop"] for e in events)
    out = []
    for build in (e for e in events if e["kind"] == "build"):
        out.append(
            f"build {build['name']:8s} on {build['worker']}: {build['start'] - zero:6.1f} → {build['stop'] - zero:6.1f} s"
        )
    files: dict[str, dict[str, list[float]]] = defaultdict(dict)
    used: dict[str, float] = {}  # per worker: the CPU seconds (own + children) at its last event
    for e in sorted((e for e in events if e["kind"] == "test"), key=lambda e: e["stop"]):
        span = files[e["worker"]].setdefault(e["name"].split("::")[0], [e["start"], e["stop"], 0.0, 0.0])
        span[0], span[1], span[2] = min(span[0], e["start"]), max(span[1], e["stop"]), span[2] + e["stop"] - e["start"]
        if "cpu" in e:  # CPU used since the worker's previous event: this phase's, and the worker's idle moments
            total = e["cpu"] + e["children"]
            span[3] += total - used.get(e["worker"], total)
            used[e["worker"]] = total
    for worker, spans in sorted(files.items()):
        last = max(span[1] for span in spans.values())
        out.append(f"{worker}: busy until {last - zero:6.1f} s, idle {end - last:5.1f} s at the end")
        out.append("     start →   stop     wall    CPU  file (CPU: the worker and its finished subprocesses)")
        for name, (start, stop, busy, cpu) in sorted(spans.items(), key=lambda item: item[1][0]):
            out.append(f"  {start - zero:6.1f} → {stop - zero:6.1f} s  {busy:6.1f} {cpu:6.1f}  {name}")
    out += [f"failed: {e['name']} ({e['phase']})" for e in events if e.get("outcome") == "failed"]
    return "\n".join(out)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()))
