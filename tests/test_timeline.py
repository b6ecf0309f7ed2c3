"""tests/timeline.py: each worker's files with their wall and CPU seconds (PYTEST_KF_TIMELINE)."""

from __future__ import annotations

import json
import resource

from timeline import cpu_seconds, summary


def event(name: str, worker: str, start: float, stop: float, cpu: float, children: float) -> str:
    """One test phase as record() writes it."""
    fields = {"kind": "test", "name": name, "phase": "call", "outcome": "passed", "worker": worker}
    return json.dumps(fields | {"start": start, "stop": stop, "cpu": cpu, "children": children})


def test_each_file_gets_the_cpu_its_worker_used_since_the_previous_event() -> None:
    lines = [
        event("tests/test_a.py::one", "gw0", 0.0, 1.0, cpu=2.0, children=0.0),  # the worker's first event
        event("tests/test_a.py::two", "gw0", 1.0, 3.0, cpu=3.5, children=0.0),
        event("tests/test_b.py::one", "gw0", 3.0, 4.0, cpu=4.0, children=10.0),  # a build finished: 10.5 s
        event("tests/test_c.py::one", "gw1", 0.0, 4.0, cpu=1.0, children=0.0),
    ]
    rows = {line.split()[-1]: line.split() for line in summary(lines).splitlines() if "tests/test_" in line}
    assert rows["tests/test_a.py"][-3:-1] == ["3.0", "1.5"]  # wall 1 + 2 s; CPU 3.5 − 2.0 (the first is the base)
    assert rows["tests/test_b.py"][-3:-1] == ["1.0", "10.5"]
    assert rows["tests/test_c.py"][-3:-1] == ["4.0", "0.0"]


def test_cpu_seconds_add_user_and_system_time() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    assert cpu_seconds(resource.RUSAGE_SELF) >= round(usage.ru_utime + usage.ru_stime, 3) > 0
