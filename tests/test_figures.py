"""kf.figures: the slimmed SVG draws exactly what matplotlib's does, with fewer elements; tile grids are one image."""

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
    right.plot([1, 10, 100], [3, 1, 2], marker="o", label="line")
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


FIGURES = [lines_bars_legend, images_in_axes, a_tile_grid]


@pytest.mark.browser
@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_slimmed_svg_draws_the_same_pixels(browser, make: Callable) -> None:  # noqa: F811 - fixture
    with figures.style():
        raw = saved(make())
    slim = figures._slim(raw)
    assert elements(slim) < elements(raw)
    page = browser.new_page(viewport={"width": 900, "height": 700})
    try:
        shots = []
        for svg in (raw, slim):
            page.set_content(PAGE.format(svg=svg))
            shots.append(page.locator("svg").screenshot())
    finally:
        page.close()
    assert shots[0] == shots[1], f"{make.__name__}: the slimmed SVG draws differently"


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
