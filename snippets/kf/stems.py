"""The first layer: one k×k convolution against a stack of 3×3 layers, real network stems, calculator links.

Pure arithmetic on top of kf.convmath and kf.stack; docs/first_layer.md and its tests check it against Keras.
Stems are kf.stack layer dicts, so the calculator can open them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from itertools import pairwise

from kf import convmath, stack

MAX_CHANNELS = 65_536


def _channels(name: str, value: object) -> int:
    """A channel count as a whole number from 1 to MAX_CHANNELS, else ValueError naming it."""
    return convmath.check_int(name, value, 1, MAX_CHANNELS)


def stack_depth(kernel: int) -> int:
    """How many 3×3 layers (stride 1) see as far as one kernel×kernel layer: (k − 1) / 2."""
    kernel = convmath.check_int("kernel", kernel, 3, 1_024)
    if kernel % 2 == 0:
        raise ValueError(f"kernel must be odd for a 3×3 stack to match its receptive field, got {kernel}")
    return (kernel - 1) // 2


def single_weights(c_in: int, c_out: int, kernel: int) -> int:
    """Weights (no biases) of one kernel×kernel Conv2D from c_in to c_out channels."""
    return convmath.conv_params(kernel, kernel, _channels("c_in", c_in), _channels("c_out", c_out), bias=False)


def stack_weights(c_in: int, c_out: int, kernel: int, width: int | None = None) -> int:
    """Weights (no biases) of the 3×3 stack with kernel's receptive field: c_in → width → … → width → c_out."""
    depth = stack_depth(kernel)
    c_in, c_out = _channels("c_in", c_in), _channels("c_out", c_out)
    width = c_out if width is None else _channels("width", width)
    channels = [c_in] + [width] * (depth - 1) + [c_out]
    return sum(convmath.conv_params(3, 3, a, b, bias=False) for a, b in pairwise(channels))


def stack_is_cheaper(c_in: int, c_out: int, kernel: int, width: int | None = None) -> bool:
    """The page's condition, as written there: 9·W·(C_in + (n − 2)·W + C_out) < k²·C_in·C_out (n ≥ 2 layers)."""
    n = stack_depth(kernel)
    c_in, c_out = _channels("c_in", c_in), _channels("c_out", c_out)
    w = c_out if width is None else _channels("width", width)
    if n == 1:
        return False  # one 3×3 layer is the 3×3 kernel itself: equal, not cheaper
    return 9 * w * (c_in + (n - 2) * w + c_out) < kernel * kernel * c_in * c_out


def break_even_c_in(c_out: int, kernel: int) -> Fraction:
    """With width = C_out = C, the stack is cheaper exactly when C_in exceeds 9·(n − 1)·C / (k² − 9)."""
    n = stack_depth(kernel)
    if n == 1:
        raise ValueError("a 3×3 kernel is its own stack: there is no break-even point")
    return Fraction(9 * (n - 1) * _channels("c_out", c_out), kernel * kernel - 9)


def expansion(c_in: int, filters: int, kernel: int) -> Fraction:
    """Values out per value read at one position: filters ÷ (k² · C_in)."""
    c_in, filters = _channels("c_in", c_in), _channels("filters", filters)
    kernel = convmath.check_int("kernel", kernel, 1, 1_024)
    return Fraction(filters, kernel * kernel * c_in)


def pool(size: int, stride: int, padding: str = "valid", kind: str = "maxpool") -> dict[str, object]:
    """A pooling layer as the calculator writes it."""
    return {"type": kind, "pool": size, "stride": stride, "padding": padding}


# Stems of real networks on a 224×224 image, as kf.stack layers; the Keras twin of each is built on the page.
STEMS: dict[str, list[dict[str, object]]] = {
    "ResNet": [stack.conv(64, 7, "same", 2), pool(3, 2, "same")],
    "ResNet-C": [
        stack.conv(32, 3, "same", 2),
        stack.conv(32, 3, "same"),
        stack.conv(64, 3, "same"),
        pool(3, 2, "same"),
    ],
    "ConvNeXt-T": [stack.conv(96, 4, "valid", 4)],
}
# The first layer of three ImageNet winners in turn, on the same 224×224 image ('same' padding throughout).
HISTORY: dict[str, list[dict[str, object]]] = {
    "AlexNet, 2012: 11×11, stride 4": [stack.conv(96, 11, "same", 4)],
    "ZFNet, 2013: 7×7, stride 2": [stack.conv(96, 7, "same", 2)],
    "VGG, 2014: 3×3, stride 1": [stack.conv(64, 3, "same")],
}


def summary(input_shape: tuple[int, int, int], layers: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Parameters, MACs, output shape, receptive field and jump of a stack of calculator layers."""
    h, w, c = input_shape
    results = stack.stack_results({"h": h, "w": w, "c": c}, layers)
    return {
        **stack.totals(results),
        "shape": results[-1].shape,
        "field": results[-1].receptive_field[0],
        "jump": results[-1].jump,
    }


def calc_token(layer: Mapping[str, object]) -> str:
    """One layer in the calculator's link format (docs/assets/javascripts/calculator/core.js, encodeStack)."""
    p = "s" if layer["padding"] == "same" else "v"
    kind = layer["type"]
    if kind == "conv":
        window = f"k{layer['kh']}x{layer['kw']}s{layer['stride']}d{layer['dilation']}"
        return f"c{layer['filters']}{window}g{layer['groups']}{p}"
    if kind == "depthwise":
        return f"w{layer['multiplier']}k{layer['kh']}x{layer['kw']}s{layer['stride']}d{layer['dilation']}{p}"
    if kind in ("maxpool", "avgpool"):
        return f"{'m' if kind == 'maxpool' else 'a'}{layer['pool']}s{layer['stride']}{p}"
    raise ValueError(f"layer type must be one of {', '.join(stack.LAYER_TYPES)}, got {kind!r}")


def calc_query(
    input_shape: tuple[int, int, int],
    a: Sequence[Mapping[str, object]],
    b: Sequence[Mapping[str, object]] | None = None,
) -> str:
    """The calculator's calc= value for stack a (and b to compare), both on input_shape."""
    head = "x".join(str(convmath.check_int("input size", d, 1, stack.LIMITS["c"])) for d in input_shape)
    stacks = [a] if b is None else [a, b]
    return "v1." + ".".join("_".join([head, *(calc_token(layer) for layer in layers)]) for layers in stacks)
