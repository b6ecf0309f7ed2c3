"""Vendor KaTeX from the npm registry into docs/assets/vendor/katex (math works offline)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_pack import fetch_tarball

KATEX_VERSION = "0.16.22"
ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "docs" / "assets" / "vendor" / "katex"
# Only woff2 fonts: every browser that runs KaTeX picks woff2 first, so woff/ttf are never requested.
KEEP = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def vendor(tarball: Path, dest: Path) -> list[Path]:
    """Copy the KaTeX files the site needs from tarball into dest; return what was written."""
    written: list[Path] = []
    with tarfile.open(tarball) as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        dist = Path(tmp) / "package" / "dist"
        if dest.exists():
            shutil.rmtree(dest)
        (dest / "fonts").mkdir(parents=True)
        (dest / "contrib").mkdir()
        for name in KEEP:
            shutil.copy(dist / name, dest / name)
            written.append(dest / name)
        for font in sorted((dist / "fonts").glob("*.woff2")):
            shutil.copy(font, dest / "fonts" / font.name)
            written.append(dest / "fonts" / font.name)
        shutil.copy(Path(tmp) / "package" / "LICENSE", dest / "LICENSE")
        written.append(dest / "LICENSE")
    return written


def main() -> None:
    """Fetch and vendor KaTeX."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", default=KATEX_VERSION)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = vendor(fetch_tarball(Path(tmp), f"katex@{args.version}"), DEST)
    print(f"vendored KaTeX {args.version}: {len(files)} files into {DEST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
