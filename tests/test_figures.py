"""kf.figures: the slimmed SVG draws what matplotlib's does, with fewer elements; a tile grid is one image."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pytest

from browser_support import browser  # noqa: F401 - fixtures
from kf import figures

# Light-theme values of the CSS variables the themed SVG uses, so the browser draws it as the site does.
PAGE = """<!doctype html><html><head><style>
body {{ margin: 0; background: #fff; --md-default-fg-color: rgba(0,0,0,.87);
  --md-default-fg-color--lightest: rgba(0,0,0,.07); --md-text-font-family: "DejaVu Sans"; }}
</style></head><body>{svg}</body></html>"""


def elements(svg: str) -> int:
    """How many elements an SVG string holds."""
    return len(re.findall(r"<[a-zA-Z]", svg))


def saved(fig) -> str:
    """fig as svg_figure saves it, themed but not slimmed."""
    buffer = io.StringIO()
    with figures.style():
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return figures._themed(buffer.getvalue())


def lines_bars_legend():
    """Lines with markers, bars, error bars, a legend, a title and a log axis: the chart pages' kinds."""
    fig, (left, right) = plt.subplots(1, 2)
    left.bar(["a", "b", "c"], [1, 3, 2], yerr=[0.2, 0.3, 0.1])
    left.set_title("bars")
    right.plot([1, 10, 100], [3, 1, 2], marker="s", label="squares")
    right.plot([1, 10, 100], [2, 3, 1], marker="o", label="circles")
    right.axhline(2, linestyle="--")
    right.fill_between([1, 100], [0.5, 0.5], [1, 1], alpha=0.3)
    right.set_xscale("log")
    right.legend()
    return fig


def images_in_axes():
    """Images in several axes, some with ticks, one with a colour bar, one with axes off."""
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(2, 2)
    for ax in axes.flat:
        shown = ax.imshow(rng.random((6, 6)), cmap="magma", interpolation="nearest")
    axes[0, 0].set_axis_off()
    fig.colorbar(shown, ax=axes[1, 1])
    return fig


def a_tile_grid():
    """A grid of tiles drawn with tile_grid, with text labels."""
    rng = np.random.default_rng(1)
    fig, ax = plt.subplots()
    bottom = figures.tile_grid(ax, rng.normal(size=(10, 3, 3)), 4, 0.0, cmap="RdBu_r", vmin=-2, vmax=2)
    ax.text(0, bottom - 0.5, "label")
    ax.set_axis_off()
    return fig


def dense_markers():
    """A line whose markers touch: merging them would paint some pixels twice, so they must stay separate."""
    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 1, 200), np.linspace(0, 1, 200) ** 2, marker="s")
    return fig


FIGURES = [lines_bars_legend, images_in_axes, a_tile_grid, dense_markers]
WIDTHS = ["auto", "300px"]  # as saved, and shrunk as on a phone (anti-aliasing then spans more user units)
# Moving a marker's points by its <use> offset instead of a transform changes the rasteriser's float rounding:
# a few edge pixels differ by a few levels. Anything larger (a changed clip, colour or shape) differs by far more.
ROUNDING = 8


def pixels(browser, svgs: list[str], width: str) -> list[np.ndarray]:  # noqa: F811 - fixture
    """Each SVG as Chromium draws it at the given CSS width, as RGBA arrays."""
    from PIL import Image

    page = browser.new_page(viewport={"width": 900, "height": 700})
    try:
        shots = []
        for svg in svgs:
            page.set_content(PAGE.format(svg=svg.replace("<svg ", f'<svg style="width: {width}; height: auto" ', 1)))
            png = page.locator("svg").screenshot()
            shots.append(np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=int))
    finally:
        page.close()
    return shots


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_slimmed_svg_draws_the_same_picture(browser, make: Callable, width: str) -> None:  # noqa: F811 - fixture
    with figures.style():
        raw = saved(make())
    exact = figures._unwrap_groups(figures._INVISIBLE_PATH.sub("", raw))  # the steps that change no pixel at all
    slim = figures._slim(raw)
    assert elements(slim) <= elements(exact) < elements(raw)
    before, unwrapped, slimmed = pixels(browser, [raw, exact, slim], width)
    assert np.array_equal(before, unwrapped), f"{make.__name__}: dropping groups and invisible paths changed pixels"
    assert before.shape == slimmed.shape
    worst = int(np.abs(before - slimmed).max())
    assert worst <= ROUNDING, f"{make.__name__}: merging markers changed a pixel by {worst} levels"


