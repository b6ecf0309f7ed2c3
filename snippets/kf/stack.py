"""A stack of Conv2D, DepthwiseConv2D and pooling layers: shape, parameters, MACs, receptive field per layer.

The calculator page's JavaScript does the same arithmetic; tests check both against each other and
this module against Keras. Layers are plain dicts (the JSON the page uses), for example
``{"type": "conv", "filters": 64, "kh": 3, "kw": 3, "stride": 1, "dilation": 1, "groups": 1,
"padding": "valid"}``. Bad input raises StackError, a ValueError naming the layer and field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kf import convmath

LAYER_TYPES = ("conv", "depthwise", "maxpool", "avgpool")
# The calculator's own bounds on each field: far beyond real layers, small enough to stay readable.
LIMITS = {
    "h": 16_384,
    "w": 16_384,
    "c": 65_536,
    "filters": 65_536,
    "groups": 65_536,
    "multiplier": 1_024,
    "kh": 1_024,
    "kw": 1_024,
    "pool": 1_024,
    "stride": 1_024,
    "dilation": 1_024,
}
FIELDS = {  # the whole-number fields each layer type has, in the order the page shows them
    "conv": ("filters", "kh", "kw", "stride", "dilation", "groups"),
    "depthwise": ("multiplier", "kh", "kw", "stride", "dilation"),
    "maxpool": ("pool", "stride"),
    "avgpool": ("pool", "stride"),
}


class StackError(ValueError):
    """Bad input to one field of one layer (layer -1 is the input shape)."""

    def __init__(self, layer: int, field: str, message: str) -> None:
        super().__init__(f"{'input' if layer < 0 else f'layer {layer + 1}'}, {field}: {message}")
        self.layer, self.field, self.message = layer, field, message


@dataclass(frozen=True)
class LayerResult:
    """What one layer outputs and costs, and the receptive field after it."""

    shape: tuple[int, int, int]
    params: int
    macs: int
    activations: int
    receptive_field: tuple[int, int]
    jump: int


def _whole(layer: int, field: str, value: object) -> int:
    """value as a whole number within the calculator's bounds for field, else StackError."""
    try:
        return convmath.check_int(field, value, 1, LIMITS[field])
    except ValueError as error:
        raise StackError(layer, field, str(error)) from None


def _span_fits(index: int, field: str, size: int, kernel: int, stride: int, padding: str, dilation: int) -> int:
    """Output size along one axis, or StackError at field when the kernel is larger than the input."""
    try:
        return convmath.conv_output_size(size, kernel, stride, padding, dilation)
    except ValueError as error:
        raise StackError(index, field, str(error)) from None


def layer_result(
    index: int, layer: Mapping[str, object], shape: tuple[int, int, int], field: tuple[int, int], jump: int
) -> LayerResult:
    """One layer on an input of shape (H, W, C), after a receptive field `field` and `jump`."""
    kind = layer.get("type")
    if kind not in LAYER_TYPES:
        raise StackError(index, "type", f"type must be one of {', '.join(LAYER_TYPES)}, got {kind!r}")
    values = {name: _whole(index, name, layer.get(name)) for name in FIELDS[kind]}
    padding = layer.get("padding")
    if padding not in convmath.PADDINGS:
        raise StackError(index, "padding", f"padding must be 'valid' or 'same', got {padding!r}")
    h, w, c_in = shape
    stride = values["stride"]
    if kind in ("maxpool", "avgpool"):
        kh = kw = values["pool"]
        dilation, fields = 1, ("pool", "pool")
    else:
        kh, kw, dilation, fields = values["kh"], values["kw"], values["dilation"], ("kh", "kw")
    if kind == "conv" and stride > 1 and dilation > 1:
        raise StackError(index, "dilation", "Keras's Conv2D refuses strides > 1 together with dilation > 1")
    out_h = _span_fits(index, fields[0], h, kh, stride, padding, dilation)
    out_w = _span_fits(index, fields[1], w, kw, stride, padding, dilation)
    if kind == "conv":
        filters, groups = values["filters"], values["groups"]
        if c_in % groups or filters % groups:
            raise StackError(
                index,
                "groups",
                f"groups ({groups:,}) must divide both the input channels ({c_in:,}) and the filters ({filters:,})",
            )
        c_out = filters
        params = convmath.conv_params(kh, kw, c_in, filters, groups)
        macs = convmath.conv_macs(out_h, out_w, kh, kw, c_in, filters, groups)
    elif kind == "depthwise":
        c_out = c_in * values["multiplier"]
        params = kh * kw * c_out + c_out  # one kh×kw kernel and one bias per output channel
        macs = out_h * out_w * c_out * kh * kw
    else:
        c_out, params, macs = c_in, 0, 0  # pooling has no weights; its max/sum is not a multiply-accumulate
    return LayerResult(
        shape=(out_h, out_w, c_out),
        params=params,
        macs=macs,
        activations=out_h * out_w * c_out,
        receptive_field=(field[0] + dilation * (kh - 1) * jump, field[1] + dilation * (kw - 1) * jump),
        jump=jump * stride,
    )


