"""Start `mkdocs serve` on loopback and time how long an edit takes to reach the served HTML."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVE_ARGS = ("serve", "--livereload", "--dirty")  # the flags `make serve` uses


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    """GET a page from the local server, or '' while it is not up."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def wait_for(url: str, needle: str, timeout: float) -> float:
    """Poll url until its HTML contains needle; return the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if needle in fetch(url):
            return time.monotonic() - start
        time.sleep(0.1)
    raise TimeoutError(f"{needle!r} did not appear at {url} within {timeout:.0f} s")


@contextmanager
def serving(project: Path, ready_text: str, timeout: float = 180, log: Path | None = None) -> Iterator[str]:
    """Run `mkdocs serve --livereload` in project until the home page shows ready_text; yield its URL.

    With log, the server's output goes to that file (else it is discarded).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    output = open(log, "w", encoding="utf-8") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", *SERVE_ARGS, "-a", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=output,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    try:
        wait_for(url, ready_text, timeout)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        if log:
            output.close()


def time_page_edit(project: Path, page: str = "docs/index.md", ready_text: str = "Large kernels") -> float:
    """Seconds from appending a marker to a page until `mkdocs serve` serves it (on a copy you may edit)."""
    with serving(project, ready_text) as url:
        path = project / page
        marker = f"Edit marker {time.time_ns()}"
        path.write_text(path.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        target = url + ("" if page.endswith("index.md") else page.removeprefix("docs/").removesuffix(".md") + "/")
        return wait_for(target, marker, timeout=120)


def time_snippet_edit(
    project: Path, snippet: str = "snippets/index.py", section: str = "question", ready_text: str = "Large kernels"
) -> float:
    """Seconds from adding a print to a snippet section shown on the home page until serve shows its output.

    A snippet edit changes what every page may import, so serve renders every page again.
    """
    with serving(project, ready_text) as url:
        path = project / snippet
        lines = path.read_text(encoding="utf-8").splitlines()
        end = lines.index(f"# --8<-- [end:{section}]")
        marker = f"Snippet marker {time.time_ns()}"
        lines.insert(end, f'print("{marker}")')
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return wait_for(url, marker, timeout=180)
