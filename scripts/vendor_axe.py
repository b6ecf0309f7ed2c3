"""Vendor axe-core from the npm registry into tests/vendor/axe-core (the browser tests' accessibility checker).

axe-core is only used by tests/test_browser.py, injected into each page; the site never serves it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_pack import fetch_tarball

AXE_VERSION = "4.14.1"
ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "tests" / "vendor" / "axe-core"
KEEP = ("axe.min.js", "LICENSE")


def vendor(tarball: Path, dest: Path, version: str) -> list[Path]:
    """Copy axe.min.js and its licence from tarball into dest, with a VERSION file; return what was written."""
    written = []
    with tarfile.open(tarball) as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for name in KEEP:
            if not (package / name).is_file():
                sys.exit(f"error: axe-core@{version} has no {name}")
            shutil.copy(package / name, dest / name)
            written.append(dest / name)
    (dest / "VERSION").write_text(version + "\n", encoding="utf-8")
    written.append(dest / "VERSION")
    return written


def main() -> None:
    """Fetch and vendor axe-core."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", default=AXE_VERSION, help="an axe-core 4.x version (default: %(default)s)")
    args = parser.parse_args()
    if not args.version.startswith("4."):
        parser.error("the browser tests use the axe-core 4.x API; pass a 4.x version")
    with tempfile.TemporaryDirectory() as tmp:
        files = vendor(fetch_tarball(Path(tmp), f"axe-core@{args.version}"), DEST, args.version)
    print(f"vendored axe-core {args.version}: {len(files)} files into {DEST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
