"""Build both editions at once: English into site/, Chinese into site/zh/, in two MkDocs processes side by side.

`make build` runs this. The Chinese build executes nothing (KF_CACHE_REQUIRE=1): a block or notebook
whose output the English build has not stored yet is waited for (KF_CACHE_WAIT, while the English
process runs), never run, so both editions show the output of the same run. The Chinese site is built
into a folder beside site/ and moved into site/zh/ when both builds have succeeded, because the
English build empties site/ when it starts.

Usage: .venv/bin/python scripts/build_site.py [--site-dir DIR] [--wait SECONDS] [--sequential]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}
ENGLISH, CHINESE = "mkdocs.yml", "mkdocs.zh.yml"
ZH_FOLDER = "zh"
DEFAULT_WAIT = 1800.0  # seconds the Chinese build waits for one entry: longer than any cold English build


def mkdocs_command(config: str, site_dir: Path, quiet: bool) -> list[str]:
    """`mkdocs build --strict` of one config into site_dir, with the running Python."""
    quiet_flag = ["-q"] if quiet else []
    return [sys.executable, "-m", "mkdocs", "build", "--strict", *quiet_flag, "-f", config, "-d", str(site_dir)]


def relay(stream, prefix: str) -> None:
    """Print a process's output lines with prefix as they come (MkDocs' log is the build's progress)."""
    for line in iter(stream.readline, ""):
        print(prefix + line, end="", flush=True)


def start(command: list[str], project: Path, env: dict[str, str], prefix: str) -> subprocess.Popen:
    """Start a build whose output (stdout and stderr together) is relayed with prefix."""
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    thread = threading.Thread(target=relay, args=(process.stdout, prefix), daemon=True)
    thread.start()
    process.kf_relay = thread  # type: ignore[attr-defined]
    return process


def finish(process: subprocess.Popen) -> int:
    """Wait for a build and its output; its exit code."""
    code = process.wait()
    process.kf_relay.join()  # type: ignore[attr-defined]
    return code


def stop(process: subprocess.Popen) -> None:
    """End a build that is no longer needed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    finish(process)


def chinese_env(base: dict[str, str], english_pid: int | None, wait: float) -> dict[str, str]:
    """The Chinese build's settings: run nothing; wait for what the English build (if running) has not written."""
    env = {**base, "KF_CACHE_REQUIRE": "1", "KF_CACHE_WAIT": f"{wait:g}"}
    if english_pid is not None:
        env["KF_CACHE_WRITER_PID"] = str(english_pid)
    return env


def build_both(project: Path, site_dir: Path, wait: float, sequential: bool, quiet: bool) -> int:
    """Build English into site_dir and Chinese into site_dir/zh; 0 on success, else the failing build's exit code."""
    base = {**os.environ, **ENV}
    site_dir = site_dir if site_dir.is_absolute() else project / site_dir
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-zh-", dir=site_dir.parent))
    try:
        started = time.perf_counter()
        english = start(mkdocs_command(ENGLISH, site_dir, quiet), project, base, "")
        if sequential:
            if finish(english) != 0:
                return report_failure("English", english.returncode)
            english_pid = None
        else:
            english_pid = english.pid
        chinese = start(mkdocs_command(CHINESE, staging, quiet), project, chinese_env(base, english_pid, wait), "[zh] ")
        if not sequential and finish(english) != 0:
            stop(chinese)
            return report_failure("English", english.returncode)
        if finish(chinese) != 0:
            return report_failure("Chinese", chinese.returncode)
        target = site_dir / ZH_FOLDER
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        print(f"built both editions in {time.perf_counter() - started:.1f} s: {site_dir} and {target}")
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def report_failure(edition: str, code: int | None) -> int:
    """Say which edition failed (its own error is printed above); the exit code to return."""
    print(f"error: the {edition} build failed (exit {code}); see its messages above", file=sys.stderr)
    return code or 1


def main() -> None:
    """Parse the arguments and build."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site-dir", type=Path, default=Path("site"), help="the English site's folder (default site)")
    parser.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT,
        help="seconds the Chinese build waits for one cache entry while the English build runs",
    )
    parser.add_argument(
        "--sequential", action="store_true", help="English first, then Chinese (no waiting; for a slow or busy machine)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors from MkDocs")
    args = parser.parse_args()
    if not args.wait >= 0:
        parser.error("--wait must be 0 or more seconds")
    sys.exit(build_both(ROOT, args.site_dir, args.wait, args.sequential, args.quiet))


if __name__ == "__main__":
    main()
