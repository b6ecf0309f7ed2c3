"""Modern kernels page (docs/modern_kernels.md, snippets/modern_kernels.py, snippets/kf/modern.py)."""

from __future__ import annotations

import runpy
from fractions import Fraction
from pathlib import Path

import keras
import pytest
from bs4 import BeautifulSoup
from built_pages import HUGGING_TIMES, ZH_PUNCTUATION, built_page, built_zh_page, missing_sentences
from built_pages import text_of as fold_text
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SNIPPETS
from kf import convmath
from kf.modern import depthwise_params, layer_cost, separable_params

# Checked by hand. On 56×56×64 (3,136 positions), k = 3, N = 64:
#   Conv2D: 9·64·64 + 64 = 36,928 params, 3,136·36,864 = 115,605,504 MACs
#   DepthwiseConv2D: 9·64 + 64 = 640 params, 3,136·576 = 1,806,336 MACs
#   SeparableConv2D: 576 + 4,096 + 64 = 4,736 params, 3,136·4,672 = 14,651,392 MACs
COMPARE = {
    "Conv2D(64, 3)": (36_928, (56, 56, 64), 115_605_504),
    "DepthwiseConv2D(3)": (640, (56, 56, 64), 1_806_336),
    "SeparableConv2D(64, 3)": (4_736, (56, 56, 64), 14_651_392),
}
# C = 96 on 56×56: 7·7·96 + 96; 7·7·96·96 + 96; 96·96 + 96; MACs = 3,136 × kernel weights.
CONVNEXT = {"depthwise": (4_800, 14_751_744), "dense": (451_680, 1_416_167_424), "pointwise": (9_312, 28_901_376)}
# C = 128 on 56×56: k·k·128 + 128 parameters, 3,136·k·k·128 MACs, k·k·128·128 + 128 dense, (k − 1)/2 layers.
LARGE = {
    3: {"params": 1_280, "macs": 3_612_672, "dense_params": 147_584, "stack": 1},
    7: {"params": 6_400, "macs": 19_668_992, "dense_params": 802_944, "stack": 3},
    31: {"params": 123_136, "macs": 385_753_088, "dense_params": 15_745_152, "stack": 15},
    51: {"params": 333_056, "macs": 1_044_062_208, "dense_params": 42_614_912, "stack": 25},
}


@pytest.fixture(scope="module")
def snippet() -> dict:
    """The page's snippet, run once; its globals are what the page renders."""
    return runpy.run_path(str(SNIPPETS / "modern_kernels.py"))


layer_configs = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["Conv2D", "DepthwiseConv2D", "SeparableConv2D"]),
        "size": st.integers(4, 20),
        "kernel": st.integers(1, 7),
        "c_in": st.integers(1, 8),
        "filters": st.integers(1, 8),
        "stride": st.integers(1, 3),
        "padding": st.sampled_from(convmath.PADDINGS),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_configs)
def test_layer_cost_agrees_with_the_formulas(cfg: dict) -> None:
    k, c, n, size, stride, padding = (cfg[key] for key in ("kernel", "c_in", "filters", "size", "stride", "padding"))
    assume(padding == "same" or k <= size)
    layer_class = getattr(keras.layers, cfg["kind"])
    args = () if cfg["kind"] == "DepthwiseConv2D" else (n,)
    cost = layer_cost(layer_class(*args, k, strides=stride, padding=padding), (size, size, c))
    out = convmath.conv_output_size(size, k, stride, padding)
    depthwise_macs = convmath.conv_macs(out, out, k, k, c, c, groups=c)
    expected = {
        "Conv2D": (convmath.conv_params(k, k, c, n), (out, out, n), convmath.conv_macs(out, out, k, k, c, n)),
        "DepthwiseConv2D": (depthwise_params(k, c), (out, out, c), depthwise_macs),
        "SeparableConv2D": (
            separable_params(k, c, n),
            (out, out, n),
            depthwise_macs + convmath.conv_macs(out, out, 1, 1, c, n),
        ),
    }[cfg["kind"]]
    assert (cost.params, cost.output_shape, cost.macs) == expected
    assert cost.values_moved == size * size * c + out * out * expected[1][2] + cost.params


