"""The snippet runner (tests/snippet_runner.py) runs a script as a fresh `python script` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SNIPPETS


def script(folder: Path, text: str) -> Path:
    """A script file in folder with text."""
    path = folder / "script.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_forked_run_prints_what_a_fresh_interpreter_prints(snippet_runner) -> None:
    fresh = subprocess.run(
        [sys.executable, str(SNIPPETS / "index.py")], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    forked = snippet_runner.run(SNIPPETS / "index.py", cwd=ROOT)
    assert fresh.returncode == forked.returncode == 0, fresh.stderr + forked.stderr
    assert "| Parameters (weights + biases) | 640 | 1,600 | 2.5× |" in forked.stdout
    assert forked.stdout == fresh.stdout
    assert forked.stderr == fresh.stderr


def test_a_failing_script_exits_1_with_its_traceback(snippet_runner, tmp_path: Path) -> None:
    path = script(tmp_path, "x = 1\n\nraise ValueError('no such layer')\n")
    done = snippet_runner.run(path, cwd=tmp_path)
    assert done.returncode == 1
    assert f'File "{path}", line 3' in done.stderr
    assert done.stderr.rstrip().endswith("ValueError: no such layer")


@pytest.mark.parametrize(("ending", "code", "stderr"), [("sys.exit(3)", 3, ""), ("sys.exit('stopped')", 1, "stopped")])
def test_exit_codes_are_those_of_python(snippet_runner, tmp_path: Path, ending: str, code: int, stderr: str) -> None:
    done = snippet_runner.run(script(tmp_path, f"import sys\nprint('before')\n{ending}\n"), cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr.strip()) == (code, "before\n", stderr)


def test_a_script_past_its_time_is_ended(snippet_runner, tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        snippet_runner.run(script(tmp_path, "import time\ntime.sleep(30)\n"), cwd=tmp_path, timeout=1)
    assert snippet_runner.run(script(tmp_path, "print('next')\n"), cwd=tmp_path).stdout == "next\n"


def test_each_run_starts_clean_with_nothing_of_the_project_loaded(snippet_runner, tmp_path: Path) -> None:
    probe = (
        "import os, sys, keras\n"
        "files = {m: getattr(v, '__file__', None) or '' for m, v in list(sys.modules.items())}\n"
        f"project = [m for m, f in files.items() if f.startswith({str(ROOT)!r}) and not f.startswith(sys.prefix)]\n"
        "print(project, 'kf' in sys.modules, sys.path[0], os.getcwd(), __name__, sys.argv, keras.config.floatx())\n"
        "keras.config.set_floatx('float16')\n"
    )
    first = snippet_runner.run(script(tmp_path, probe), cwd=ROOT)
    second = snippet_runner.run(script(tmp_path, probe), cwd=ROOT)
    expected = f"[] False {tmp_path} {ROOT} __main__ {[str(tmp_path / 'script.py')]} float32\n"
    assert first.stdout == second.stdout == expected, first.stderr
