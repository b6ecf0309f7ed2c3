"""The Parameters chapter (docs/parameters.md, snippets/parameters.py): counts pinned by hand, shown in the HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import ZH_PUNCTUATION, built_page, built_zh_page, missing_sentences, text_of

from conftest import ROOT, SNIPPETS
from kf.costs import keras_params, param_grid, signed

# Checked by hand with k·k·C_in·C_out + C_out: (kernel, input channels, filters) -> parameters.
HAND_CHECKED = {
    (1, 1, 8): 16,
    (3, 1, 64): 640,
    (7, 1, 32): 1_600,
    (11, 1, 128): 15_616,  # 121·128 + 128
    (3, 3, 64): 1_792,  # 27·64 + 64
    (7, 3, 32): 4_736,  # 147·32 + 32
    (3, 64, 64): 36_928,  # 576·64 + 64
    (7, 64, 32): 100_384,  # 3,136·32 + 32
    (11, 64, 128): 991_360,  # 7,744·128 + 128
    (1, 64, 8): 520,
}
PROSE = [  # sentences whose numbers the page renders from code
    "multiplies the weights per filter by 49 ÷ 9 ≈ 5.44, yet the whole 32-filter 7×7 layer still has only 1,600 parameters",
    "they need 36,928 and 100,384: the 64 × 3×3 layer alone grows 57.7×",
    "doubling 32 to 64 filters of 3×3 on one channel multiplies it by exactly 2",
    "3×3 with 64 filters has 64× the weights",
    "128 filters of 11×11, has 15,616 parameters. The same layer on 64 input channels has 991,360",
    "it has 960 parameters more than the 3×3 layer",
    "head has 277,760 parameters more, about 289× the first layer's whole difference",
    "hold 43,264 values against 15,488",
    "still needs 18,432 more (19× the first layer's difference)",
    "33 cells checked against Keras count_params(): all equal",
    # Issue 11: the first layer's gap rendered from the facts (1,600 − 640), not "a few hundred".
    "the 32 × 7×7 layer has 960 parameters more than the 64 × 3×3 layer",
    # Issue 11: both factors multiply; 11²/1² = 121 and 64/1 = 64 across the grid.
    "the kernel area spans 121× (1×1 to 11×11) and the input depth 64× (1 to 64 channels)",
]
NEXT_TABLE = {  # row label -> (after 3×3, after 7×7, difference)
    "This layer's parameters": ("640", "1,600", "+960"),
    "Output values per image (valid)": ("43,264", "15,488", "−27,776"),
    "Next: Flatten + Dense(10)": ("432,650", "154,890", "−277,760"),
    "Next: Conv2D(64, (3,3))": ("36,928", "18,496", "−18,432"),
}


@pytest.mark.parametrize(("cell", "expected"), HAND_CHECKED.items())
def test_grid_cells_equal_hand_counts_and_keras(cell: tuple[int, int, int], expected: int) -> None:
    kernel, c_in, filters = cell
    assert param_grid([kernel], [filters], c_in) == [[expected]]
    assert keras_params(kernel, c_in, filters) == expected


def test_grid_has_kernels_as_rows_and_filters_as_columns() -> None:
    grid = param_grid([1, 3], [8, 16, 32], 1)
    assert grid == [[16, 32, 64], [80, 160, 320]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: param_grid([], [8], 1), "at least one"),
        (lambda: param_grid([3], [0], 1), "filters must be between 1"),
        (lambda: param_grid([3], [8], 0), "input channels must be between 1"),
        (lambda: keras_params(3, 1, 2.5), "filters must be a whole number"),
        (lambda: signed(1.5), "whole number"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_signed_uses_a_true_minus_sign() -> None:
    assert (signed(-27_776), signed(960), signed(0)) == ("−27,776", "+960", "0")


def page(site: Path) -> BeautifulSoup:
    """The built Parameters page."""
    return built_page(site, "parameters")


@pytest.mark.slow
def test_built_prose_shows_the_computed_numbers(built_site: Path) -> None:
    assert not missing_sentences(page(built_site), PROSE)


@pytest.mark.slow
def test_built_grid_tables_show_every_input_depth(built_site: Path) -> None:
    soup = page(built_site)
    grids = [t for t in soup.find_all("table") if "128 filters" in t.get_text()]
    assert len(grids) == 3, "one table per input depth (1, 3, 64)"
    cells = [[[text_of(td) for td in tr.find_all("td")] for tr in t.find_all("tr")[1:]] for t in grids]
    assert [len(rows) for rows in cells] == [11, 11, 11]
    assert cells[0][2] == ["3×3", "80", "160", "320", "640", "1,280"]
    assert cells[1][6][4] == "9,472"  # 7×7, 64 filters, RGB: 147·64 + 64
    assert cells[2][10][5] == "991,360"
    labels = [text_of(label) for label in soup.select(".tabbed-labels label")]
    assert {"C_in = 1", "C_in = 3", "C_in = 64"} <= set(labels)


@pytest.mark.slow
def test_built_next_layer_table(built_site: Path) -> None:
    tables = [t for t in page(built_site).find_all("table") if "Flatten + Dense(10)" in t.get_text()]
    assert len(tables) == 1
    rows = {
        text_of(tr.find("td")): [text_of(td) for td in tr.find_all("td")[1:]] for tr in tables[0].find_all("tr")[1:]
    }
    for label, cells in NEXT_TABLE.items():
        assert tuple(rows[label]) == cells, label


@pytest.mark.slow
def test_built_first_layer_table_and_exercise(built_site: Path) -> None:
    soup = page(built_site)
    first = [t for t in soup.find_all("table") if "weights per 3×3 filter" in t.get_text()]
    assert len(first) == 1
    rows = [[text_of(td) for td in tr.find_all("td")] for tr in first[0].find_all("tr")[1:]]
    assert [row[1:] for row in rows] == [
        ["9", "640", "49", "1,600"],
        ["27", "1,792", "147", "4,736"],
        ["576", "36,928", "3,136", "100,384"],
    ]
    answer = soup.select_one("details.question")
    assert answer is not None, "the answer is missing"
    assert not answer.has_attr("open"), "the answer must be collapsed"
    assert "1,792" in text_of(answer)
    assert "4,736" in text_of(answer)
    assert "≈ 2.64" in text_of(answer)
    assert "it was 2.5 with one channel" in text_of(answer)


@pytest.mark.slow
def test_built_figures_have_alt_text_with_the_numbers(built_site: Path) -> None:
    figures = page(built_site).select("figure.kf-figure svg[role=img]")
    assert len(figures) == 2
    heatmap, bars = (svg["aria-label"] for svg in figures)
    assert "16 to 15,616" in heatmap
    assert "520 to 991,360" in heatmap
    assert "432,650 after the 64×3×3 layer, 154,890 after the 32×7×7 layer" in bars
    for svg in figures:
        assert "var(--md-default-fg-color)" in str(svg)
        assert "#0a0b0c" not in str(svg)
        assert svg.find("text") is not None, "figure text should be real SVG text"


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "parameters.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "count_params() = 640, formula = 640" in done.stdout
    assert "| 11×11 | 61,960 | 123,920 | 247,840 | 495,680 | 991,360 |" in done.stdout


# The Chinese page (docs_zh/parameters.md, i18n/zh/parameters.yml): the same computed numbers in its sentences,
# its next-layer table and its figure text.
ZH_PROSE = [
    "每个滤波器的权重变为 49 ÷ 9 ≈ 5.44 倍，可整个 32 滤波器的 7×7 层仍然只有 1,600 个参数",
    "它们分别需要 36,928 和 100,384 个参数：仅 64 × 3×3 层就增长到 57.7 倍",
    "第一层最大的单元格是 128 个 11×11 滤波器，有 15,616 个参数。同样的层放在 64 个输入通道上有 991,360 个",
    "卷积核面积相差 121 倍（1×1 到 11×11），输入深度相差 64 倍（1 到 64 个通道）",
    "32 × 7×7 层比 64 × 3×3 层多 960 个参数",
    "输出头要多 277,760 个参数，约为第一层全部差值的 289 倍，因为 64 张 26×26 的特征图共有 43,264 个值，而另一边只有 15,488 个",
    "却仍要多 18,432 个参数（第一层差值的 19 倍）",
    "已有 33 个单元格与 Keras 的 count_params() 核对：全部相等",
    "本层的参数 640 1,600 +960 每张图像的输出值（valid） 43,264 15,488 −27,776",
    "下一层 Dense(10)：64×3×3 层之后为 432,650，32×7×7 层之后为 154,890",
    "1 个输入通道时参数量从 16 到 15,616；3 个时从 32 到 46,592；64 个时从 520 到 991,360",
    "（单通道时为 2.5：权重变为三倍，偏置不变）",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    assert not missing_sentences(built_zh_page(built_zh_site, "parameters"), ZH_PROSE, ZH_PUNCTUATION)
