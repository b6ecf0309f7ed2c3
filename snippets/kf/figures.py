"""One shared matplotlib style, and SVG output that reads in light and dark mode and never changes bytes."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Stand-in colours: replaced in the SVG by Material's CSS variables, so text and axes follow the theme.
FOREGROUND = "#0a0b0c"
GRID = "#0d0e0f"
THEME_COLOURS = {
    FOREGROUND: "var(--md-default-fg-color)",
    GRID: "var(--md-default-fg-color--lightest)",
}
# Okabe–Ito colours: distinguishable with colour-blindness and legible on white and on slate.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
SMALL_KERNEL_COLOUR, LARGE_KERNEL_COLOUR = PALETTE[0], PALETTE[1]

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "font.size": 11,
    "font.family": "DejaVu Sans",
    "text.color": FOREGROUND,
    "axes.labelcolor": FOREGROUND,
    "axes.edgecolor": FOREGROUND,
    "xtick.color": FOREGROUND,
    "ytick.color": FOREGROUND,
    "axes.titlecolor": FOREGROUND,
    "legend.edgecolor": GRID,
    "legend.facecolor": "none",
    "legend.labelcolor": FOREGROUND,
    "grid.color": GRID,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.fonttype": "none",  # real text: crisp, searchable, follows the page font size
    "svg.hashsalt": "kernels-and-filters",  # fixed ids, so the bytes are the same on every build
}


@contextmanager
def style() -> Iterator[None]:
    """Apply the shared figure style for the duration of a block."""
    with plt.rc_context(STYLE):
        yield


def _scoped_ids(svg: str, prefix: str) -> str:
    """Rename ids to prefix-1, prefix-2, ... in document order.

    Unique per figure, so several inline figures never share an id; and deterministic, because
    matplotlib derives clip-path ids from Python object ids, which change from run to run.
    """
    names = list(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)))
    renamed = {name: f"{prefix}-{number}" for number, name in enumerate(names, 1)}
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{renamed[m.group(1)]}"', svg)
    return re.sub(r"#([\w.-]+)([)\"])", lambda m: f"#{renamed.get(m.group(1), m.group(1))}{m.group(2)}", svg)


def _themed(svg: str) -> str:
    """Replace stand-in colours with theme CSS variables; drop the prologue, metadata and global CSS."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)  # matplotlib's `*{...}` would style the page
    for colour, variable in THEME_COLOURS.items():
        svg = svg.replace(colour, variable)
    svg = re.sub(r"font-family: '?DejaVu Sans'?", "font-family: var(--md-text-font-family, sans-serif)", svg)
    return svg


def svg_figure(fig: matplotlib.figure.Figure, alt: str, caption: str = "") -> str:
    """Render fig as inline SVG HTML with alt text (aria-label and <title>), then close it."""
    if not alt.strip():
        raise ValueError("every figure needs alt text")
    buffer = io.StringIO()
    # The svg.* settings act at save time, and callers often save after their `with style():` block.
    with plt.rc_context({key: STYLE[key] for key in ("svg.fonttype", "svg.hashsalt")}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = _themed(buffer.getvalue())
    svg = _scoped_ids(svg, "fig-" + hashlib.sha256(alt.encode()).hexdigest()[:8])
    label = html.escape(alt, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="kf-svg" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", rf"\1<title>{label}</title>", svg, count=1)
    caption_html = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="kf-figure">{svg}{caption_html}</figure>'
