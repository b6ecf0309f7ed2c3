"""Pure arithmetic of 2-D convolution layers: output size, parameters, MACs, receptive field.

No TensorFlow here: these functions are what the pages compute with, and the tests
check them against Keras. Bad input raises ValueError with a message naming the argument.
"""

from __future__ import annotations

import math
from typing import Literal

Padding = Literal["valid", "same"]
PADDINGS: tuple[str, ...] = ("valid", "same")
MAX_DIM = 1_000_000  # far beyond any real image or layer; larger values are typos


def check_int(name: str, value: object, minimum: int = 1, maximum: int = MAX_DIM) -> int:
    """Return value if it is an integer in [minimum, maximum], else raise a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum:,} and {maximum:,}, got {value:,}")
    return value


def check_padding(padding: object) -> Padding:
    """Return padding if it is 'valid' or 'same', else raise a ValueError."""
    if padding not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding  # type: ignore[return-value]


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Span of a dilated kernel: d·(k−1)+1."""
    check_int("kernel", kernel)
    check_int("dilation", dilation)
    return dilation * (kernel - 1) + 1


def total_padding(size: int, kernel: int, stride: int = 1, padding: Padding = "valid", dilation: int = 1) -> int:
    """Zeros added along one axis (both sides together), as TensorFlow/Keras pad for 'same'."""
    check_int("input size", size)
    check_int("stride", stride)
    if check_padding(padding) == "valid":
        effective_kernel(kernel, dilation)
        return 0
    out = math.ceil(size / stride)
    return max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: Padding = "valid", dilation: int = 1) -> int:
    """Output length along one axis: ⌊(n + p_total − d·(k−1) − 1)/s⌋ + 1."""
    pad = total_padding(size, kernel, stride, padding, dilation)
    span = effective_kernel(kernel, dilation)
    if span > size + pad:
        raise ValueError(
            f"kernel {kernel} (dilation {dilation}, span {span}) is larger than the "
            f"{'padded ' if pad else ''}input ({size + pad}); use a smaller kernel or padding='same'"
        )
    return (size + pad - span) // stride + 1


def conv_params(kernel_h: int, kernel_w: int, c_in: int, c_out: int, groups: int = 1, bias: bool = True) -> int:
    """Trainable parameters of Conv2D: k_h·k_w·(C_in/groups)·C_out (+ C_out biases)."""
    for name, value in (
        ("kernel height", kernel_h),
        ("kernel width", kernel_w),
        ("input channels", c_in),
        ("filters", c_out),
        ("groups", groups),
    ):
        check_int(name, value)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups ({groups}) must divide input channels ({c_in}) and filters ({c_out})")
    return kernel_h * kernel_w * (c_in // groups) * c_out + (c_out if bias else 0)


def conv_macs(out_h: int, out_w: int, kernel_h: int, kernel_w: int, c_in: int, c_out: int, groups: int = 1) -> int:
    """Multiply-accumulates of one forward pass: one k_h·k_w·C_in/groups dot product per output value."""
    weights = conv_params(kernel_h, kernel_w, c_in, c_out, groups, bias=False)
    return check_int("output height", out_h) * check_int("output width", out_w) * weights


def receptive_field(
    kernels: list[int], strides: list[int] | None = None, dilations: list[int] | None = None
) -> tuple[int, int]:
    """Receptive field and jump after a chain of layers: r ← r + d·(k−1)·j, j ← j·s."""
    strides = strides or [1] * len(kernels)
    dilations = dilations or [1] * len(kernels)
    if not len(kernels) == len(strides) == len(dilations):
        raise ValueError("kernels, strides and dilations must have the same length")
    field, jump = 1, 1
    for kernel, stride, dilation in zip(kernels, strides, dilations, strict=True):
        field += (effective_kernel(kernel, dilation) - 1) * jump
        jump *= check_int("stride", stride)
    return field, jump
