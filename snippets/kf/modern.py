"""Cost of any Keras 2-D convolution layer, read off the layer itself: parameters, output shape, MACs, traffic.

Works the same for Conv2D, DepthwiseConv2D and SeparableConv2D, because every kernel weight is used
exactly once per output position: MACs = output positions × kernel weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kf import convmath

SUPPORTED = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")


@dataclass(frozen=True)
class LayerCost:
    """What one convolution layer costs on one input image."""

    params: int  # weights + biases, as Keras counts them
    output_shape: tuple[int, int, int]
    macs: int  # multiply-accumulates per image
    values_moved: int  # input + output + parameters: a lower bound on memory traffic

    @property
    def intensity(self) -> float:
        """MACs per value moved: how much arithmetic each value read or written pays for."""
        return self.macs / self.values_moved


def kernel_weights(layer) -> int:
    """Kernel weights of a built conv layer (both kernels of a SeparableConv2D), without biases."""
    names = {
        "Conv2D": ["kernel"],
        "DepthwiseConv2D": ["kernel"],
        "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel"],
    }[type(layer).__name__]
    return sum(math.prod(getattr(layer, name).shape) for name in names)


# --8<-- [start:cost]
def layer_cost(layer, input_shape: tuple[int, int, int]) -> LayerCost:
    """Build a Keras conv layer on an (H, W, C) input and read its cost off the layer."""
    kind = type(layer).__name__
    if kind not in SUPPORTED:
        raise ValueError(f"layer_cost() takes {', '.join(SUPPORTED)}, got {kind}")
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    for name, value in zip(("input height", "input width", "input channels"), input_shape, strict=True):
        convmath.check_int(name, value)
    try:
        out = tuple(int(d) for d in layer.compute_output_shape((None, *input_shape))[1:])
    except ValueError as error:  # Keras's own complaint, e.g. a kernel larger than the input
        raise ValueError(f"{layer.name} cannot run on {input_shape}: {error}") from None
    if min(out) <= 0:
        raise ValueError(f"{layer.name} on {input_shape} gives an empty output {out}: use padding='same'")
    if not layer.built:
        layer.build((None, *input_shape))
    macs = out[0] * out[1] * kernel_weights(layer)  # every kernel weight is used once per output position
    params = layer.count_params()
    return LayerCost(params, out, macs, math.prod(input_shape) + math.prod(out) + params)


# --8<-- [end:cost]


def depthwise_params(kernel: int, channels: int, bias: bool = True) -> int:
    """DepthwiseConv2D parameters: one k×k filter per channel (+ one bias per channel)."""
    return convmath.conv_params(kernel, kernel, channels, channels, groups=channels, bias=bias)


def separable_params(kernel: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """SeparableConv2D parameters: k·k·C_in depthwise + C_in·C_out pointwise (+ C_out biases)."""
    return depthwise_params(kernel, c_in, bias=False) + convmath.conv_params(1, 1, c_in, c_out, bias=bias)
