"""Designing the first layer (docs/first_layer.md, snippets/first_layer.py, snippets/kf/stems.py)."""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import keras
import pytest
from bs4 import BeautifulSoup
from built_pages import HUGGING_TIMES, ZH_PUNCTUATION, built_page, built_zh_page, missing_sentences, text_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SNIPPETS, require
from kf import stack, stems

CORE_JS = ROOT / "docs" / "assets" / "javascripts" / "calculator" / "core.js"


@pytest.fixture(scope="module")
def snippet() -> dict:
    """The page's snippet, run once; its globals are what the page renders."""
    return runpy.run_path(str(SNIPPETS / "first_layer.py"))


def test_stacking_by_hand(snippet: dict) -> None:
    first = snippet["compare"]["First layer, 1 → 32"]
    # 7·7·1·32 = 1,568; 9·(1·32 + 32·32 + 32·32) = 9·2,080 = 18,720.
    assert (first["single"], first["stack"]) == (1_568, 18_720)
    middle = snippet["compare"]["Middle layer, 64 → 64"]
    assert (middle["single"], middle["stack"]) == (200_704, 110_592)  # 49·64², 27·64²
    assert round(middle["ratio"], 2) == 0.55
    # 9·(n − 1)·C/(k² − 9) = 9·2·32/40 = 72/5 = 14.4; per output channel 9/20.
    assert stems.break_even_c_in(32, 7) == Fraction(72, 5)
    assert snippet["break_even"] == Fraction(72, 5)
    assert round(snippet["first_curve"][0], 1) == 11.9
    assert set(snippet["middle_curve"]) == {27 / 49}


def test_training_macs_by_hand(snippet: dict) -> None:
    three = snippet["breakdown"]["three 3×3 (1 → 32 → 32 → 32)"]
    # 26²·9·32 = 194,688; 24²·9·32·32 = 5,308,416; 22²·9·32·32 = 4,460,544; head 11²·32·10 = 38,720.
    assert [macs for _, macs in three["convs"]] == [194_688, 5_308_416, 4_460_544]
    assert (three["head"], three["total"]) == (38_720, 10_002_368)
    one = snippet["breakdown"]["one 7×7 (1 → 32)"]
    assert (one["convs"][0][1], one["total"]) == (758_912, 797_632)  # 22²·49·32 + 38,720


def test_expansion_and_rank_by_hand(snippet: dict) -> None:
    ratios, ranks = snippet["ratios"], snippet["ranks"]
    assert ratios["Conv2D(64, (3,3)) on a digit"] == Fraction(64, 9)
    assert ratios["Conv2D(32, (7,7)) on a digit"] == Fraction(32, 49)
    assert ratios["ConvNeXt patchify, 4×4"] == Fraction(96, 48)
    assert ranks["Conv2D(64, (3,3)) on a digit"] == 9  # 64 vectors of 9 numbers
    assert ranks["Conv2D(32, (7,7)) on a digit"] == 32


def test_stems_by_hand(snippet: dict) -> None:
    facts = snippet["stem_facts"]
    resnet = facts["ResNet", 3]
    # 7·7·3·64 + 64 = 9,472; 112²·147·64 = 118,013,952; field 7 + 2·2 = 11.
    assert (resnet["params"], resnet["macs"], resnet["shape"], resnet["field"], resnet["jump"]) == (
        9_472,
        118_013_952,
        (56, 56, 64),
        11,
        4,
    )
    resnet_c = facts["ResNet-C", 3]
    # (864 + 32) + (9,216 + 32) + (18,432 + 64) = 28,640; 112²·9·(3·32 + 32·32 + 32·64) = 357,654,528.
    assert (resnet_c["params"], resnet_c["macs"], resnet_c["field"]) == (28_640, 357_654_528, 15)
    convnext = facts["ConvNeXt-T", 3]
    assert (convnext["params"], convnext["macs"], convnext["shape"]) == (4_704, 14_450_688, (56, 56, 96))
    assert facts["ResNet", 1]["params"] == 3_200  # 7·7·1·64 + 64


