"""Myth vs fact page (docs/myths.md, snippets/myths.py), and the links on every page this branch adds."""

from __future__ import annotations

import functools
import runpy
from fractions import Fraction
from pathlib import Path
from urllib.parse import urljoin, urlparse

import keras
import pytest
from bs4 import BeautifulSoup
from built_pages import HUGGING_TIMES, built_page, missing_sentences
from built_pages import text_of as fold_text

from conftest import ROOT, SNIPPETS

VERDICTS = {  # slug -> verdict, decided by the evidence below
    "fewer-params": "True",
    "ratio": "False",
    "local": "Half-true",
    "large-patterns": "False",
    "space-to-channels": "True",
    "downsample": "False",
    "params-are-cost": "False",
    "complex-patterns": "Half-true",
    "more-variations": "True",
    "loses-information": "False",
    "large-filters": "Half-true",
}


@pytest.fixture(scope="module")
def snippet() -> dict:
    """The page's snippet, run once; its globals are what the page renders."""
    return runpy.run_path(str(SNIPPETS / "myths.py"))


def test_claims_and_verdicts(snippet: dict) -> None:
    claims = snippet["CLAIMS"]
    assert {c.slug: c.verdict for c in claims} == VERDICTS
    assert len({c.slug for c in claims}) == len(claims)
    for claim in claims:
        page = ROOT / "docs" / claim.chapter.split("#")[0]
        assert page.is_file(), claim.chapter


def test_evidence_by_hand(snippet: dict) -> None:
    e = snippet["evidence"]
    assert (e["s"].params, e["l"].params, e["param_ratio"]) == (640, 1_600, Fraction(5, 2))
    assert (e["l_weights"], e["s_weights"]) == (1_568, 576)
    assert round(float(e["weight_ratio"]), 2) == 2.72
    assert e["stack3_field"] == 7
    assert e["digit_layers"] == 14
    assert (e["digit"], e["digit_box_layers"]) == (20, 10)  # 2·10 + 1 = 21 ≥ 20 > 19
    assert (e["stack3_weights"], e["single7_weights"]) == (110_592, 200_704)
    assert e["single7_extra"] == Fraction(22, 27)
    assert (e["vgg_in"], e["vgg_out"], e["vgg_positions"]) == ((224, 224, 3), (7, 7, 512), (50_176, 49))
    assert (e["stride2_shape"], e["pool_shape"]) == ((14, 14, 64), (13, 13, 64))
    assert e["act_ratio"] == Fraction(43_264, 15_488)
    # VGG16 stages: 224²·3, 112²·64, 56²·128, 28²·256, 14²·512, 7²·512 values.
    assert e["vgg_stage_values"] == "150,528 → 802,816 → 401,408 → 200,704 → 100,352 → 25,088"
    assert e["vgg_stage_channels"] == "3 → 64 → 128 → 256 → 512 → 512"
    # Try it: ⌊(28 − 7)/2⌋ + 1 = 11 with valid padding, ⌈28/2⌉ = 14 with same.
    assert snippet["strided"] == {"valid": (11, 11, 32), "same": (14, 14, 32)}


def test_first_layer_evidence(snippet: dict) -> None:
    e = snippet["evidence"]
    assert e["linear_gap"] < 1e-5, "one 7×7 filter without bias is linear: f(a + b) = f(a) + f(b)"
    assert e["stack_gap"] > 1e-2, "three 3×3 layers with ReLUs are not"
    assert e["embed_same_gap"] < 1e-5  # a 3×3 kernel padded with zeros to 7×7 gives the same output
    assert e["embed_valid_gap"] < 1e-5
    assert (e["embed_trim"], e["embed_border"]) == (2, 192)  # (26 − 22)/2; 26² − 22² = 676 − 484
    assert e["s_read"] == 9
    assert e["alexnet_digit"] == (7, 7, 96)  # ⌈28/4⌉
    history = snippet["history"]
    # AlexNet: 11·11·3·96 + 96 = 34,944, 56²·363·96 = 109,283,328; ZFNet: 7·7·3·96 + 96 = 14,208; VGG: 1,792.
    assert [h["params"] for h in history.values()] == [34_944, 14_208, 1_792]
    assert [h["macs"] for h in history.values()] == [109_283_328, 177_020_928, 86_704_128]
    assert [h["shape"] for h in history.values()] == [(56, 56, 96), (112, 112, 96), (224, 224, 64)]


