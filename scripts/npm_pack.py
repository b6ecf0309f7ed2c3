"""Fetch one package tarball from the npm registry with `npm pack` (for the vendoring scripts)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def fetch_tarball(workdir: Path, spec: str) -> Path:
    """Run `npm pack SPEC` (e.g. katex@0.16.22) in workdir; return the tarball path, or exit with the reason."""
    if shutil.which("npm") is None:
        sys.exit(f"error: npm is not installed; it is needed to fetch {spec} from the npm registry")
    done = subprocess.run(["npm", "pack", spec], cwd=workdir, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: npm pack {spec} failed:\n{done.stderr}")
    return workdir / done.stdout.strip().splitlines()[-1]
