"""Receptive field page (docs/receptive_field.md, snippets/receptive_field.py, snippets/kf/receptive.py)."""

from __future__ import annotations

import math
import runpy
from fractions import Fraction
from pathlib import Path

import keras
import pytest
from bs4 import BeautifulSoup
from built_pages import ZH_PUNCTUATION, built_page, built_zh_page, missing_sentences, text_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SNIPPETS
from kf import convmath, networks, receptive
from kf.networks import application_ops
from kf.receptive import OUTPUT, Op, closed_form, output_field, receptive_fields, same_padding, side, walk

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
        (
            lambda: keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]),
            "'flatten.*' is a Flatten of an image",
        ),
        (
            lambda: keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.UpSampling2D()]),
            "'up_sampling2d.*' is a UpSampling2D",
        ),
        (
            lambda: keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Resizing(4, 4)]),
            "is a Resizing",
        ),
        (lambda: keras.Sequential([keras.layers.Conv2D(2, 3)]), "has no input yet"),
        (lambda: "not a model", "expected a Keras model, got str"),
        (two_inputs, "2 inputs"),
        (
            lambda: keras.Model(
                inputs := keras.Input(shape=(8, 8, 4)),
                keras.layers.MultiHeadAttention(2, 2, attention_axes=(1, 2), name="attention")(inputs, inputs),
            ),
            "'attention' is a MultiHeadAttention; .* cannot tell which input pixels",
        ),
    ],
)
def test_unsupported_models_get_a_clear_error(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        receptive_fields(make())


def test_shared_layers_are_refused() -> None:
    inputs = keras.Input(shape=(8, 8, 4))
    shared = keras.layers.Conv2D(4, 3, padding="same", name="shared")
    with pytest.raises(ValueError, match="'shared' is called 2 times"):
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
    assert snippet["resnet_rows"][-1].field == (483, 483)
    # The digit's 20×20 box: 2·10 + 1 = 21 ≥ 20 > 19.
    assert (snippet["DIGIT"], snippet["digit_layers"]) == (20, 10)


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "receptive_field.py", cwd=ROOT)
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
    vgg = [t for t in page.find_all("table") if "block5_conv3" in t.get_text()]
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
    svgs = [svg for svg in page.select("figure.kf-figure svg[role=img]") if "against depth" in svg["aria-label"]]
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


# ---- Graphs: branches, merges, global averages ----

# google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md (TF-Slim, resolution 224):
# (receptive field, effective stride, effective padding).
PUBLISHED = {
    ("VGG16", "block5_pool"): (212, 32, 90),  # vgg_16/pool5
    ("MobileNet", "conv_pw_13"): (315, 32, 126),  # mobilenet_v1 Conv2d_13_pointwise
    ("InceptionV3", "mixed10"): (1311, 32, 618),  # inception_v3 Mixed_7c
    ("InceptionV3", "conv2d_85"): (1183, 32, 554),  # RF_Keras_Applications.ipynb, tf.keras InceptionV3
}
SLIM_RESNET_V1_50 = {"block1": (35, 8, 15), "block2": (99, 16, 47), "block3": (291, 32, 143), "block4": (483, 32, 239)}


@pytest.mark.parametrize(("network", "layer"), list(PUBLISHED))
def test_keras_applications_match_the_published_table(network: str, layer: str) -> None:
    field = walk(application_ops(network))[layer]
    assert (field.size, field.jump, field.padding) == tuple((v, v) for v in PUBLISHED[network, layer])
    assert not field.whole_input


def test_slim_layout_resnet_matches_the_published_table_and_keras_differs(snippet: dict) -> None:
    slim, keras_resnet = snippet["slim_fields"], snippet["keras_fields"]
    for block, published in SLIM_RESNET_V1_50.items():
        assert (slim[block].size[0], slim[block].jump[0], slim[block].padding[0]) == published
    # Keras: the same field sizes at the stage ends, half the stride at the first three, padding 2 more
    # (the stem's ZeroPadding2D(1) before the max-pool: 1 pixel at jump 2).
    ends = ["conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out"]
    assert [(keras_resnet[e].size[0], keras_resnet[e].jump[0], keras_resnet[e].padding[0]) for e in ends] == [
        (35, 4, 17),
        (99, 8, 49),
        (291, 16, 145),
        (483, 32, 241),
    ]


