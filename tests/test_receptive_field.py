"""Receptive field page (docs/receptive_field.md, snippets/receptive_field.py, snippets/kf/receptive.py)."""

from __future__ import annotations

import math
import runpy
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import keras
import pytest
from bs4 import BeautifulSoup
from built_pages import built_page, missing_sentences, text_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SNIPPETS
from kf import convmath
from kf.receptive import closed_form, receptive_fields, side

# VGG16 by hand: r += (k − 1)·j, j *= s. Block 1: 3, 5, pool +1 → 6 (j 2); block 2: +4 → 10, 14,
# pool +2 → 16 (j 4); block 3: +8 → 24, 32, 40, pool → 44 (j 8); block 4: +16 → 60, 76, 92,
# pool → 100 (j 16); block 5: +32 → 132, 164, 196, pool +16 → 212 (j 32).
VGG16_FIELDS = [3, 5, 6, 10, 14, 16, 24, 32, 40, 44, 60, 76, 92, 100, 132, 164, 196, 212]
VGG16_JUMPS = [1, 1, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 32]


@pytest.fixture(scope="module")
def snippet() -> dict:
    """The page's snippet, run once; its globals are what the page renders."""
    return runpy.run_path(str(SNIPPETS / "receptive_field.py"))


chains = st.lists(st.tuples(st.integers(1, 11), st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=8)


@settings(max_examples=2000, deadline=None)
@given(chains)
def test_closed_form_equals_the_recurrence(chain: list[tuple[int, int, int]]) -> None:
    kernels, strides, dilations = (list(t) for t in zip(*chain, strict=True))
    field, jump = convmath.receptive_field(kernels, strides, dilations)
    assert closed_form(kernels, strides, dilations) == field
    assert jump == math.prod(strides)


keras_layers = st.one_of(
    st.tuples(st.just("Conv2D"), st.integers(1, 5), st.integers(1, 5), st.integers(1, 2), st.integers(1, 2)),
    st.tuples(st.just("DepthwiseConv2D"), st.integers(1, 5), st.integers(1, 5), st.integers(1, 2), st.integers(1, 2)),
    st.tuples(st.just("SeparableConv2D"), st.integers(1, 5), st.integers(1, 5), st.integers(1, 2), st.integers(1, 2)),
    st.tuples(
        st.sampled_from(["MaxPooling2D", "AveragePooling2D"]),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 3),
        st.just(1),
    ),
    st.tuples(st.sampled_from(["BatchNormalization", "ReLU"]), st.just(1), st.just(1), st.just(1), st.just(1)),
)


def make_layer(kind: str, kh: int, kw: int, stride: int, dilation: int) -> keras.layers.Layer:
    """A Keras layer from a (kind, kernel h, kernel w, stride, dilation) spec; padding 'same' keeps it valid."""
    if dilation > 1:
        stride = 1  # Keras refuses strides > 1 together with dilation > 1
    if kind == "Conv2D":
        return keras.layers.Conv2D(2, (kh, kw), strides=stride, dilation_rate=dilation, padding="same")
    if kind == "DepthwiseConv2D":
        return keras.layers.DepthwiseConv2D((kh, kw), strides=stride, dilation_rate=dilation, padding="same")
    if kind == "SeparableConv2D":
        return keras.layers.SeparableConv2D(2, (kh, kw), strides=stride, dilation_rate=dilation, padding="same")
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        return getattr(keras.layers, kind)((kh, kw), strides=stride, padding="same")
    return getattr(keras.layers, kind)()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(keras_layers, min_size=1, max_size=5), st.booleans())
def test_walk_over_keras_equals_the_recurrence_per_axis(specs: list[tuple], functional: bool) -> None:
    layers = [make_layer(*spec) for spec in specs]
    if functional:
        inputs = keras.Input(shape=(32, 32, 2))
        x = inputs
        for layer in layers:
            x = layer(x)
        model = keras.Model(inputs, x)
    else:
        model = keras.Sequential([keras.Input(shape=(32, 32, 2)), *layers])
    rows = receptive_fields(model)
    windows = [layer for layer in layers if type(layer).__name__ not in ("BatchNormalization", "ReLU")]
    assert len(rows) == len(windows)
    for axis in (0, 1):
        kernels, strides, dilations = [], [], []
        for layer, row in zip(windows, rows, strict=True):
            kernel = layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size
            kernels.append(kernel[axis])
            strides.append(layer.strides[axis])
            dilations.append(layer.dilation_rate[axis] if hasattr(layer, "dilation_rate") else 1)
            assert (row.field[axis], row.jump[axis]) == convmath.receptive_field(kernels, strides, dilations)