def test_rgb_space_downsample_by_hand(snippet: dict) -> None:
    colour = snippet["rgb"]["32×32×3 colour image"]
    assert (colour["small"].params, colour["large"].params) == (1_792, 4_736)
    assert (colour["small"].macs_valid, colour["large"].macs_valid) == (1_555_200, 3_179_904)  # 30²·27·64, 26²·147·32
    assert not colour["stack_cheaper"]
    assert snippet["conv_macs"] == [225_792, 7_225_344, 3_612_672, 7_225_344]  # 28²·9·32·32 = 14²·9·64·64
    assert [r.activations for r in snippet["results"]][1::3] == [25_088, 12_544]
    step = snippet["downsample"]["Conv2D(32, 3×3, strides=2)"]
    assert (step.params, step.macs) == (9_248, 1_806_336)  # 9·32·32 + 32; 14²·9·32·32
    assert snippet["downsample"]["MaxPooling2D(2)"].params == 0


def test_worked_example_by_hand(snippet: dict) -> None:
    assert snippet["choice"] == (16, 5)
    chosen = snippet["candidates"][16, 5]
    # 416 + 4,640 + 18,496 + Dense 3·3·64·10 + 10 = 29,322; 313,600 + 903,168 + 903,168 + 5,760 = 2,125,696.
    assert (chosen["params"], chosen["macs"], chosen["field"]) == (29_322, 2_125_696, 20)
    assert snippet["candidates"][16, 3]["field"] == 18
    assert not snippet["fits"][32, 5]


def decode_in_javascript(query: str) -> dict:
    """The calculator's own decode() and compute() on a calc= value, run by Node."""
    require(shutil.which("node") is not None, "node")
    script = (
        f"const core = require({json.dumps(str(CORE_JS))});"
        f"const d = core.decode({json.dumps(query)});"
        "if (d.error) { console.log(JSON.stringify(d)); process.exit(0); }"
        "console.log(JSON.stringify({state: d.state, a: core.computeJSON(d.state.a), b: core.computeJSON(d.state.b)}));"
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def as_python(layers: list[dict]) -> list[dict]:
    """Decoded calculator layers with whole numbers, as kf.stack writes them."""
    return [
        {"type": layer["type"], "padding": layer["padding"], **{f: int(layer[f]) for f in stack.FIELDS[layer["type"]]}}
        for layer in layers
    ]


def test_calculator_link_opens_the_designs_the_page_computed(snippet: dict) -> None:
    query = parse_qs(urlparse(snippet["calculator_link"]).query)["calc"][0]
    decoded = decode_in_javascript(query)
    assert "error" not in decoded, decoded
    for key, design in (("a", snippet["design"](*snippet["choice"])), ("b", snippet["design"](*snippet["runner_up"]))):
        assert decoded["state"][key]["input"] == {"h": "28", "w": "28", "c": "1"}
        assert as_python(decoded["state"][key]["layers"]) == [
            {k: v for k, v in layer.items() if k == "type" or k == "padding" or k in stack.FIELDS[layer["type"]]}
            for layer in design
        ]
    head = 3 * 3 * 64 * 10  # Dense(10) on the 3×3×64 output: weights (MACs) and 10 biases
    chosen = snippet["candidates"][snippet["choice"]]
    assert int(decoded["a"]["totals"]["params"]) == chosen["params"] - head - 10
    assert int(decoded["a"]["totals"]["macs"]) == chosen["macs"] - head


def test_calc_query_rejects_unknown_layers() -> None:
    with pytest.raises(ValueError, match="layer type must be one of"):
        stems.calc_token({"type": "dense", "padding": "valid"})
    with pytest.raises(ValueError, match="kernel must be odd"):
        stems.stack_depth(4)
    with pytest.raises(ValueError, match="c_in"):
        stems.expansion(0, 32, 3)
    with pytest.raises(ValueError, match="no break-even"):
        stems.break_even_c_in(32, 3)


def keras_count(c_in: int, channels: list[int], kernel: int) -> int:
    """count_params() of a bias-free Conv2D chain in Keras."""
    model = keras.Sequential(
        [keras.Input(shape=(12, 12, c_in))]
        + [keras.layers.Conv2D(c, kernel, padding="same", use_bias=False) for c in channels]
    )
    return model.count_params()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    c_in=st.integers(1, 96),
    c_out=st.integers(1, 96),
    width=st.integers(1, 96),
    kernel=st.sampled_from([5, 7, 9]),
)
def test_stated_condition_agrees_with_keras(c_in: int, c_out: int, width: int, kernel: int) -> None:
    n = stems.stack_depth(kernel)
    single = keras_count(c_in, [c_out], kernel)
    stacked = keras_count(c_in, [width] * (n - 1) + [c_out], 3)
    assert stems.stack_is_cheaper(c_in, c_out, kernel, width) == (stacked < single)
    if width == c_out:
        assert (c_in > stems.break_even_c_in(c_out, kernel)) == (stacked < single)


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "first_layer.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "../calculator/?calc=v1.28x28x1_c16k5x5" in done.stdout