def test_efficientnet_reports_both_the_convolutional_field_and_the_global_average() -> None:
    field = walk(application_ops("EfficientNetB0"))[OUTPUT]
    assert field.whole_input
    assert field.size == (851, 851)  # by the walk; checked against the gradient in test_gradient_support_*
    stem = walk(application_ops("EfficientNetB0"))["stem_activation"]
    assert (stem.size, stem.whole_input) == ((3, 3), False)  # before the first squeeze-and-excitation block


def test_convnext_tiny_by_hand() -> None:
    # stem 4×4/4: 4 (j 4); stage 0, 3 blocks of 7×7: + 3·6·4 = 76; downsample 2×2/2: + 4 = 80 (j 8);
    # stage 1: + 3·6·8 = 224, + 8 = 232 (j 16); stage 2, 9 blocks: + 9·6·16 = 1096, + 16 = 1112 (j 32);
    # stage 3: + 3·6·32 = 1688.
    field = walk(application_ops("ConvNeXtTiny"))[OUTPUT]
    assert (field.size, field.jump) == ((1688, 1688), (32, 32))


def test_cached_descriptions_are_reused_and_keyed_by_content(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(networks.ENV_DIR, str(tmp_path))
    built = []

    def build() -> keras.Model:
        built.append(1)
        return residual_model()

    first = networks.cached_ops("tiny", 8, build)
    second = networks.cached_ops("tiny", 8, build)
    assert first == second
    assert len(built) == 1
    networks.cached_ops("tiny", 9, build)  # another input size is another key
    assert len(built) == 2

    def other_build(width: int = 3) -> keras.Model:
        built.append(1)
        return keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(width, 5)])

    assert networks.cached_ops("tiny", 8, other_build)[1].kernel == (5, 5)  # other code, other key
    assert len(built) == 3
    assert len(list(tmp_path.glob("tiny-*.json"))) == 3


def test_fresh_names_renumber_automatic_names() -> None:
    ops = [
        Op("<input>", "InputLayer", "input"),
        Op("conv2d_7", "Conv2D", "window", ("<input>",)),
        Op("conv2d_8", "Conv2D", "window", ("conv2d_7",)),
        Op("mixed0", "Concatenate", "merge", ("conv2d_7", "conv2d_8")),
    ]
    assert [(op.name, op.inputs) for op in networks.fresh_names(ops)][1:] == [
        ("conv2d", ("<input>",)),
        ("conv2d_1", ("conv2d",)),
        ("mixed0", ("conv2d", "conv2d_1")),
    ]


def test_residual_block_by_hand() -> None:
    rows = receptive_fields(residual_model())
    # conv 3 (p 1), conv 3 → 5 (p 2); the identity path has field 1, p 0: both centred on pixel 0.
    assert [(r.kind, r.field, r.padding) for r in rows] == [
        ("Conv2D", (3, 3), (1, 1)),
        ("Conv2D", (5, 5), (2, 2)),
        ("Add", (5, 5), (2, 2)),
    ]


def test_paths_with_different_strides_are_refused() -> None:
    inputs = keras.Input(shape=(8, 8, 1))
    strided = keras.layers.Conv2D(1, 1, strides=2, name="strided")(inputs)
    cropped = keras.layers.Cropping2D(((0, 4), (0, 4)), name="cropped")(inputs)
    with pytest.raises(ValueError, match=r"'joined' merges inputs with different strides: 'strided' jumps \(2, 2\)"):
        receptive_fields(keras.Model(inputs, keras.layers.Add(name="joined")([strided, cropped])))


def test_misaligned_paths_are_refused() -> None:
    inputs = keras.Input(shape=(8, 8, 1))
    valid = keras.layers.Conv2D(1, 3, name="valid")(inputs)  # 6×6, centred on pixel 1
    cropped = keras.layers.Cropping2D(((0, 2), (0, 2)), name="cropped")(inputs)  # 6×6, centred on pixel 0
    with pytest.raises(ValueError, match="'joined' merges fields that are not centred alike: 'valid' centred at"):
        receptive_fields(keras.Model(inputs, keras.layers.Add(name="joined")([valid, cropped])))
    even = keras.layers.Conv2D(1, 2, padding="same", name="even")(
        inputs
    )  # 'same' with an even kernel: half a pixel off
    with pytest.raises(ValueError, match="not centred alike"):
        receptive_fields(keras.Model(inputs, keras.layers.Add()([even, inputs])))