def test_vgg16_by_hand() -> None:
    rows = receptive_fields(keras.applications.VGG16(weights=None, include_top=False))
    assert [r.field for r in rows] == [(f, f) for f in VGG16_FIELDS]
    assert [r.jump for r in rows] == [(j, j) for j in VGG16_JUMPS]
    named = {r.name: r.field[0] for r in rows}
    assert named["block5_conv3"] == 196
    assert named["block5_pool"] == 212


def test_resnet_style_stem_by_hand() -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(224, 224, 3)),
            keras.layers.ZeroPadding2D(3),
            keras.layers.Conv2D(64, 7, strides=2),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.ZeroPadding2D(1),
            keras.layers.MaxPooling2D(3, strides=2),
        ]
    )
    assert [(r.field, r.jump) for r in receptive_fields(model)] == [((7, 7), (2, 2)), ((11, 11), (4, 4))]


def test_asymmetric_kernels_are_tracked_per_axis() -> None:
    model = keras.Sequential(
        [keras.Input(shape=(9, 9, 1)), keras.layers.Conv2D(1, (3, 1)), keras.layers.Conv2D(1, (1, 3))]
    )
    assert [r.field for r in receptive_fields(model)] == [(3, 1), (3, 3)]
    assert side((3, 1)) == "3×1"
    assert side((5, 5)) == "5"


def residual_model() -> keras.Model:
    """A tiny residual block: conv, conv, add the input back."""
    inputs = keras.Input(shape=(8, 8, 4))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = keras.layers.Conv2D(4, 3, padding="same")(x)
    return keras.Model(inputs, keras.layers.Add()([x, inputs]))


def two_inputs() -> keras.Model:
    """A model with two inputs."""
    a, b = keras.Input(shape=(8, 8, 1)), keras.Input(shape=(8, 8, 1))
    return keras.Model([a, b], keras.layers.Concatenate()([a, b]))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (residual_model, "is a Add"),
        (
            lambda: keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]),
            "'flatten.*' is a Flatten",
        ),
        (
            lambda: keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.GlobalAveragePooling2D()]),
            "global pooling sees the whole input",
        ),
        (lambda: keras.Sequential([keras.layers.Conv2D(2, 3)]), "has no input yet"),
        (lambda: "not a model", "expected a Keras model, got str"),
        (two_inputs, "2 inputs"),
    ],
)
def test_unsupported_models_get_a_clear_error(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        receptive_fields(make())


def test_branches_and_shared_layers_are_refused() -> None:
    inputs = keras.Input(shape=(8, 8, 4))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    y = keras.layers.Conv2D(4, 3, padding="same")(x)
    shortcut = keras.layers.Conv2D(4, 1, padding="same", name="shortcut")(inputs)  # reads the input, not y
    with pytest.raises(ValueError, match="'shortcut' does not take the previous layer's output: the model branches"):
        receptive_fields(keras.Model(inputs, keras.layers.Add()([y, shortcut])))
    shared = keras.layers.Conv2D(4, 3, padding="same")
    with pytest.raises(ValueError, match="a layer is reused or the graph branches"):
        receptive_fields(keras.Model(inputs, shared(shared(inputs))))


def test_closed_form_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        closed_form([3, 3], [1])
    with pytest.raises(ValueError, match="stride must be between 1"):
        closed_form([3], [0])
    with pytest.raises(ValueError, match="kernel must be a whole number"):
        closed_form([2.5])


def test_snippet_values_by_hand(snippet: dict) -> None:
    assert snippet["stack_fields"] == {1: 3, 2: 5, 3: 7, 4: 9, 5: 11, 6: 13}
    vgg = snippet["vgg"]
    assert (vgg["stack_weights"], vgg["single_weights"]) == (110_592, 200_704)  # 27·64², 49·64²
    assert vgg["stack_field"] == vgg["single_field"] == 7
    assert vgg["extra"] == Fraction(22, 27)
    assert round(float(vgg["extra"]), 2) == 0.81
    assert snippet["savings"] == {"5×5 → two 3×3": Fraction(7, 25), "3×3 → 3×1 + 1×3": Fraction(1, 3)}
    assert snippet["curves"]["3×3, stride 2 every 2nd layer"] == [3, 5, 9, 13, 21, 29, 45, 61, 93, 125]
    assert snippet["curves"]["3×3, dilation 2^(l−1)"][-1] == 2**11 - 1
    # 14 plain layers: 2·14 + 1 = 29 ≥ 28 > 27. Pooled: 3, 5, (6), 10, 14, (16), 24, 32.
    assert (snippet["plain_layers"], snippet["pooled_layers"], snippet["pooled_field"]) == (14, 6, 32)
    # The digit's 20×20 box: 2·10 + 1 = 21 ≥ 20 > 19.
    assert (snippet["DIGIT"], snippet["digit_layers"]) == (20, 10)
    assert "conv2_block1_0_conv" in snippet["branching_error"]


def test_snippet_runs_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, str(SNIPPETS / "receptive_field.py")], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "| `block5_conv3` | Conv2D | 3 | 1 | 196 | 16 |" in done.stdout


