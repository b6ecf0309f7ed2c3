"""snippets/kf/stack.py agrees with Keras for Conv2D, DepthwiseConv2D and pooling, and names bad fields."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kf import stack

padding = st.sampled_from(["valid", "same"])
small = st.integers(1, 5)
layers = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("conv"),
            "filters": st.integers(1, 8),
            "kh": small,
            "kw": small,
            "stride": st.integers(1, 3),
            "dilation": st.integers(1, 3),
            "groups": st.sampled_from([1, 1, 2, 3]),
            "padding": padding,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("depthwise"),
            "multiplier": st.integers(1, 3),
            "kh": small,
            "kw": small,
            "stride": st.integers(1, 3),
            "dilation": st.integers(1, 3),
            "padding": padding,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["maxpool", "avgpool"]),
            "pool": st.integers(1, 4),
            "stride": st.integers(1, 4),
            "padding": padding,
        }
    ),
)


def keras_shape(layer: dict, shape: tuple[int, int, int]) -> tuple[int, int, int] | None:
    """Keras's output shape for one layer, or None when Keras refuses the layer or the input."""
    try:
        built = stack.keras_layer(layer)
        out = built.compute_output_shape((None, *shape))
        built.build((None, *shape))
    except ValueError:
        return None
    return None if min(out[1:3]) <= 0 else tuple(int(d) for d in out[1:])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 30), st.integers(1, 30), st.sampled_from([1, 2, 3, 6]), layers)
def test_one_layer_agrees_with_keras(h: int, w: int, c: int, layer: dict) -> None:
    expected = keras_shape(layer, (h, w, c))
    if expected is None:
        with pytest.raises(stack.StackError):
            stack.stack_results({"h": h, "w": w, "c": c}, [layer])
        return
    (result,) = stack.stack_results({"h": h, "w": w, "c": c}, [layer])
    built = stack.keras_layer(layer)
    built.build((None, h, w, c))
    assert result.shape == expected
    assert result.params == built.count_params()
    assert result.activations == math.prod(expected)
    kernel_values = math.prod(built.kernel.shape) if layer["type"] != "maxpool" and layer["type"] != "avgpool" else 0
    assert result.macs == expected[0] * expected[1] * kernel_values  # each weight once per output position


def test_a_stack_by_hand() -> None:
    layers = [
        {"type": "conv", "filters": 64, "kh": 3, "kw": 3, "stride": 1, "dilation": 1, "groups": 1, "padding": "valid"},
        {"type": "maxpool", "pool": 2, "stride": 2, "padding": "valid"},
        {"type": "depthwise", "multiplier": 2, "kh": 7, "kw": 5, "stride": 1, "dilation": 1, "padding": "same"},
    ]
    first, pool, dw = stack.stack_results({"h": 28, "w": 28, "c": 1}, layers)
    assert (first.shape, first.params, first.macs, first.receptive_field, first.jump) == (
        (26, 26, 64),
        640,
        389_376,
        (3, 3),
        1,
    )
    assert (pool.shape, pool.params, pool.macs, pool.receptive_field, pool.jump) == ((13, 13, 64), 0, 0, (4, 4), 2)
    # 7·5·64·2 weights + 128 biases; receptive field 4 + 6·2 = 16 high, 4 + 4·2 = 12 wide
    assert (dw.shape, dw.params, dw.receptive_field, dw.jump) == ((13, 13, 128), 4_608, (16, 12), 2)
    assert dw.macs == 13 * 13 * 128 * 35
    assert stack.totals([first, pool, dw])["activations"] == 43_264 + 10_816 + 21_632


@pytest.mark.parametrize(
    ("layer", "field", "message"),
    [
        ({"type": "conv", "filters": 0}, "filters", "between 1"),
        ({"type": "conv", "kh": 2.5}, "kh", "whole number"),
        ({"type": "conv", "stride": 2, "dilation": 2}, "dilation", "refuses strides > 1"),
        ({"type": "conv", "kh": 29}, "kh", "larger than the input"),
        ({"type": "conv", "groups": 2}, "groups", "must divide"),
        ({"type": "maxpool", "pool": 30, "stride": 1}, "pool", "larger than the input"),
        ({"type": "conv", "padding": "full"}, "padding", "'valid' or 'same'"),
        ({"type": "dense"}, "type", "must be one of"),
        ({"type": "conv", "filters": 10**6}, "filters", "between 1 and 65,536"),
    ],
)
def test_bad_fields_are_named(layer: dict, field: str, message: str) -> None:
    base = {
        "filters": 8,
        "kh": 3,
        "kw": 3,
        "stride": 1,
        "dilation": 1,
        "groups": 1,
        "multiplier": 1,
        "pool": 2,
        "padding": "valid",
    }
    with pytest.raises(stack.StackError, match=message) as caught:
        stack.stack_results({"h": 28, "w": 28, "c": 1}, [{**base, **layer}])
    assert (caught.value.layer, caught.value.field) == (0, field)


def test_a_bad_input_shape_is_layer_minus_one() -> None:
    with pytest.raises(stack.StackError) as caught:
        stack.stack_results({"h": 28, "w": -1, "c": 1}, [])
    assert (caught.value.layer, caught.value.field) == (-1, "w")