def test_spatial_concatenation_is_refused() -> None:
    inputs = keras.Input(shape=(8, 8, 1))
    with pytest.raises(ValueError, match="concatenates along axis 1, not channels"):
        receptive_fields(keras.Model(inputs, keras.layers.Concatenate(axis=1)([inputs, inputs])))


def test_global_pooling_is_the_whole_input_and_squeeze_excitation_keeps_the_conv_field() -> None:
    inputs = keras.Input(shape=(16, 16, 4))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    gate = keras.layers.GlobalAveragePooling2D()(x)
    gate = keras.layers.Reshape((1, 1, 4))(gate)
    gate = keras.layers.Conv2D(4, 1, activation="sigmoid")(gate)
    gated = keras.layers.Multiply()([x, gate])
    field = output_field(keras.Model(inputs, gated))
    assert (field.size, field.whole_input) == ((3, 3), True)
    pooled = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalMaxPooling2D()(x)))
    assert (output_field(pooled).size, output_field(pooled).whole_input) == (None, True)
    assert side(receptive_fields(pooled)[-1].field) == "the whole input"


def test_nested_models_and_operations_are_walked() -> None:
    stem = keras.Sequential([keras.Input(shape=(16, 16, 1)), keras.layers.Conv2D(2, 4, strides=4)], name="stem")
    inputs = keras.Input(shape=(16, 16, 1))
    x = stem(inputs)
    x = x + keras.layers.DepthwiseConv2D(3, padding="same")(x)  # an operation, not a layer
    field = output_field(keras.Model(inputs, x))
    assert (field.size, field.jump, field.padding) == ((12, 12), (4, 4), (4, 4))  # 4 + 2·4; padding 1·4


def test_same_padding_depends_on_the_input_size_when_strided() -> None:
    assert same_padding(224, 3, 2, 1) == 0  # TensorFlow: pad total 1, the extra cell at the end
    assert same_padding(225, 3, 2, 1) == 1
    assert same_padding(None, 3, 2, 1) is None
    assert same_padding(None, 5, 1, 2) == 4  # stride 1: (d(k−1)+1 − 1) // 2 whatever the size
    open_size = keras.Sequential(
        [keras.Input(shape=(None, None, 1)), keras.layers.Conv2D(1, 3, strides=2, padding="same")]
    )
    field = output_field(open_size)
    assert (field.size, field.padding) == ((3, 3), (None, None))