@pytest.fixture(scope="module")
def page(built_site: Path) -> BeautifulSoup:
    """The built page."""
    return built_page(built_site, "receptive_field")


def table_rows(page: BeautifulSoup, header: str) -> list[list[str]]:
    """Cells of the one table whose header row contains `header`."""
    tables = [t for t in page.find_all("table") if header in text_of(t.find("tr"))]
    assert len(tables) == 1, f"expected one table with {header!r}, found {len(tables)}"
    return [[text_of(td) for td in tr.find_all("td")] for tr in tables[0].find_all("tr")[1:]]


@pytest.mark.slow
def test_built_tables(page: BeautifulSoup) -> None:
    expected = [[str(n), f"{2 * n + 1}×{2 * n + 1}", str(2 * n + 1), str(9 * n)] for n in range(1, 7)]
    assert table_rows(page, "2n + 1") == expected
    assert table_rows(page, "Factorization") == [
        ["5×5 → two 3×3", "102,400", "73,728", "28%", "5 / 5"],
        ["3×3 → 3×1 + 1×3", "36,864", "24,576", "33%", "3 / 3"],
    ]
    vgg = [t for t in page.find_all("table") if "block5_pool" in t.get_text()]
    assert len(vgg) == 1
    rows = {text_of(tr.find("td")): [text_of(td) for td in tr.find_all("td")] for tr in vgg[0].find_all("tr")[1:]}
    assert [int(r[4]) for r in rows.values()] == VGG16_FIELDS
    assert rows["block5_conv3"] == ["block5_conv3", "Conv2D", "3", "1", "196", "16"]
    assert rows["block5_pool"] == ["block5_pool", "MaxPooling2D", "2", "2", "212", "32"]
    stem = [t for t in page.find_all("table") if "pool1_pool" in t.get_text()]
    assert [text_of(td) for td in stem[0].find_all("tr")[-1].find_all("td")] == [
        "pool1_pool",
        "MaxPooling2D",
        "3",
        "2",
        "11",
        "4",
    ]


@pytest.mark.slow
def test_built_prose(page: BeautifulSoup) -> None:
    assert not missing_sentences(
        page,
        [
            "recurrence: field 11, jump 4 closed form: field 11, jump 4",
            "At C = 64 the three 3×3 layers have 110,592 weights (27C²) and the single 7×7 has 200,704 (49C²): "
            "the 7×7 has 81% more",
            "3 non-linearities (ReLU) where the 7×7 has 1",
            "saves 28% (18/25 of the weights remain)",
            "saves 33% (2/3 remain)",
            "a unit of block5_conv3 sees 196×196 pixels and one of block5_pool 212×212",
            "a unit sees 11×11 pixels, 4 pixels from its neighbour",
            "To cover the 20×20 digit, plain 3×3 layers need 10 convolutions (2 · 10 + 1 = 21)",
            "to cover the whole image, 14 convolutions: 2 · 14 + 1 = 29",
            "The comparison assumes 64 channels in and out; at a first layer, with 1 or 3 input channels, three 3×3 "
            "layers cost more than one 7×7",
            "6 convolutions are enough: the last one sees 32 pixels",
        ],
    )
    answer = page.find("details", class_="question")
    assert answer is not None, "the answer is missing"
    assert "open" not in answer.attrs, "the answer must be collapsed"
    assert "14 convolutions" in text_of(answer)
    assert page.find("a", href="../modern_kernels/") is not None, "Next: link missing"


@pytest.mark.slow
def test_built_figure(page: BeautifulSoup) -> None:
    svgs = page.select("figure.kf-figure svg[role=img]")
    assert len(svgs) == 1
    label = svgs[0]["aria-label"]
    for part in [
        "3×3, stride 1 reaches 21 pixels",
        "7×7, stride 1 reaches 61 pixels",
        "dilation 2^(l−1) reaches 2047 pixels",
        "stride 2 every 2nd layer reaches 125 pixels",
    ]:
        assert part in label, part
    assert "#0a0b0c" not in str(svgs[0])
