"""Run a snippet as `python snippets/x.py` runs it, without paying for TensorFlow's import each time.

Every snippet test checks that its snippet runs on its own, as a plain script. A fresh interpreter spends about
3 CPU-s importing TensorFlow and Keras before the snippet's first line; ten such runs were about 30 of the
suite's CPU-s. Here each run is still a process of its own: it is forked from a server process that has
imported the third-party libraries in PRELOAD and nothing of the project, and runs the script as __main__, its
own folder first on sys.path, in the working directory asked for, with stdout and stderr captured. A fork
starts from the state a fresh interpreter reaches once it has imported those libraries (an import of a loaded
module returns it), so a run prints what `python snippets/x.py` prints: tests/test_snippet_runner.py checks
that byte for byte, and that a failure, an exit code and a time-out come back as they would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Third-party only: a module of the project preloaded here would hide a snippet's missing import of it.
PRELOAD = ("numpy", "matplotlib.pyplot", "tensorflow", "keras")

# The server: preload, then one JSON request per stdin line; each runs in a forked child; one reply line each.
SERVER = r"""
import json, os, runpy, signal, sys, traceback
for name in json.loads(sys.argv[1]):
    __import__(name)
replies = os.fdopen(os.dup(1), "w")
for line in sys.stdin:
    request = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush()
    child = os.fork()
    if child == 0:
        replies.close()  # the server's, not the script's
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.chdir(request["cwd"])
        sys.argv = request["argv"]
        sys.path[0] = os.path.dirname(os.path.abspath(request["argv"][0]))
        signal.alarm(request["timeout"])  # SIGALRM ends the child: the reply shows the signal
        code = 0
        try:
            runpy.run_path(request["argv"][0], run_name="__main__")
        except SystemExit as end:
            if end.code is None or isinstance(end.code, int):
                code = end.code or 0
            else:
                print(end.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.exit(code)  # a normal interpreter exit: buffers flushed, atexit handlers run
    _, status = os.waitpid(child, 0)
    replies.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
    replies.flush()
"""


class SnippetRunner:
    """A server process that runs scripts in forked children (see the module docstring); one per test process."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kf-snippet-runner-"))
        self.log = (self.folder / "server.log").open("w", encoding="utf-8")
        self.server = subprocess.Popen(
            [sys.executable, "-c", SERVER, json.dumps(PRELOAD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.lock = threading.Lock()
        self.runs = 0

    def run(self, script: Path | str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        """Run script as `python script` in cwd; its exit code and captured output (negative code: killed by signal).

        A script still running after timeout seconds is ended and the run raises subprocess.TimeoutExpired.
        """
        with self.lock:
            self.runs += 1
            out, err = self.folder / f"{self.runs}.out", self.folder / f"{self.runs}.err"
            request = {"argv": [str(script)], "cwd": str(cwd), "stdout": str(out), "stderr": str(err)}
            self.server.stdin.write(json.dumps(request | {"timeout": timeout}) + "\n")
            self.server.stdin.flush()
            reply = self.server.stdout.readline()
        if not reply:
            self.log.flush()
            server_log = (self.folder / "server.log").read_text(encoding="utf-8")
            raise RuntimeError(f"the snippet runner's server ended: {server_log[-3000:]}")
        returncode = json.loads(reply)["returncode"]
        stdout, stderr = out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
        if returncode == -14:  # SIGALRM: the child's own alarm went off
            raise subprocess.TimeoutExpired([sys.executable, str(script)], timeout, stdout, stderr)
        return subprocess.CompletedProcess([sys.executable, str(script)], returncode, stdout, stderr)

    def close(self) -> None:
        """Stop the server and remove its files."""
        self.server.stdin.close()
        self.server.wait(timeout=30)
        self.log.close()
        for file in self.folder.iterdir():
            file.unlink()
        self.folder.rmdir()