# Random DAGs: residual blocks (optionally strided) and Inception-style blocks, checked against the gradient.
blocks = st.lists(
    st.one_of(
        st.tuples(
            st.just("residual"),
            st.sampled_from([1, 3, 5]),
            st.sampled_from([1, 3]),
            st.tuples(st.integers(1, 2), st.integers(1, 2)),  # strides per axis: anisotropic too
        ),
        st.tuples(st.just("inception"), st.sampled_from([1, 3, 5]), st.sampled_from([1, 3]), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=3,
)


def dag(specs: list[tuple], size: int) -> keras.Model:
    """A random residual / Inception-style network with all-ones kernels, linear, average pooling."""
    layers = keras.layers
    conv = {"use_bias": False, "kernel_initializer": "ones"}
    inputs = keras.Input(shape=(size, size, 1))
    x = layers.Conv2D(2, 3, padding="same", **conv)(inputs)
    for kind, kh, kw, n in specs:
        if kind == "residual":  # n: (height, width) strides; the main path pads symmetrically, as Keras's ResNet does
            main = layers.ZeroPadding2D(((kh // 2, kh // 2), (kw // 2, kw // 2)))(x)
            main = layers.Conv2D(2, (kh, kw), strides=n, **conv)(main)
            main = layers.Conv2D(2, 3, padding="same", **conv)(main)
            x = layers.Add()([main, layers.Conv2D(2, 1, strides=n, **conv)(x)])
        else:  # n is the dilation of the wide path
            wide = layers.Conv2D(1, (kh, kw), dilation_rate=n, padding="same", **conv)(x)
            pooled = layers.AveragePooling2D(3, strides=1, padding="same")(x)
            x = layers.Concatenate()([layers.Conv2D(1, 1, **conv)(x), wide, pooled])
    return keras.Model(inputs, x)


def gradient_support(model: keras.Model, row: int, col: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """First input row and column, and the extent, of the pixels where ∂ output[row, col] / ∂ input ≠ 0."""
    import numpy as np
    import tensorflow as tf

    size = model.input_shape[1]
    x = tf.Variable(tf.ones((1, size, size, model.input_shape[3]), dtype=model.inputs[0].dtype))
    with tf.GradientTape() as tape:
        unit = tf.reduce_sum(model(x)[0, row, col, :])
    touched = np.abs(tape.gradient(unit, x).numpy()[0]).sum(axis=2) != 0
    rows, cols = np.flatnonzero(touched.any(axis=1)), np.flatnonzero(touched.any(axis=0))
    return (int(rows[0]), int(cols[0])), (int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks)
def test_random_dags_match_the_gradient_support(specs: list[tuple]) -> None:
    probe = output_field(dag(specs, 64))
    size = 2 * max(probe.size) + 4 * max(probe.jump) + 8  # room for a unit whose whole field is inside
    model = dag(specs, size)
    field = output_field(model)
    centre = (model.output_shape[1] // 2, model.output_shape[2] // 2)
    start, extent = gradient_support(model, *centre)
    assert extent == field.size
    assert start == tuple(c * j - p for c, j, p in zip(centre, field.jump, field.padding, strict=True))


# ---- keras.applications against the gradient ----


class StopGradientAverage(keras.layers.GlobalAveragePooling2D):
    """A global average the gradient does not flow back through: it cuts squeeze-and-excitation's whole-input path."""

    def call(self, inputs):
        return keras.ops.stop_gradient(super().call(inputs))


def linearised(network: str, shape: tuple[int, int, int], cut_global: bool = True) -> keras.Model:
    """The keras.applications network on an input of `shape`, in float64, with ReLUs linear and max-pools averaging.

    Then ∂unit/∂input ≠ 0 exactly on the unit's field: no ReLU switched off, no max-pool picking one pixel, and
    float64 keeps the tiny weights of the field's edges from underflowing. ConvNeXt stays in float32 (its
    float64 depthwise convolutions take minutes on a CPU); instead its layer scales start at 1, not 10⁻⁶, and its
    kernels at Glorot's scale, not 0.02, which keeps the edges of its field well above float32's smallest number.
    """
    model = getattr(keras.applications, networks.APPLICATIONS[network][0])(
        weights=None, include_top=False, input_shape=shape
    )
    dtype = "float32" if network == "ConvNeXtTiny" else "float64"

    def swap(layer: keras.layers.Layer) -> keras.layers.Layer:
        if not isinstance(layer, keras.layers.Layer):  # an operation such as x + y: no dtype of its own
            return type(layer).from_config(layer.get_config())
        config = {**layer.get_config(), "dtype": dtype}
        kind = type(layer).__name__
        if network == "ConvNeXtTiny" and "kernel_initializer" in config:
            config["kernel_initializer"] = "glorot_uniform"
        if kind == "LayerScale":
            config["init_values"] = 1.0
        if config.get("activation") == "relu":
            config["activation"] = "linear"
        if kind == "ReLU":
            return keras.layers.Activation("linear", name=config["name"], dtype="float64")
        if kind == "MaxPooling2D":
            return keras.layers.AveragePooling2D.from_config(config)
        if kind == "GlobalAveragePooling2D" and cut_global:
            return StopGradientAverage.from_config(config)
        return type(layer).from_config(config)

    return keras.models.clone_model(
        model, input_tensors=keras.Input(shape=shape, dtype=dtype), clone_function=swap, recursive=True
    )


def support(model: keras.Model, axis: int, index: int) -> tuple[int, int]:
    """First input row (axis 0) or column (axis 1), and the extent, where ∂ Σ output[index] / ∂ input ≠ 0."""
    import numpy as np
    import tensorflow as tf

    x = tf.Variable(tf.random.normal((1, *model.input_shape[1:]), dtype=model.inputs[0].dtype, seed=1))
    with tf.GradientTape() as tape:
        output = model(x)[0]
        unit = tf.reduce_sum(output[index] if axis == 0 else output[:, index])
    touched = np.flatnonzero(np.abs(tape.gradient(unit, x).numpy()[0]).sum(axis=(1 - axis, 2)))
    return int(touched[0]), int(touched[-1] - touched[0] + 1)


# Narrow strips keep the cost down: the field is checked along the long axis (both axes for InceptionV3, whose
# 1×7 and 7×1 kernels make the axes differ layer by layer), for an output row far from the border.
STRIPS = {"VGG16": 32, "MobileNet": 32, "ResNet50": 32, "EfficientNetB0": 32, "ConvNeXtTiny": 32, "InceptionV3": 75}


@pytest.mark.slow
@pytest.mark.parametrize("network", list(STRIPS))
def test_gradient_support_of_keras_applications(network: str) -> None:
    page = walk(application_ops(network))[OUTPUT]
    for axis in (0, 1) if network == "InceptionV3" else (0,):
        long = page.size[axis] + 4 * page.jump[axis] + 64
        shape = (long, STRIPS[network], 3) if axis == 0 else (STRIPS[network], long, 3)
        clone = linearised(network, shape)
        field = walk(receptive.describe(clone))[OUTPUT]  # padding can depend on the input size; the field cannot
        assert field.size[axis] == page.size[axis]
        middle = clone.output_shape[1 + axis] // 2
        assert support(clone, axis, middle) == (middle * field.jump[axis] - field.padding[axis], field.size[axis])


@pytest.mark.slow
def test_squeeze_and_excitation_reaches_past_the_convolutional_field() -> None:
    field = walk(application_ops("EfficientNetB0"))[OUTPUT]
    long = field.size[0] + 128
    clone = linearised("EfficientNetB0", (long, 32, 3), cut_global=False)
    top = walk(receptive.describe(clone))[OUTPUT]
    assert top.size[0] - top.padding[0] < long  # the top row's convolutional field ends inside the strip ...
    assert support(clone, 0, 0) == (0, long)  # ... but its gradient reaches every row, through the global averages


# Keras ResNet50 by hand: stem ZeroPadding2D(3), 7×7/2 → 7 (j 2, p 3); ZeroPadding2D(1), 3×3/2 pool → 11
# (j 4, p 3 + 1·2 = 5). Each bottleneck adds one 3×3 'same' layer: + 2·j to the field, + 1·j to the padding;
# each stage's stride sits in a 1×1 convolution, which adds nothing. conv2: 3 blocks at j 4 → 35, p 17;
# conv3: 4 at j 8 → 99, p 49; conv4: 6 at j 16 → 291, p 145; conv5: 3 at j 32 → 483, p 241.
BUILT_NETWORKS = [
    ["VGG16", "224×224", "block5_pool", "212 / 32 / 90", "no", "212 / 32 / 90"],
    ["ResNet50", "224×224", "conv5_block3_out", "483 / 32 / 241", "no", "483 / 32 / 239"],
    ["InceptionV3", "299×299", "mixed10", "1311 / 32 / 618", "no", "1311 / 32 / 618"],
    ["MobileNet", "224×224", "conv_pw_13_relu", "315 / 32 / 126", "no", "315 / 32 / 126"],
    ["EfficientNetB0", "224×224", "top_activation", "851 / 32 / 394", "yes", "not listed"],
    ["ConvNeXtTiny", "224×224", "layer_normalization", "1688 / 32 / 828", "no", "not listed"],
]


@pytest.mark.slow
def test_built_networks(page: BeautifulSoup) -> None:
    assert table_rows(page, "Field / stride / padding") == BUILT_NETWORKS
    assert table_rows(page, "Field there") == [
        ["block1", "35, stride 8, padding 15", "conv2_block3_out", "35, stride 4, padding 17"],
        ["block2", "99, stride 16, padding 47", "conv3_block4_out", "99, stride 8, padding 49"],
        ["block3", "291, stride 32, padding 143", "conv4_block6_out", "291, stride 16, padding 145"],
        ["block4", "483, stride 32, padding 239", "conv5_block3_out", "483, stride 32, padding 241"],
        ["pool1", "11, stride 4, padding 3", "pool1_pool", "11, stride 4, padding 5"],
    ]
    # VGG16: 3, 5, 6, 10, 14, 16, 24, 32: the 8th layer, at stride 4, the 3rd of strides 1 … 32.
    # ResNet50: conv1, pool1, then block 1 (4 convs, 3×3 third: 19), block 2 (27), block 3's 3×3 (35): 11th.
    # ConvNeXtTiny: the 4×4/4 stem (4), then 7×7 at jump 4: 4 + 6·4 = 28.
    digit = table_rows(page, "First layer that sees 28×28")
    assert digit[0] == ["VGG16", "block3_conv2", "8 of 18", "3 of 6"]
    assert digit[1] == ["ResNet50", "conv2_block3_2_conv", "11 of 54", "2 of 5"]
    assert digit[5] == ["ConvNeXtTiny", "convnext_tiny_stage_0_block_0_depthwise_conv", "2 of 22", "1 of 4"]
    assert [row[0] for row in digit] == [row[0] for row in BUILT_NETWORKS]
    own = table_rows(page, "Effective padding")
    # stem 3 (p 1), 5, 7 (p 3); the Add keeps 7; pool 2/2: 8 (j 2); 5×5 at j 2: 8 + 4·2 = 16, p 3 + 2·2 = 7.
    assert own[3] == ["residual", "Add", "1", "1", "7", "1", "3"]
    assert own[-1] == ["paths", "Concatenate", "1", "1", "16", "2", "7"]
    assert not missing_sentences(
        page,
        [
            "For VGG16, InceptionV3, MobileNet, all three numbers agree with the published ones.",
            "not on the padding (241 against 239)",
            "EfficientNetB0's convolutions see 851×851 pixels, and every unit after its first "
            "squeeze-and-excitation block also depends on every input pixel",
            "The rebuilt TF-Slim layout gives exactly the published numbers at all four blocks.",
            "TF-Slim's block1 already has stride 8 where Keras's conv2_block3_out has 4",
            "so the Keras field starts 2 input pixels earlier (5 against 3)",
            "field: walk 1183, notebook 1183",
            "padding: walk 554, notebook 554",
            "Every network above gets there within its first 3 stride stages",
            "VGG16 at block3_conv2, layer 8 of its 18 convolution and pooling layers.",
        ],
    )


@pytest.mark.slow
def test_built_growth_figure(page: BeautifulSoup) -> None:
    svgs = [svg for svg in page.select("figure.kf-figure svg[role=img]") if "walked" in svg["aria-label"]]
    assert len(svgs) == 1
    label = svgs[0]["aria-label"]
    for row in BUILT_NETWORKS:
        assert f"{row[0]} reaches {row[3].split(' / ')[0]} pixels" in label, row[0]
    assert "#0a0b0c" not in str(svgs[0]), "a stand-in colour was not themed"


# The Chinese page (docs_zh/receptive_field.md, i18n/zh/receptive_field.yml): the same computed numbers in its
# sentences, tables and figure text.
ZH_PROSE = [
    "在 C = 64 时，三个 3×3 层有 110,592 个权重（27C²），单个 7×7 层有 200,704 个（49C²）",
    "多出 81%，正是 VGG 论文给出的数字",
    "把 5×5 换成 3×3 + 3×3 节省 28%",
    "（剩下 18/25 的权重），把 3×3 换成 3×1 + 1×3 节省 33%",
    "block5_conv3 的一个单元能看到 196×196 个像素， block5_pool 的一个单元能看到 212×212 个",
    "经过这两层后，一个单元看到 11×11 个像素，与相邻单元相距 4 个像素",
    "Keras 的 ResNet50 在感受野和步幅上一致，填充却不同（241 对 239）",
    "EfficientNetB0 的卷积看到 851×851 个像素",
    "所以 Keras 的感受野起点早 2 个输入像素（5 对 3）",
    "VGG16 在 block3_conv2，即它 18 个卷积层和池化层中的第 8 层",
    "VGG16 block3_conv2 第 8 层（共 18 层） 第 3 阶段（共 6 个）",
    "ResNet50 经过 54 层达到 483 像素",
    "要覆盖整张图像，需要 14 个卷积：2 · 14 + 1 = 29，是第一个达到 28 的奇数",
    "最后一个看到 32 个像素，因为每次池化都使下一个 3×3 层增加的像素加倍",
]


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    assert not missing_sentences(built_zh_page(built_zh_site, "receptive_field"), ZH_PROSE, ZH_PUNCTUATION)