def test_markers_merge_only_when_apart() -> None:
    with figures.style():
        apart, dense = saved(lines_bars_legend()), saved(dense_markers())
    slim = figures._slim(apart)
    assert slim.count("<use") == apart.count("<use") - 3, "the three squares become one path; circles stay <use>"
    assert len(slim) < len(apart), "merging never makes the page heavier"
    assert figures._slim(dense).count("<use") == dense.count("<use")


def test_merged_markers_are_the_marker_moved_by_each_offset() -> None:
    svg = (
        '<svg><defs>\n <path id="m" d="M 0 0 \nL 0 3.5 \n" style="stroke: #000; stroke-width: 0.8"/>\n</defs>'
        '\n <use xlink:href="#m" x="10.5" y="20" style="fill: #111; stroke: #111"/>'
        '\n <use xlink:href="#m" x="30.25" y="20" style="fill: #111; stroke: #111"/></svg>'
    )
    assert figures._slim(svg) == (
        '<svg>\n <path d="M 10.5 20 L 10.5 23.5 M 30.25 20 L 30.25 23.5" '
        'style="fill: #111; stroke: #000; stroke-width: 0.8"/></svg>'
    )
    with_opacity = svg.replace('style="fill: #111; stroke: #111"', 'style="fill: #111; opacity: 0.5"')
    assert figures._slim(with_opacity).count("<use") == 2, "opacity groups each marker: not the same as one path"


def test_slim_unwraps_only_groups_nothing_refers_to() -> None:
    svg = '<svg>\n <g id="a">\n  <g id="b">\n   <path d="M 0 0"/>\n  </g>\n </g>\n <use xlink:href="#b"/>\n</svg>'
    assert figures._slim(svg) == '<svg>\n  <g id="b">\n   <path d="M 0 0"/>\n  </g>\n <use xlink:href="#b"/>\n</svg>'
    kept = '<svg><g transform="scale(2)"><g><path d="M 0 0"/></g></g></svg>'
    assert figures._slim(kept) == '<svg><g transform="scale(2)"><path d="M 0 0"/></g></svg>'
    with pytest.raises(ValueError, match="unbalanced"):
        figures._slim('<svg><g id="a"><path d="M 0 0"/></svg>')


def test_slim_drops_only_paths_that_draw_nothing() -> None:
    invisible = '<path d="M 0 0 L 1 1 z" style="fill: none"/>'
    stroked = '<path d="M 0 0 L 1 1" style="fill: none; stroke: #000"/>'
    assert figures._slim(f"<svg>{invisible}{stroked}</svg>") == f"<svg>{stroked}</svg>"


def test_tile_grid_draws_one_image() -> None:
    with figures.style():
        html = figures.svg_figure(a_tile_grid(), "Ten tiles.")
    assert html.count("<image") == 1
    assert html.count("<title>Ten tiles.</title>") == 1
    assert ">label</text>" in html


def test_tile_grid_returns_the_bottom_of_its_last_row() -> None:
    fig, ax = plt.subplots()
    assert figures.tile_grid(ax, np.zeros((5, 2, 2)), 2, 1.0, pitch=(1.5, 2.0)) == pytest.approx(1.0 - 2 * 2.0 - 1)
    assert ax.get_xlim() == pytest.approx((0, 2.5))
    assert ax.get_ylim() == pytest.approx((-4.0, 1.0))
    with pytest.raises(ValueError, match="columns"):
        figures.tile_grid(ax, np.zeros((1, 2, 2)), 0, 0.0)
    plt.close(fig)