def stack_results(input_shape: Mapping[str, object], layers: Sequence[Mapping[str, object]]) -> list[LayerResult]:
    """Every layer's result, in order, for an input {"h", "w", "c"}; StackError at the first bad field."""
    shape = tuple(_whole(-1, name, input_shape.get(name)) for name in ("h", "w", "c"))
    field, jump = (1, 1), 1
    results = []
    for index, layer in enumerate(layers):
        result = layer_result(index, layer, shape, field, jump)  # type: ignore[arg-type]
        results.append(result)
        shape, field, jump = result.shape, result.receptive_field, result.jump
    return results


def totals(results: Sequence[LayerResult]) -> dict[str, int]:
    """Parameters, MACs and activations summed over a stack."""
    return {name: sum(getattr(r, name) for r in results) for name in ("params", "macs", "activations")}


def keras_layer(layer: Mapping[str, object]):
    """The Keras layer a calculator layer describes (for tests and the page's check)."""
    import keras

    padding = layer["padding"]
    if layer["type"] == "conv":
        return keras.layers.Conv2D(
            layer["filters"],
            (layer["kh"], layer["kw"]),
            strides=layer["stride"],
            padding=padding,
            dilation_rate=layer["dilation"],
            groups=layer["groups"],
        )
    if layer["type"] == "depthwise":
        return keras.layers.DepthwiseConv2D(
            (layer["kh"], layer["kw"]),
            strides=layer["stride"],
            padding=padding,
            depth_multiplier=layer["multiplier"],
            dilation_rate=layer["dilation"],
        )
    pool = keras.layers.MaxPooling2D if layer["type"] == "maxpool" else keras.layers.AveragePooling2D
    return pool(layer["pool"], strides=layer["stride"], padding=padding)


def conv(filters: int, kernel: int, padding: str = "valid", stride: int = 1) -> dict[str, object]:
    """A square Conv2D layer as the calculator writes it."""
    return {
        "type": "conv",
        "filters": filters,
        "kh": kernel,
        "kw": kernel,
        "stride": stride,
        "dilation": 1,
        "groups": 1,
        "padding": padding,
    }


# The calculator's presets (its JavaScript holds the same; tests/test_calculator.py checks they match).
PRESETS: dict[str, dict[str, object]] = {
    "seed": {
        "a": {"input": {"h": 28, "w": 28, "c": 1}, "layers": [conv(64, 3)]},
        "b": {"input": {"h": 28, "w": 28, "c": 1}, "layers": [conv(32, 7)]},
    },
    "vgg": {
        "a": {"input": {"h": 28, "w": 28, "c": 64}, "layers": [conv(64, 3, "same")] * 3},
        "b": {"input": {"h": 28, "w": 28, "c": 64}, "layers": [conv(64, 7, "same")]},
    },
    "vggstages": {
        "a": {
            "input": {"h": 28, "w": 28, "c": 1},
            "layers": [
                conv(32, 3, "same"),
                conv(32, 3, "same"),
                {"type": "maxpool", "pool": 2, "stride": 2, "padding": "valid"},
                conv(64, 3, "same"),
                conv(64, 3, "same"),
                {"type": "maxpool", "pool": 2, "stride": 2, "padding": "valid"},
            ],
        },
        "b": None,
    },
    "convnext": {
        "a": {
            "input": {"h": 56, "w": 56, "c": 96},
            "layers": [
                {"type": "depthwise", "multiplier": 1, "kh": 7, "kw": 7, "stride": 1, "dilation": 1, "padding": "same"},
                conv(384, 1),
                conv(96, 1),
            ],
        },
        "b": {"input": {"h": 56, "w": 56, "c": 96}, "layers": [conv(96, 7, "same"), conv(384, 1), conv(96, 1)]},
    },
}
