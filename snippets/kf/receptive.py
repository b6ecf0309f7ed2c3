"""Receptive fields of real Keras models: walk a chain of conv and pooling layers, layer by layer.

`kf.convmath.receptive_field` does the arithmetic for a list of kernels; this module reads the
kernels, strides and dilations off Keras layers, and adds Araujo et al.'s closed form to check it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kf import convmath

# Layers that change no pixel position: they keep the receptive field and the jump as they are.
# Padding and cropping move where a field starts, never its size or spacing.
PASS_THROUGH = frozenset(
    {
        "InputLayer",
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "Softmax",
        "Dropout",
        "SpatialDropout2D",
        "GaussianNoise",
        "Rescaling",
        "Normalization",
        "Identity",
        "ZeroPadding2D",
        "Cropping2D",
    }
)
CONVOLUTIONS = frozenset({"Conv2D", "DepthwiseConv2D", "SeparableConv2D"})
POOLINGS = frozenset({"MaxPooling2D", "AveragePooling2D"})


@dataclass(frozen=True)
class FieldRow:
    """One layer of a chain: its window, and the receptive field and jump after it (height, width)."""

    name: str
    kind: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    field: tuple[int, int]
    jump: tuple[int, int]


def closed_form(kernels: list[int], strides: list[int] | None = None, dilations: list[int] | None = None) -> int:
    """Araujo et al.'s closed form: r = Σ_l (d_l(k_l − 1) · Π_{i<l} s_i) + 1."""
    strides = strides or [1] * len(kernels)
    dilations = dilations or [1] * len(kernels)
    if not len(kernels) == len(strides) == len(dilations):
        raise ValueError("kernels, strides and dilations must have the same length")
    for stride in strides:
        convmath.check_int("stride", stride)
    return (
        sum(
            (convmath.effective_kernel(k, d) - 1) * math.prod(strides[:l])
            for l, (k, d) in enumerate(zip(kernels, dilations, strict=True))
        )
        + 1
    )


def _window(layer) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Kernel, stride and dilation of a conv or pooling layer, each as (height, width)."""
    kind = type(layer).__name__
    if kind in CONVOLUTIONS:
        return tuple(layer.kernel_size), tuple(layer.strides), tuple(layer.dilation_rate)
    return tuple(layer.pool_size), tuple(layer.strides), (1, 1)


def _check_supported(layer) -> str:
    """The layer's class name, or a ValueError saying why the walk cannot go through it."""
    kind = type(layer).__name__
    if kind in PASS_THROUGH | CONVOLUTIONS | POOLINGS:
        return kind
    hint = " (global pooling sees the whole input)" if kind.startswith("Global") else ""
    raise ValueError(
        f"layer {layer.name!r} is a {kind}{hint}; receptive_fields() walks only "
        f"{', '.join(sorted(CONVOLUTIONS | POOLINGS))} and shape-preserving layers"
    )


# --8<-- [start:walk]
def receptive_fields(model) -> list[FieldRow]:
    """Receptive field and jump after every layer of a Keras Sequential or single-chain functional model."""
    inputs = getattr(model, "inputs", None)
    if not hasattr(model, "layers"):
        raise ValueError(f"expected a Keras model, got {type(model).__name__}")
    if not inputs:
        raise ValueError(f"model {model.name!r} has no input yet: start it with keras.Input(shape=...)")
    if len(inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(inputs)} inputs and {len(model.outputs)} outputs; "
            "only a single chain is supported"
        )
    current = inputs[0]
    field, jump = [1, 1], [1, 1]
    rows: list[FieldRow] = []
    for layer in model.layers:
        kind = _check_supported(layer)
        if kind == "InputLayer":
            continue
        if layer.input is not current:
            raise ValueError(
                f"layer {layer.name!r} does not take the previous layer's output: the model "
                "branches, and receptive_fields() handles only a single chain"
            )
        current = layer.output
        if kind in PASS_THROUGH:
            continue
        kernel, stride, dilation = _window(layer)
        for axis in (0, 1):
            f, j = convmath.receptive_field([kernel[axis]], [stride[axis]], [dilation[axis]])
            field[axis] += (f - 1) * jump[axis]  # one more layer of the recurrence: r += d(k−1)·j
            jump[axis] *= j
        rows.append(FieldRow(layer.name, kind, kernel, stride, dilation, tuple(field), tuple(jump)))
    if current is not model.outputs[0]:
        raise ValueError(
            f"model {model.name!r} does not end at its last layer: a layer is reused or the graph branches"
        )
    return rows


# --8<-- [end:walk]


def side(pair: tuple[int, int]) -> str:
    """Show a (height, width) pair as 7 when square, 7×3 otherwise."""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"
