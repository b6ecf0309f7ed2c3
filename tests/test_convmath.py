"""The arithmetic in snippets/kf/convmath.py agrees with Keras, and rejects bad input clearly."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kf import convmath

conv_configs = st.fixed_dictionaries(
    {
        "height": st.integers(1, 40),
        "width": st.integers(1, 40),
        "groups": st.sampled_from([1, 1, 2, 4]),
        "c_in_per_group": st.integers(1, 6),
        "filters_per_group": st.integers(1, 6),
        "kernel_h": st.integers(1, 11),
        "kernel_w": st.integers(1, 11),
        "stride": st.integers(1, 4),
        "padding": st.sampled_from(convmath.PADDINGS),
        "dilation": st.integers(1, 3),
    }
)


def keras_conv(cfg: dict) -> tuple[keras.layers.Conv2D, tuple[int, int, int, int]]:
    """The Keras layer a config describes, and its input shape."""
    layer = keras.layers.Conv2D(
        cfg["filters_per_group"] * cfg["groups"],
        (cfg["kernel_h"], cfg["kernel_w"]),
        strides=cfg["stride"],
        padding=cfg["padding"],
        dilation_rate=cfg["dilation"],
        groups=cfg["groups"],
    )
    return layer, (1, cfg["height"], cfg["width"], cfg["c_in_per_group"] * cfg["groups"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_configs)
def test_output_shape_params_and_macs_agree_with_keras(cfg: dict) -> None:
    assume(cfg["stride"] == 1 or cfg["dilation"] == 1)  # Keras refuses strides > 1 with dilation > 1
    layer, input_shape = keras_conv(cfg)
    c_in = input_shape[3]
    c_out = layer.filters
    try:
        keras_shape = layer.compute_output_shape(input_shape)
    except ValueError:
        keras_shape = None
    if keras_shape is None or min(keras_shape[1:3]) <= 0:
        with pytest.raises(ValueError, match="larger than the"):
            _both_sizes(cfg)
        return
    out_h, out_w = _both_sizes(cfg)
    assert (out_h, out_w, c_out) == tuple(keras_shape[1:])

    layer.build(input_shape)
    assert convmath.conv_params(cfg["kernel_h"], cfg["kernel_w"], c_in, c_out, cfg["groups"]) == layer.count_params()
    kernel_values = math.prod(layer.kernel.shape)  # each kernel value is used once per output position
    assert convmath.conv_macs(out_h, out_w, cfg["kernel_h"], cfg["kernel_w"], c_in, c_out, cfg["groups"]) == (
        out_h * out_w * kernel_values
    )


def _both_sizes(cfg: dict) -> tuple[int, int]:
    """convmath's output height and width for a config."""
    return (
        convmath.conv_output_size(cfg["height"], cfg["kernel_h"], cfg["stride"], cfg["padding"], cfg["dilation"]),
        convmath.conv_output_size(cfg["width"], cfg["kernel_w"], cfg["stride"], cfg["padding"], cfg["dilation"]),
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 2), st.integers(1, 2)), min_size=1, max_size=3))
def test_receptive_field_matches_the_gradient_support_in_keras(chain: list[tuple[int, int, int]]) -> None:
    """With all-ones kernels, the input pixels that move the centre output are exactly its receptive field."""
    assume(all(stride == 1 or dilation == 1 for _, stride, dilation in chain))
    kernels, strides, dilations = (list(t) for t in zip(*chain, strict=True))
    field, _ = convmath.receptive_field(kernels, strides, dilations)
    size = 2 * field + 8
    import tensorflow as tf

    x = tf.Variable(tf.zeros((1, size, 1, 1)))
    layers = [
        keras.layers.Conv2D(1, (k, 1), strides=(s, 1), dilation_rate=(d, 1), use_bias=False, kernel_initializer="ones")
        for k, s, d in chain
    ]
    with tf.GradientTape() as tape:
        y = x
        for layer in layers:
            y = layer(y)
        centre = y[0, y.shape[1] // 2, 0, 0]
    touched = np.flatnonzero(tape.gradient(centre, x).numpy()[0, :, 0, 0])
    assert touched.max() - touched.min() + 1 == field


def test_the_seed_layers_by_hand() -> None:
    assert convmath.conv_output_size(28, 3) == 26
    assert convmath.conv_output_size(28, 7) == 22
    assert convmath.conv_output_size(28, 7, padding="same") == 28
    assert convmath.conv_params(3, 3, 1, 64) == 640
    assert convmath.conv_params(7, 7, 1, 32) == 1600
    assert convmath.conv_macs(26, 26, 3, 3, 1, 64) == 389_376
    assert convmath.receptive_field([3, 3, 3]) == (7, 1)
    assert convmath.receptive_field([7, 3], strides=[2, 1]) == (11, 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: convmath.conv_output_size(28, 0), "kernel must be between 1"),
        (lambda: convmath.conv_output_size(28, 3, stride=0), "stride must be between 1"),
        (lambda: convmath.conv_output_size(28, -3), "kernel must be between 1"),
        (lambda: convmath.conv_output_size(28, 2.5), "kernel must be a whole number"),
        (lambda: convmath.conv_output_size(28, True), "kernel must be a whole number"),
        (lambda: convmath.conv_output_size(28, 10**9), "kernel must be between"),
        (lambda: convmath.conv_output_size(5, 7), "larger than the input"),
        (lambda: convmath.conv_output_size(28, 3, padding="full"), "padding must be 'valid' or 'same'"),
        (lambda: convmath.conv_params(3, 3, 3, 64, groups=2), "groups"),
        (lambda: convmath.receptive_field([3, 3], strides=[1]), "same length"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
