"""Vendor KaTeX from the npm registry: its CSS and fonts for the site, its script for the build.

The build renders math with KaTeX on Node (scripts/hooks/math.py), so the script goes to
scripts/katex/ and never reaches the site; the stylesheet and the woff2 fonts go to
docs/assets/vendor/katex/, where pages with math link them (math works offline).
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

KATEX_VERSION = "0.16.22"
ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "docs" / "assets" / "vendor" / "katex"  # what the site serves
BUILD_DEST = ROOT / "scripts" / "katex"  # what the build runs (next to render.cjs, which stays)
# Only woff2 fonts: every browser that runs KaTeX picks woff2 first, so woff/ttf are never requested.
KEEP = ("katex.min.css",)
BUILD_KEEP = ("katex.min.js",)
# KaTeX's @font-face rules name no font-display, so a font that arrives after the first paint swaps in and
# moves the text around every formula (a layout shift, worst in Chinese, where lines break between any two
# characters). "optional" keeps the fallback for that one view if the (preloaded) font is late: no shift.
FONT_DISPLAY = "@font-face{font-display:optional;"


def with_font_display(css: str) -> str:
    """KaTeX's stylesheet with font-display: optional in every @font-face rule."""
    if "font-display" in css:
        raise ValueError("KaTeX's stylesheet already sets font-display: check the new version before patching it")
    return css.replace("@font-face{", FONT_DISPLAY)


def vendor(tarball: Path, dest: Path, build_dest: Path) -> list[Path]:
    """Copy KaTeX's CSS and fonts from tarball into dest and its script into build_dest; return what was written."""
    written: list[Path] = []
    with tarfile.open(tarball) as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        dist = Path(tmp) / "package" / "dist"
        if dest.exists():
            shutil.rmtree(dest)
        (dest / "fonts").mkdir(parents=True)
        build_dest.mkdir(parents=True, exist_ok=True)
        for name in BUILD_KEEP:
            shutil.copy(dist / name, build_dest / name)
            written.append(build_dest / name)
        for name in KEEP:
            (dest / name).write_text(with_font_display((dist / name).read_text(encoding="utf-8")), encoding="utf-8")
            written.append(dest / name)
        for font in sorted((dist / "fonts").glob("*.woff2")):
            shutil.copy(font, dest / "fonts" / font.name)
            written.append(dest / "fonts" / font.name)
        for folder in (dest, build_dest):
            shutil.copy(Path(tmp) / "package" / "LICENSE", folder / "LICENSE")
            written.append(folder / "LICENSE")
    return written


def main() -> None:
    """Fetch and vendor KaTeX."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", default=KATEX_VERSION)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = vendor(fetch_tarball(Path(tmp), f"katex@{args.version}"), DEST, BUILD_DEST)
    where = f"{DEST.relative_to(ROOT)} and {BUILD_DEST.relative_to(ROOT)}"
    print(f"vendored KaTeX {args.version}: {len(files)} files into {where}")


if __name__ == "__main__":
    main()