@pytest.mark.parametrize(
    ("make", "shape", "message"),
    [
        (lambda: keras.layers.Dense(3), (8, 8, 1), "takes Conv2D, DepthwiseConv2D, SeparableConv2D, got Dense"),
        (lambda: keras.layers.Conv2D(3, 3), (8, 8), "must be \\(height, width, channels\\)"),
        (lambda: keras.layers.Conv2D(3, 3), (8, 0, 1), "input width must be between 1"),
        (lambda: keras.layers.Conv2D(3, 9), (8, 8, 1), "empty output|cannot run on"),
        (lambda: keras.layers.DepthwiseConv2D(3), (8, 8, 2.5), "input channels must be a whole number"),
    ],
)
def test_layer_cost_rejects_bad_input(make, shape, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        layer_cost(make(), shape)


def test_snippet_values_by_hand(snippet: dict) -> None:
    for name, (params, shape, macs) in COMPARE.items():
        cost = snippet["costs"][name]
        assert (cost.params, cost.output_shape, cost.macs) == (params, shape, macs), name
    assert snippet["formula_ratio"] == Fraction(73, 576)  # 1/64 + 1/9 = (9 + 64)/576
    assert round(float(snippet["speedup"]), 2) == 7.89
    for name, (params, macs) in CONVNEXT.items():
        assert (snippet["convnext"][name].params, snippet["convnext"][name].macs) == (params, macs), name
    assert snippet["large"] == LARGE
    assert snippet["slak"] == {"params": 2 * (51 * 5 * 128 + 128), "macs": 2 * 3_136 * 51 * 5 * 128}
    assert snippet["traffic"]["Conv2D(64, 3)"].values_moved == 200_704 + 200_704 + 36_928
    assert snippet["traffic"]["DepthwiseConv2D(3)"].values_moved == 200_704 + 200_704 + 640
    # Try it: 5·5·256·256 + 256; 784·1,638,400; 25·256 + 256·256 + 256; 784·71,936.
    assert (snippet["dense"].params, snippet["dense"].macs) == (1_638_656, 1_284_505_600)
    assert (snippet["separable_5"].params, snippet["separable_5"].macs) == (72_192, 56_397_824)
    assert snippet["fewer"] == Fraction(1_638_400, 71_936) == 1 / (Fraction(1, 256) + Fraction(1, 25))


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "modern_kernels.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "| `SeparableConv2D(64, 3)` | 4,736 | (56, 56, 64) | 14,651,392 |" in done.stdout


@pytest.fixture(scope="module")
def page(built_site: Path) -> BeautifulSoup:
    """The built page."""
    return built_page(built_site, "modern_kernels")


def text_of(node) -> str:
    """Visible text, folded; × hugs its number as on the page."""
    return fold_text(node, HUGGING_TIMES)


def rows_of(page: BeautifulSoup, header: str) -> list[list[str]]:
    """Cells of the one table whose header row contains `header`."""
    tables = [t for t in page.find_all("table") if header in text_of(t.find("tr"))]
    assert len(tables) == 1, f"expected one table with {header!r}, found {len(tables)}"
    return [[text_of(td) for td in tr.find_all("td")] for tr in tables[0].find_all("tr")[1:]]


@pytest.mark.slow
def test_built_tables(page: BeautifulSoup) -> None:
    assert rows_of(page, "Output shape") == [
        ["Conv2D(64, 3)", "36,928", "(56, 56, 64)", "115,605,504"],
        ["DepthwiseConv2D(3)", "640", "(56, 56, 64)", "1,806,336"],
        ["SeparableConv2D(64, 3)", "4,736", "(56, 56, 64)", "14,651,392"],
    ]
    assert [row[-1] for row in rows_of(page, "Filters N")] == ["5.76×", "7.89×", "8.69×", "8.92×"]
    assert rows_of(page, "Depthwise kernel")[2] == ["31×31", "123,136", "385,753,088", "15,745,152", "15"]
    assert rows_of(page, "Depthwise kernel")[4] == ["51×5 + 5×51, side by side", "65,536", "204,718,080", "—", "—"]
    assert [row[-1] for row in rows_of(page, "MACs per value")] == ["263.7", "31.7", "4.5", "24.3"]


@pytest.mark.slow
def test_built_prose(page: BeautifulSoup) -> None:
    assert not missing_sentences(
        page,
        [
            "At N = 64 and k = 3 the ratio is 1/64 + 1/9 = 73/576, so the separable layer needs 7.9× fewer MACs",
            "the pointwise layer does 88% of the separable layer's MACs",
            "A 7×7 depthwise layer at 96 channels has 4,800 parameters (7·7·96 + 96); a dense 7×7 Conv2D would have "
            "451,680 (7·7·96·96 + 96), 94× as many",
            "(9,312 parameters, 28,901,376 MACs)",
            "A 31×31 depthwise layer has 123,136 parameters and needs 385,753,088 MACs",
            "takes 15 of them",
            "have 65,536 parameters against 333,056 for the full 51×51: 20% of them",
            "The dense 3×3 layer does 264 MACs for every value it moves; the 3×3 depthwise layer only 4.5",
            "does 64× less arithmetic",
            "A 7×7 depthwise kernel does 5.4× the MACs of a 3×3 one",
            "22.78× fewer MACs: 1/(1/256 + 1/25) from the formula, and 1,284,505,600 ÷ 56,397,824",
            "The parameters fall from 1,638,656 to 72,192",
        ],
        HUGGING_TIMES,
    )
    answer = page.find("details", class_="question")
    assert answer is not None, "the answer is missing"
    assert "open" not in answer.attrs, "the answer must be collapsed"
    assert page.find("a", href="../myths/") is not None, "Next: link missing"


@pytest.mark.slow
def test_measured_numbers_are_marked(page: BeautifulSoup) -> None:
    timing = [t for t in page.find_all("table") if "Best time (ms)" in t.get_text()]
    assert len(timing) == 1
    for tr in timing[0].find_all("tr")[1:]:
        cells = tr.find_all("td")
        assert all(cell.find("span", class_="kf-measured") for cell in cells[2:]), text_of(tr)
        assert float(text_of(cells[2])) > 0
    warning = page.find("div", class_="warning")
    assert warning is not None
    assert warning.find("span", class_="kf-measured") is not None


@pytest.mark.slow
def test_built_figure(page: BeautifulSoup) -> None:
    svgs = page.select("figure.kf-figure svg[role=img]")
    assert len(svgs) == 1
    label = svgs[0]["aria-label"]
    assert "Conv2D (dense) grows from 16,512 to 42,614,912" in label  # 128·128 + 128; 51²·128² + 128
    assert "DepthwiseConv2D grows from 256 to 333,056" in label
    assert "SeparableConv2D grows from 16,640 to 349,440" in label  # 128 + 16,384 + 128; 332,928 + 16,512
    assert svgs[0].find("text") is not None, "figure text should be real text, not glyph paths"


# The Chinese page (docs_zh/modern_kernels.md, i18n/zh/modern_kernels.yml): the same computed numbers in its sentences.
ZH_PROSE = [
    "深度卷积层有 640 个参数（3·3·64 个权重和 64 个偏置）",
    "当 N = 64、k = 3 时，这个比值为 1/64 + 1/9 = 73/576",
    "少到原来的 1/7.9",
    "逐点卷积层承担了可分离卷积层 88% 的乘加运算",
    "一个标准的 7×7 Conv2D 则会有 451,680 个（7·7·96·96 + 96），是前者的 94 倍",
    "（9,312 个参数，28,901,376 次乘加运算）",
    "一个 31×31 的深度卷积层有 123,136 个参数，需要 385,753,088 次乘加运算",
    "需要 15 层",
    "共有 65,536 个参数，而完整的 51×51 有 333,056 个：只占后者的 20%",
    "标准的 3×3 层每搬运一个值要做 264 次乘加运算；3×3 深度卷积层只做 4.5 次",
    "7×7 深度卷积核的乘加运算次数是 3×3 的 5.4 倍",
    "乘加运算次数少到 1/22.78：由公式得 1/(1/256 + 1/25)，由 Keras 层得 1,284,505,600 ÷ 56,397,824",
    "参数从 1,638,656 个降到 72,192 个",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    page = built_zh_page(built_zh_site, "modern_kernels")
    assert not missing_sentences(page, ZH_PROSE, ZH_PUNCTUATION)
    label = page.select_one("figure.kf-figure svg[role=img]")["aria-label"]
    assert "Conv2D（标准）从 16,512 增长到 42,614,912" in label
    warning = page.find("div", class_="warning")
    assert warning is not None
    assert warning.find("span", class_="kf-measured") is not None, "measured times stay marked"
