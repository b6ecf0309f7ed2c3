"""The Output shape chapter (docs/output_shape.md, snippets/output_shape.py): forms agree, Keras agrees, HTML shows it."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import ZH_PUNCTUATION, built_page, built_zh_page, missing_sentences, text_of
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SNIPPETS
from kf import convmath, shapes

# Checked by hand: (n, k, s) -> (zeros before, zeros after) for padding="same".
SAME_PADDING = {
    (28, 3, 1): (1, 1),
    (28, 7, 1): (3, 3),
    (28, 4, 1): (1, 2),  # total 3: the odd zero goes after
    (28, 3, 2): (0, 1),  # ⌈28/2⌉ = 14 outputs need 13·2 + 3 = 29 rows
    (27, 3, 2): (1, 1),
    (28, 7, 2): (2, 3),
    (32, 5, 2): (1, 2),
}
PROSE = [
    "3×3, valid: Keras (26, 26), formula 26×26",
    "7×7, valid: Keras (22, 22), formula 22×22",
    "7×7, same: Keras (28, 28), formula 28×28",
    "In the 5 rows marked ✗, it is a fraction, and Keras returns its floor",
    "(28 - 3)/2 + 1 = 13.5",
    "and Keras gives 13",
    "960 combinations of n = 1…32, k ∈ {1, 2, 3, 5, 7}, s ∈ {1, 2, 3}, valid/same: all agree with Keras "
    "(39 of them have no output in either)",
    "The 3×3 layer outputs 26×26 and the 7×7 layer 22×22: the 7×7 layer loses 3 pixels per side instead of 1",
    "A 3×3 convolution with strides=2 outputs 14×14: 25% of the input's positions, against 62% for the 7×7",
    "Pooling after the 3×3 layer gives 13×13",
]
MYTH_ROWS = [
    ("(26, 26, 64)", "676", "86%"),
    ("(22, 22, 32)", "484", "62%"),
    ("(28, 28, 32)", "784", "100%"),
    ("(14, 14, 64)", "196", "25%"),
    ("(13, 13, 64)", "169", "22%"),
]


@pytest.mark.parametrize(("case", "expected"), SAME_PADDING.items())
def test_same_padding_by_hand_and_in_keras(case: tuple[int, int, int], expected: tuple[int, int]) -> None:
    assert shapes.same_padding(*case) == expected
    assert shapes.keras_same_padding(*case) == expected


def test_the_textbook_forms_by_hand() -> None:
    assert shapes.d2l_output_size(28, 3, 0, 1) == 26
    assert shapes.d2l_output_size(28, 3, 2, 2) == 14
    assert shapes.cs231n_output_size(28, 3, 0, 2) == Fraction(27, 2)
    assert shapes.cs231n_output_size(32, 5, 2, 1) == 32
    assert shapes.output_size(28, 7) == 22
    assert shapes.output_size(28, 3, 0, 1, d=2) == 24
    assert shapes.keras_padded_output_size(28, 3, 1, 2) == 14


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 64), k=st.integers(1, 11), p=st.integers(0, 5), s=st.integers(1, 5))
def test_general_d2l_and_cs231n_forms_agree(n: int, k: int, p: int, s: int) -> None:
    if k > n + 2 * p:
        for form in (
            lambda: shapes.output_size(n, k, 2 * p, s),
            lambda: shapes.d2l_output_size(n, k, 2 * p, s),
            lambda: shapes.cs231n_output_size(n, k, p, s),
        ):
            with pytest.raises(ValueError, match="larger than the padded input"):
                form()
        return
    general = shapes.output_size(n, k, 2 * p, s)
    assert general == shapes.d2l_output_size(n, k, 2 * p, s) == math.floor(shapes.cs231n_output_size(n, k, p, s))


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 64),
    k=st.integers(1, 11),
    s=st.integers(1, 5),
    d=st.integers(1, 3),
    padding=st.sampled_from(convmath.PADDINGS),
)
def test_general_form_is_what_convmath_computes(n: int, k: int, s: int, d: int, padding: str) -> None:
    p_total = convmath.total_padding(n, k, s, padding, d)
    try:
        expected = convmath.conv_output_size(n, k, s, padding, d)
    except ValueError:
        with pytest.raises(ValueError, match="larger than"):
            shapes.output_size(n, k, p_total, s, d)
        return
    assert shapes.output_size(n, k, p_total, s, d) == expected
    if padding == "same":
        assert expected == math.ceil(n / s)
        before, after = shapes.same_padding(n, k, s, d)
        assert before + after == p_total
        assert after - before in (0, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: shapes.d2l_output_size(28, 3, -1, 1), "total padding must be between 0"),
        (lambda: shapes.cs231n_output_size(28, 3, 0, 0), "stride must be between 1"),
        (lambda: shapes.output_size(5, 7), "larger than the padded input"),
        (lambda: shapes.same_padding(28, 3, 0), "stride must be between 1"),
        (lambda: shapes.keras_same_padding(2, 3, 1), "input size ≥ kernel"),
        (lambda: shapes.keras_output_size(28, 3, 1, "full"), "padding must be 'valid' or 'same'"),
        (lambda: shapes.keras_output_size(2, 3, 1, "valid"), "no output"),
        (lambda: shapes.keras_padded_output_size(2, 7, 1, 1), "larger than the padded input"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def page(site: Path) -> BeautifulSoup:
    """The built Output shape page."""
    return built_page(site, "output_shape")


@pytest.mark.slow
def test_built_prose_shows_the_computed_numbers(built_site: Path) -> None:
    assert not missing_sentences(page(built_site), PROSE)


@pytest.mark.slow
def test_built_tables(built_site: Path) -> None:
    tables = page(built_site).find_all("table")
    forms = [t for t in tables if "CS231n" in t.get_text() and "D2L" in t.get_text()]
    assert len(forms) == 1
    rows = [[text_of(td) for td in tr.find_all("td")] for tr in forms[0].find_all("tr")[1:]]
    assert ["28", "3", "1", "2", "14", "14", "14.5 ✗", "14"] in rows
    assert all(row[4] == row[5] == row[7] for row in rows), "general, D2L and Keras agree on every row"
    same = [t for t in tables if "bottom / right" in t.get_text()]
    assert len(same) == 1
    got = {
        (int(r[0]), int(r[1]), int(r[2])): (int(r[5]), int(r[6]))
        for r in ([text_of(td) for td in tr.find_all("td")] for tr in same[0].find_all("tr")[1:])
    }
    assert got == SAME_PADDING
    both = [t for t in tables if "formula / Keras" in t.get_text()]
    assert len(both) == 1
    grid = [[text_of(td) for td in tr.find_all("td")] for tr in both[0].find_all("tr")[1:]]
    assert len(grid) == 12
    assert all(row[3].endswith("✓") and row[4].endswith("✓") for row in grid)
    assert ["28", "7", "2", "11 / 11 ✓", "14 / 14 ✓"] in grid  # ⌊(28 − 7)/2⌋ + 1 and ⌈28/2⌉
    assert ["27", "3", "3", "9 / 9 ✓", "9 / 9 ✓"] in grid  # ⌊24/3⌋ + 1 and ⌈27/3⌉
    myth = [t for t in tables if "of the input's 784" in t.get_text()]
    assert len(myth) == 1
    assert [tuple(text_of(td) for td in tr.find_all("td")[1:]) for tr in myth[0].find_all("tr")[1:]] == MYTH_ROWS


@pytest.mark.slow
def test_built_exercise_answer_is_collapsed_and_computed(built_site: Path) -> None:
    answer = page(built_site).select_one("details.question")
    assert answer is not None
    assert not answer.has_attr("open")
    text = text_of(answer)
    assert "padding='valid': output (14, 14, 16)" in text
    assert "padding='same': output (16, 16, 16)" in text
    assert "3 in total, 1 before (top/left) and 2 after (bottom/right)" in text
    assert "1 on top, 2 at the bottom" in text


@pytest.mark.slow
def test_built_figure_describes_the_grids(built_site: Path) -> None:
    figures = page(built_site).select("figure.kf-figure svg[role=img]")
    assert len(figures) == 1
    alt = figures[0]["aria-label"]
    for part in (
        "3×3, valid: 26×26 output positions, 1 pixel trimmed per side",
        "7×7, valid: 22×22 output positions, 3 pixels trimmed per side",
        "3×3, stride 2, same: 14×14 output positions, centres 2 pixels apart, 1 extra row",
    ):
        assert part in alt, part


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "output_shape.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "| 28 | 3 | 2 | ⌈28/2⌉ = 14 | 1 | 0 | 1 |" in done.stdout
    assert "960 combinations" in done.stdout


# The Chinese page (docs_zh/output_shape.md, i18n/zh/output_shape.yml): the same computed numbers in its
# sentences and figure text.
ZH_PROSE = [
    "在标有 ✗ 的 5 行中，它是一个分数，而 Keras 返回它向下取整的结果",
    "而 Keras 给出 13。最后一个窗口需要的那一行并不存在",
    "3×3 层输出 26×26，7×7 层输出 22×22：7×7 层每侧损失 3 个像素，而不是 1 个",
    "strides=2 的 3×3 卷积输出 14×14：只有输入位置数的 25%，而步幅为 1 的 7×7 卷积是 62%",
    "在 3×3 层之后做池化得到 13×13",
    "7×7，valid：22×22 个输出位置，每侧裁掉 3 个像素",
    "中心相距 2 个像素，底部和右侧各多出 1 行（列）零",
    "上方 1 个，下方 2 个（多出的那个放在后面）",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    assert not missing_sentences(built_zh_page(built_zh_site, "output_shape"), ZH_PROSE, ZH_PUNCTUATION)