@pytest.fixture(scope="module")
def page(built_site: Path) -> BeautifulSoup:
    """The built page."""
    return built_page(built_site, "first_layer")


@pytest.mark.slow
def test_built_prose(page: BeautifulSoup) -> None:
    assert not missing_sentences(
        page,
        [
            "One 7×7 layer from 1 to 32 channels has 1,568 weights",
            "have 18,720: 11.9× as many",
            "110,592 against 200,704 weights: 0.55×",
            "layer already receives more than 45% as many channels as it outputs",
            "it needs more than 14.4 input channels",
            "The stack needs 10,002,368 MACs per image and the 7×7 layer 797,632, 12.5× fewer",
            "writes 64 values for every 9 it reads (7.1×)",
            "kernel has rank 9",
            "ResNet-C has 28,640 parameters against ResNet's 9,472, and needs 3.0× the MACs (357,654,528 against "
            "118,013,952)",
            "All three shrink the 224×224 image to 56×56",
            "the parameter ratio grows from 2.50 to 2.64",
            "costs the same 7,225,344 MACs",
            "with 9,248 parameters and 1,806,336 MACs",
            "at most 30,000 parameters and 2,500,000 MACs",
            "the design ends on 16 filters of 5×5: 29,322 parameters and 2,125,696 MACs",
        ],
        HUGGING_TIMES,
    )


@pytest.mark.slow
def test_built_tables_figure_and_link(page: BeautifulSoup, snippet: dict) -> None:
    text = text_of(page.find("article"))
    for cell in ("18,720", "10,002,368", "797,632", "357,654,528", "14,450,688", "7,225,344", "29,322"):
        assert cell in text, cell
    svgs = page.select("figure.kf-figure svg[role=img]")
    assert len(svgs) == 1
    assert "crossing 1 at 14.4 input channels" in svgs[0]["aria-label"]
    links = [a["href"] for a in page.find_all("a", href=True) if "calc=" in a["href"]]
    assert links == [snippet["calculator_link"]]
    assert page.find("a", href="../modern_kernels/") is not None, "Next: link missing"


# The Chinese page (docs_zh/first_layer.md, i18n/zh/first_layer.yml): the same computed numbers in its sentences.
ZH_PROSE = [
    "一个从 1 到 32 通道的 7×7 层有 1,568 个权重。三个 3×3 层（1 → 32 → 32 → 32）有 18,720 个：是前者的 11.9 倍",
    "同样的比较给出 110,592 对 200,704 个权重：0.55×，正是 VGG 论文中的 27/49",
    "只有当一层接收的通道数已经超过它输出通道数的 45% 时，三个 3×3 层才比一个 7×7 层便宜",
    "它需要超过 14.4 个输入通道",
    "堆叠每张图像需要 10,002,368 次乘加运算，7×7 层只需 797,632 次，前者是后者的 12.5 倍",
    "每读入 9 个值就写出 64 个值",
    "卷积核的秩为 9",
    "ResNet-C 有 28,640 个参数，ResNet 有 9,472 个",
    "（357,654,528 对 118,013,952）",
    "三者都在第一个块之前把 224×224 的图像缩小到 56×56",
    "参数之比从 2.50 增大到 2.64",
    "因为 3 个输入通道仍远低于盈亏平衡点 14.4。",  # the catalog entry must not end inside the number
    "都需要同样的 7,225,344 次乘加运算",
    "需要 9,248 个参数和 1,806,336 次乘加运算",
    "每张图像至多 30,000 个参数和 2,500,000 次乘加运算",
    "只有第一层有 8 个或 16 个滤波器的设计在预算之内",
    "所以设计最终选定 16 个 5×5 的滤波器：29,322 个参数，2,125,696 次乘加运算",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path, snippet: dict) -> None:
    page = built_zh_page(built_zh_site, "first_layer")
    assert not missing_sentences(page, ZH_PROSE, ZH_PUNCTUATION)
    label = page.select_one("figure.kf-figure svg[role=img]")["aria-label"]
    assert "在 14.4 个输入通道处穿过 1；输入与输出通道数相同时，它始终是 0.55。" in label
    links = [a["href"] for a in page.find_all("a", href=True) if "calc=" in a["href"]]
    assert links == [snippet["calculator_link"]], "the Chinese page opens the same design in the calculator"
