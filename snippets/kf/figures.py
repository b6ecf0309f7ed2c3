"""One shared matplotlib style, and SVG output that reads in light and dark mode and never changes bytes."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

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


def tile_grid(
    ax: matplotlib.axes.Axes,
    tiles: Sequence,
    columns: int,
    top: float,
    left: float = 0.0,
    pitch: tuple[float, float] = (1.2, 1.2),
    **imshow,
) -> float:
    """Draw tiles as a grid on one axes, one unit square each, from (left, top) down; return the y under the last row.

    All the images of one axes are saved as one <image> (matplotlib composites them), where a grid of
    small axes gives the page hundreds of elements. Titles and labels go on ax.text at the same coordinates.
    """
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    step_x, step_y = pitch
    for index, tile in enumerate(tiles):
        x, bottom = left + (index % columns) * step_x, top - (index // columns) * step_y - 1
        ax.imshow(tile, extent=(x, x + 1, bottom, bottom + 1), **{"interpolation": "nearest", **imshow})
    ax.set_xlim(ax.dataLim.intervalx)  # each imshow zooms the axes to its own tile: show every tile drawn so far
    ax.set_ylim(ax.dataLim.intervaly)
    rows = -(-len(tiles) // columns)
    return top - (rows - 1) * step_y - 1


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
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)  # matplotlib's `*{...}` would style the page
    for colour, variable in THEME_COLOURS.items():
        svg = svg.replace(colour, variable)
    svg = re.sub(r"font-family: '?DejaVu Sans'?", "font-family: var(--md-text-font-family, sans-serif)", svg)
    return svg


_INVISIBLE_PATH = re.compile(r'\s*<path d="[^"]*" style="fill: none"/>')  # no fill, no stroke: draws nothing
_GROUP_TAG = re.compile(r'\s*<g(?: id="([^"]+)")?(/?)>|\s*</g>|<g\b[^>]*>')


def _referenced(svg: str) -> set[str]:
    """Every id the SVG refers to, by url(#id) or href="#id"."""
    return set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))


def _unwrap_groups(svg: str) -> str:
    """Drop <g> tags with no attribute but an id nothing refers to: such a group draws nothing of its own."""
    used, kept, out, last = _referenced(svg), [], [], 0
    for match in _GROUP_TAG.finditer(svg):
        out.append(svg[last : match.start()])
        last = match.end()
        tag = match.group(0)
        if tag.lstrip().startswith("</g"):
            out.append(tag if kept.pop() else "")
        elif tag.lstrip().startswith("<g") and not re.fullmatch(r'\s*<g(?: id="[^"]+")?/?>', tag):
            out.append(tag)  # a group with a transform, style or clip: keep it
            if not tag.endswith("/>"):
                kept.append(True)
        else:
            bare = match.group(1) is None or match.group(1) not in used
            out.append("" if bare else tag)
            if not match.group(2):  # not self-closing: its </g> follows
                kept.append(not bare)
    if kept:
        raise ValueError("unbalanced <g> tags in the SVG")
    out.append(svg[last:])
    return "".join(out)


