"""The answer page (docs/index.md, snippets/index.py): facts pinned to hand-checked values, shown in the HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import built_page, missing_sentences, text_of

from conftest import ROOT, SNIPPETS
from kf.facts import arithmetic_layer_facts, keras_layer_facts, seed_facts

# Checked by hand: k·k·C_in·C_out + C_out, ⌊(28 − k)/1⌋ + 1, H·W·C_out·k·k·C_in, ...
HAND_CHECKED = {
    "small": dict(
        filters=64,
        kernel=3,
        params=640,
        shape_valid=(26, 26, 64),
        shape_same=(28, 28, 64),
        activations=43_264,
        macs_valid=389_376,
        macs_same=451_584,
        receptive_field=3,
        next_dense_params=432_650,
        next_conv_params=36_928,
    ),
    "large": dict(
        filters=32,
        kernel=7,
        params=1_600,
        shape_valid=(22, 22, 32),
        shape_same=(28, 28, 32),
        activations=15_488,
        macs_valid=758_912,
        macs_same=1_229_312,
        receptive_field=7,
        next_dense_params=154_890,
        next_conv_params=18_496,
    ),
}
TABLE_ROWS = {  # row label prefix -> (3×3 cell, 7×7 cell, ratio cell)
    "Parameters": ("640", "1,600", "2.5×"),
    "Output shape, valid": ("(26, 26, 64)", "(22, 22, 32)", "—"),
    "Output shape, same": ("(28, 28, 64)", "(28, 28, 32)", "—"),
    "Activations": ("43,264", "15,488", "0.36×"),
    "MACs per image, valid": ("389,376", "758,912", "1.95×"),
    "MACs per image, same": ("451,584", "1,229,312", "2.72×"),
    "Theoretical receptive field": ("3", "7", "—"),
    "Next layer: Flatten + Dense(10)": ("432,650", "154,890", "0.36×"),
    "Next layer: Conv2D(64, (3,3))": ("36,928", "18,496", "0.5×"),
}
PROSE = [  # sentences whose numbers the page must render from the facts
    "640 parameters against 1,600",
    "The ratio is exactly 2.5: 1,600 ÷ 640 = 2.5",
    "it needs 432,650 parameters, against 154,890",
    "the 3×3 layer outputs 26×26 and the 7×7 layer 22×22",
    "3 pixels per side instead of 1",
    "outputs 14×14",
    "MaxPooling2D(2) after the 3×3 layer outputs 13×13",
    "three see 7 × 7",
    "110,592 weights and the single 7×7 has 200,704, 81% more",
    "the 3×3 layer needs 389,376 per image and the 7×7 layer 758,912",
    "43,264 activations per image against 15,488",
    "It assumes 64 channels in and out: at the question's first layer, with 1 input channel",
    "output shape (None, 26, 26, 64), 640 parameters, 0 warnings",
]


@pytest.mark.parametrize("which", ["small", "large"])
def test_facts_equal_the_hand_checked_values(which: str) -> None:
    facts = getattr(seed_facts(), which)
    for field, expected in HAND_CHECKED[which].items():
        assert getattr(facts, field) == expected, field


def test_parameter_ratio_is_exactly_two_and_a_half() -> None:
    assert seed_facts().ratio("params") == 2.5
    assert seed_facts().ratio("params").denominator == 2


@pytest.mark.parametrize(("filters", "kernel"), [(64, 3), (32, 7), (16, 5), (8, 1)])
def test_keras_and_formulas_agree_beyond_the_seed_layers(filters: int, kernel: int) -> None:
    assert keras_layer_facts(filters, kernel) == arithmetic_layer_facts(filters, kernel)


def page(site: Path) -> BeautifulSoup:
    """The built answer page."""
    return built_page(site, "")


@pytest.mark.slow
def test_built_table_shows_every_fact(built_site: Path) -> None:
    tables = [t for t in page(built_site).find_all("table") if "Conv2D(64, (3,3))" in t.get_text()]
    assert len(tables) == 1, "the comparison table is missing"
    body = tables[0].find_all("tr")[1:]
    rows = {text_of(tr.find("td")): [text_of(td) for td in tr.find_all("td")[1:]] for tr in body}
    for label, cells in TABLE_ROWS.items():
        matches = [row for name, row in rows.items() if name.startswith(label)]
        assert matches, f"no row starting {label!r} in {list(rows)}"
        assert tuple(matches[0]) == cells, label


@pytest.mark.slow
def test_built_prose_shows_the_facts(built_site: Path) -> None:
    assert not missing_sentences(page(built_site), PROSE)


@pytest.mark.slow
def test_built_page_shows_executed_output(built_site: Path) -> None:
    text = text_of(page(built_site).find("article"))
    assert "Do not pass an `input_shape`/`input_dim` argument to a layer" in text
    assert text.count("Total params: 640") == 1
    assert "Total params: 1,600" in text


@pytest.mark.slow
def test_figure_has_alt_text_and_theme_colours(built_site: Path) -> None:
    figures = page(built_site).select("figure.kf-figure svg[role=img]")
    assert figures, "no figure on the answer page"
    for svg in figures:
        assert "2.5 times" in svg["aria-label"]
        assert "var(--md-default-fg-color)" in str(svg)
        assert "#0a0b0c" not in str(svg)


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "index.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "| Parameters (weights + biases) | 640 | 1,600 | 2.5× |" in done.stdout


def test_sequential_form_on_the_page_is_the_one_the_snippet_runs() -> None:
    line = "keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(64, (3, 3))])"
    assert line in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert line in (SNIPPETS / "index.py").read_text(encoding="utf-8")


# The verdict boxes of "What the usual answer gets right and wrong", in page order: (kind, title).
# A box that changes kind (Right -> Wrong) or title fails here, as the myths page pins its own.
VERDICT_BOXES = [
    ("success", "Right: the 64×3×3 layer has fewer parameters"),
    ("failure", "Wrong: “more than 2.5 times”"),
    ("warning", "Missed: the first layer's parameters hardly matter"),
    ("success", "Right: MNIST digits are made of small local patterns"),
    ("failure", "Wrong: “large patterns need a large kernel”"),
    ("success", "Right: a CNN trades spatial size for channels"),
    ("failure", "Wrong: “a 7×7 kernel downsamples a lot”"),
]
VERDICT_KINDS = {"success": "Right", "failure": "Wrong", "warning": "Missed"}


def verdict_boxes(article) -> list[tuple[str, str]]:
    """(kind, title) of each Right/Wrong/Missed admonition in the article, in order."""
    boxes = []
    for box in article.select("div.admonition"):
        kind = next((k for k in VERDICT_KINDS if k in box["class"]), None)
        title = text_of(box.find(class_="admonition-title"))
        if kind is not None and title.split(":")[0] in VERDICT_KINDS.values():
            boxes.append((kind, title))
    return boxes


@pytest.mark.slow
def test_built_verdict_boxes_keep_their_kind_and_title(built_site: Path) -> None:
    assert verdict_boxes(page(built_site).find("article")) == VERDICT_BOXES
    for kind, title in VERDICT_BOXES:
        assert title.startswith(VERDICT_KINDS[kind] + ":"), f"a {kind} box titled {title!r}"


ZH_PROSE = [  # the Chinese page: the question as Chinese learners ask it, then the same computed numbers
    "为什么用 Conv2D(64,(3,3)) 而不是 Conv2D(32,(7,7))？",
    "640 个参数，对比 1,600 个。",
    "只看权重（1,568 ÷ 576），比值才更大，约为 2.72。",
    "它需要 432,650 个参数，而接在 32 滤波器层之后只需要 154,890 个",
    "3×3 层输出 26×26，7×7 层输出 22×22",
    "每边 3 个像素，而不是 1 个",
    "3×3 卷积输出 14×14，在 3×3 层之后接 MaxPooling2D(2) 输出 13×13",
    "三个能看到 7 × 7 个",
    "三个 3×3 层有 110,592 个权重，单个 7×7 层有 200,704 个",
    "3×3 层每张图像需要 389,376 次，7×7 层需要 758,912 次（是前者的 1.95 倍",
    "64 个滤波器每张图像产生 43,264 个激活值，对比 15,488 个，是后者的 2.79 倍",
    "参数（权重 + 偏置） 640 1,600 2.5×",
    "每张图像的乘加运算次数， same 451,584 1,229,312 2.72×",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    from built_pages import ZH_PUNCTUATION, built_zh_page

    page = built_zh_page(built_zh_site, "")
    assert missing_sentences(page, ZH_PROSE, ZH_PUNCTUATION) == []
    assert text_of(page.find("h1")).startswith("大卷积核还是多滤波器？")