def test_figure_ratios_by_hand_and_with_keras(snippet: dict) -> None:
    ratios = dict(zip(snippet["channels_in"], snippet["param_ratios"], strict=True))
    assert ratios[1] == Fraction(1_600, 640)
    assert ratios[3] == Fraction(4_736, 1_792)
    assert snippet["weights_only"] == Fraction(1_568, 576)
    assert all(
        a < b < snippet["weights_only"]
        for a, b in zip(snippet["param_ratios"], snippet["param_ratios"][1:], strict=False)
    )
    for c in (1, 3, 64):
        counts = []
        for filters, k in ((32, 7), (64, 3)):
            layer = keras.layers.Conv2D(filters, (k, k))
            layer.build((None, 28, 28, c))
            counts.append(layer.count_params())
        assert Fraction(*counts) == ratios[c]


def test_bad_claims_and_links_are_refused(snippet: dict) -> None:
    with pytest.raises(ValueError, match="verdict must be one of True, Half-true, False"):
        snippet["Claim"]("x", "claim", "short", "Maybe", "evidence", "index.md")
    with pytest.raises(ValueError, match=r"expected a link like 'page\.md#anchor'"):
        snippet["site_url"]("https://example.com")
    assert snippet["site_url"]("index.md#a") == "../#a"
    assert snippet["site_url"]("receptive_field.md") == "../receptive_field/"


def test_builder_note_lives_in_contributing_not_on_the_page() -> None:
    page_prose = "".join((ROOT / "docs" / "myths.md").read_text(encoding="utf-8").split("```")[0::2])  # no fences
    assert "idprefix" not in page_prose, "the idprefix note is for contributors: CONTRIBUTING.md"
    assert 'idprefix=""' in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "myths.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Half-true: MNIST digits are made of small local patterns" in done.stdout


@pytest.fixture(scope="module")
def page(built_site: Path) -> BeautifulSoup:
    """The built page."""
    return built_page(built_site, "myths")


def text_of(node) -> str:
    """Visible text, folded; × hugs its number as on the page."""
    return fold_text(node, HUGGING_TIMES)


@pytest.mark.slow
def test_built_summary_table(page: BeautifulSoup, snippet: dict) -> None:
    tables = [t for t in page.find_all("table") if "Verdict" in text_of(t.find("tr"))]
    assert len(tables) == 1
    rows = tables[0].find_all("tr")[1:]
    assert [text_of(tr.find_all("td")[2]) for tr in rows] == list(VERDICTS.values())
    for tr, claim in zip(rows, snippet["CLAIMS"], strict=True):
        assert tr.find_all("td")[1].find("a")["href"] == f"#{claim.slug}"
        heading = page.find(id=claim.slug)
        assert heading is not None, claim.slug
        assert heading.name == "h3", claim.slug
        assert claim.short in text_of(heading)
    assert "Of 11 claims, 3 hold, 3 hold only in part, and 5 do not." in text_of(page.find("article"))