_MARKER_DEF = re.compile(r'\s*<path id="([^"]+)" d="([^"]*)" style="([^"]*)"/>')
_MARKER_USE = re.compile(r'(\s*)<use xlink:href="#([^"]+)" x="([-\d.]+)" y="([-\d.]+)" style="([^"]*)"/>')
# Inherited properties only: set on a <use> they reach the marker by inheritance, set on a path they act the same.
_INHERITED = {"fill", "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "stroke-linecap", "stroke-linejoin"}
_AA_MARGIN = 4  # user units kept clear between two markers (2 px or more at any width the site shows a figure)


def _declarations(style: str) -> dict[str, str]:
    """An inline style as {property: value}."""
    pairs = (part.split(":", 1) for part in style.split(";") if part.strip())
    return {name.strip(): value.strip() for name, value in pairs}


def _moved(d: str, dx: Decimal, dy: Decimal) -> tuple[str, list[tuple[Decimal, Decimal]]] | None:
    """Path data of absolute M/L/C/Q/z commands moved by (dx, dy), and its points; None for any other command."""
    out, points = [], []
    for letter, operands in re.findall(r"([A-Za-z])([^A-Za-z]*)", d):
        try:
            numbers = [Decimal(number) for number in operands.split()]
        except InvalidOperation:
            return None
        if letter not in "MLCQZz" or len(numbers) % 2 or (letter in "Zz" and numbers):
            return None
        pairs = [(x + dx, y + dy) for x, y in zip(numbers[::2], numbers[1::2], strict=True)]
        points += pairs
        out.append(" ".join([letter, *(f"{_decimal_text(x)} {_decimal_text(y)}" for x, y in pairs)]))
    return " ".join(out), points


def _decimal_text(value: Decimal) -> str:
    """A decimal as matplotlib writes numbers: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _disjoint(boxes: list[tuple[Decimal, Decimal, Decimal, Decimal]]) -> bool:
    """True when no two (x0, y0, x1, y1) boxes overlap."""
    boxes = sorted(boxes)
    for i, (_x0, y0, x1, y1) in enumerate(boxes):
        for other in boxes[i + 1 :]:
            if other[0] >= x1:
                break
            if other[1] < y1 and y0 < other[3]:
                return False
    return True


def _merge_markers(svg: str) -> str:
    """Draw each run of identical markers (a line's points) as one path instead of one <use> each.

    Only where that paints the same: the markers use plain path data and inherited properties, and no two come
    within _AA_MARGIN of each other (stroke and miter joins included), so no pixel is painted by two of them.
    And only where the page gets no heavier: a circle's eight curves, repeated, outweigh the <use> elements.
    """
    defs = {m.group(1): (m.group(2), _declarations(m.group(3))) for m in _MARKER_DEF.finditer(svg)}
    uses = list(_MARKER_USE.finditer(svg))
    runs: list[list[re.Match]] = []
    for use in uses:
        previous = runs[-1][-1] if runs else None
        joined = previous is not None and previous.end() == use.start() and previous.group(2, 5) == use.group(2, 5)
        if joined:
            runs[-1].append(use)
        else:
            runs.append([use])

    def merged(run: list[re.Match]) -> str | None:
        """One <path> for the run, or None when it would not paint the same."""
        marker = defs.get(run[0].group(2))
        if len(run) < 2 or marker is None:
            return None
        style = {**_declarations(run[0].group(5)), **marker[1]}  # the marker's own properties win, as in SVG
        if not set(style) <= _INHERITED:
            return None
        reach = Decimal(style.get("stroke-width", "1")) * 2 + _AA_MARGIN  # miter joins reach 2 widths (limit 4)
        parts, boxes = [], []
        for use in run:
            moved = _moved(marker[0], Decimal(use.group(3)), Decimal(use.group(4)))
            if moved is None:
                return None
            parts.append(moved[0])
            xs, ys = [x for x, _ in moved[1]], [y for _, y in moved[1]]  # control points bound a Bézier curve
            boxes.append((min(xs) - reach, min(ys) - reach, max(xs) + reach, max(ys) + reach))
        if not _disjoint(boxes):
            return None
        declarations = "; ".join(f"{name}: {value}" for name, value in style.items())
        path = f'{run[0].group(1)}<path d="{" ".join(parts)}" style="{declarations}"/>'
        replaced = svg[run[0].start() : run[-1].end()]
        return path if len(path) <= len(replaced) else None  # a round marker's curves outweigh its <use>: keep those

    out, last = [], 0
    for run in runs:
        path = merged(run)
        if path is not None:
            out += [svg[last : run[0].start()], path]
            last = run[-1].end()
    svg = "".join(out) + svg[last:]
    used = _referenced(svg)
    return _MARKER_DEF.sub(lambda m: m.group(0) if m.group(1) in used else "", svg)


def _slim(svg: str) -> str:
    """Fewer elements for the browser to style and lay out, drawing the same (tests/test_figures.py compares pixels).

    Drops what draws nothing (groups with no attribute but an unused id, invisible patches, empty <defs>) and
    merges runs of markers (_merge_markers). Clips stay even where they cut nothing: dropping one changes the
    anti-aliasing at the image's edge.
    """
    svg = _unwrap_groups(_merge_markers(_INVISIBLE_PATH.sub("", svg)))
    return re.sub(r"\s*<defs>\s*</defs>", "", svg)


def svg_figure(fig: matplotlib.figure.Figure, alt: str, caption: str = "") -> str:
    """Render fig as inline SVG HTML with alt text (aria-label and <title>), then close it."""
    if not alt.strip():
        raise ValueError("every figure needs alt text")
    buffer = io.StringIO()
    with style():  # svg.fonttype and svg.hashsalt are read when saving, not when drawing
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = _slim(_themed(buffer.getvalue()))
    svg = _scoped_ids(svg, "fig-" + hashlib.sha256(alt.encode()).hexdigest()[:8])
    label = html.escape(alt, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="kf-svg" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", rf"\1<title>{label}</title>", svg, count=1)
    caption_html = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="kf-figure">{svg}{caption_html}</figure>'