@pytest.mark.slow
def test_built_verdicts_and_evidence(page: BeautifulSoup) -> None:
    kinds = {"True": "success", "Half-true": "warning", "False": "failure"}
    for slug, verdict in VERDICTS.items():
        box = page.find(id=slug).find_next("div", class_="admonition")
        assert kinds[verdict] in box["class"], slug
        assert text_of(box.find(class_="admonition-title")) == verdict, slug
    assert not missing_sentences(
        page,
        [
            "Keras counts 640 for Conv2D(64, (3,3)) and 1,600 for Conv2D(32, (7,7))",
            "The ratio is exactly 2.5 (1,600 ÷ 640)",
            "Only the weights alone (1,568 ÷ 576) give more, about 2.72",
            "it takes 10 stacked 3×3 layers at stride 1 before one unit sees the 20×20 box the digit is drawn in, "
            "and 14 to see all 28 pixels of the image",
            "they have 110,592 weights against 200,704 for the 7×7, which has 81% more",
            "takes a 224×224×3 image to a 7×7×512 map: from 50,176 positions with 3 values each to 49 positions with 512",
            "28×28 becomes 22×22",
            "gives 14×14) or from pooling (MaxPooling2D(2) gives 13×13)",
            "it writes 2.8× as many activations (43,264 against 15,488)",
            "needs 432,650 parameters against 154,890",
            "one input channel, exactly 2.5) but right for a colour image: at 3 channels the ratio is already 2.64",
            "the weights-only ratio 2.72 is the most it can ever be",
            "With valid padding, ⌊(28 − 7)/2⌋ + 1 = 11, so the output is 11×11×32; with same, ⌈28/2⌉ = 14, so 14×14×32",
            "That comparison assumes 64 channels in and out: at a first layer, with 1 input channel, the three 3×3 "
            "layers cost more",
            "the values per position go 3 → 64 → 128 → 256 → 512 → 512 and the values in the whole map go "
            "150,528 → 802,816 → 401,408 → 200,704 → 100,352 → 25,088",
            "response to two images added is its responses added (largest gap 5e-07, rounding)",
            "miss that sum by up to 0.13",
            "the layer writes 43,264 values per image against 15,488, and a Conv2D(64, (3,3)) after it needs 36,928 "
            "parameters against 18,496",
            "the largest difference between the two outputs is 0.0; with valid the 7×7 output is the 3×3 output "
            "without its outer 2 pixels on each side",
            "that border with valid padding, 192 values per filter",
            "Conv2D(96, (11,11), strides=4) leaves a 7×7 grid after one layer",
            "VGG's 3×3 layer has 1,792 parameters against AlexNet's 34,944, and each output value costs 27 MACs "
            "against 363",
            "so the totals end up close: 86,704,128 MACs against 109,283,328",
        ],
        HUGGING_TIMES,
    )
    answer = page.find("details", class_="question")
    assert answer is not None
    assert "open" not in answer.attrs
    svgs = page.select("figure.kf-figure svg[role=img]")
    assert len(svgs) == 1
    assert "1 channel 2.50; 2 channels 2.61; 3 channels 2.64" in svgs[0]["aria-label"]
    assert "64 channels 2.72" in svgs[0]["aria-label"]
    assert svgs[0].find("text") is not None


@functools.cache  # a page's links point at the same few pages again and again: parse each once
def anchors_of(site: Path, html_file: Path) -> frozenset[str]:
    """Every id in a built page."""
    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    return frozenset(tag["id"] for tag in soup.find_all(id=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["receptive_field", "first_layer", "modern_kernels", "myths", "parameters", ""])
def test_every_internal_link_resolves(built_site: Path, name: str) -> None:
    """Links printed by executed snippets skip MkDocs's own checks; this one covers them."""
    html_file = built_site / name / "index.html"
    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    base = f"http://site/{name + '/' if name else ''}"
    for link in soup.find("article").find_all("a", href=True):
        href = link["href"]
        if href.startswith(("http://", "https://", "mailto:")) or href.startswith("#__codelineno"):
            continue
        assert not href.startswith("#exec-"), f"{href}: markdown-exec prefixed an in-page link"
        assert ".md" not in href, f"{href}: an unconverted Markdown link"
        url = urlparse(urljoin(base, href))
        target = built_site / url.path.removeprefix("/") / "index.html"
        assert target.is_file(), f"{href} on {name or 'index'}: no page {target}"
        if url.fragment:
            assert url.fragment in anchors_of(built_site, target), f"{href} on {name or 'index'}: no such anchor"


ZH_PROSE = [  # the Chinese page: the same claims, verdicts and computed evidence
    "11 条说法中，3 条成立，3 条只部分成立，5 条不成立。",
    "1 64×3×3 层的参数更少。 正确 参数",
    "只看权重（1,568 ÷ 576），比值才更大，约为 2.72。",
    "一个单元才能看到数字所在的 20×20 方框，要 14 层才能看到图像的全部 28 个像素",
    "它们有 110,592 个权重，而 7×7 层有 200,704 个，多出 81%",
    "从 50,176 个位置、每个位置 3 个值，变成 49 个位置、每个位置 512 个值",
    "3 个通道时比值已经是 2.64",
    "每个滤波器 192 个值",
    "AlexNet，2012：11×11，步幅 4 34,944 109,283,328 56×56×96 11×11 4",
    "VGG 的 3×3 层有 1,792 个参数，AlexNet 的有 34,944 个；每个输出值的开销是 27 次乘加运算，对比 363 次",
    "所以输出是 11×11×32；使用 same 时，⌈28/2⌉ = 14，所以是 14×14×32",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    from built_pages import ZH_PUNCTUATION, built_zh_page

    page = built_zh_page(built_zh_site, "myths")
    assert missing_sentences(page, ZH_PROSE, ZH_PUNCTUATION) == []
    alt = page.find("svg", attrs={"aria-label": True})["aria-label"]
    assert alt.startswith("折线图："), alt
    assert alt.endswith("逐渐接近只算权重时的比值 2.72。"), alt
