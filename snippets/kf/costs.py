"""What a Conv2D layer costs: parameter grids, FLOPs, activation memory, next-layer parameters.

Pure arithmetic on top of `kf.convmath`; `keras_params` is the one function that asks Keras,
so the pages can check a sample of every grid against `count_params()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kf import convmath

INPUT_SHAPE = (28, 28, 1)
BYTES_FLOAT32 = 4
FLOPS_PER_MAC = 2  # one multiply and one add; the convention used on every page of this site


def param_grid(kernels: Sequence[int], filters: Sequence[int], c_in: int, bias: bool = True) -> list[list[int]]:
    """Parameters of a square-kernel Conv2D for every (kernel, filters) pair: rows kernels, columns filters."""
    if not kernels or not filters:
        raise ValueError("param_grid needs at least one kernel size and one filter count")
    return [[convmath.conv_params(k, k, c_in, f, bias=bias) for f in filters] for k in kernels]


def keras_params(kernel: int, c_in: int, filters: int) -> int:
    """Keras's own count_params() for Conv2D(filters, (kernel, kernel)) on c_in input channels."""
    import keras  # imported here so that arithmetic-only users never load TensorFlow

    convmath.check_int("kernel", kernel)
    convmath.check_int("input channels", c_in)
    convmath.check_int("filters", filters)
    layer = keras.layers.Conv2D(filters, (kernel, kernel))
    layer.build((None, None, None, c_in))
    return layer.count_params()


def flops(macs: int) -> int:
    """FLOPs of a convolution counted as 2 per multiply-accumulate (bias and activation not counted)."""
    return FLOPS_PER_MAC * convmath.check_int("MACs", macs, minimum=0, maximum=10**18)


def activation_bytes(shape: Sequence[int], batch: int = 1, bytes_per_value: int = BYTES_FLOAT32) -> int:
    """Bytes to hold a layer's output of this shape (no batch axis) for a whole batch."""
    if not shape:
        raise ValueError("shape must have at least one dimension")
    values = 1
    for dim in shape:
        values *= convmath.check_int("shape dimension", dim)
    per_value = convmath.check_int("bytes per value", bytes_per_value, maximum=16)
    return values * convmath.check_int("batch", batch) * per_value


def binary_size(n_bytes: int) -> str:
    """Bytes as KiB, MiB or GiB (powers of 1,024), at most three decimals: 173,056 → '169 KiB'."""
    convmath.check_int("bytes", n_bytes, minimum=0, maximum=10**15)
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n_bytes >= scale:
            # Round half up, as a reader would: 7.5625 MiB shows as 7.563, not float's 7.562.
            value = (Decimal(n_bytes) / scale).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
            return f"{value:,f}".rstrip("0").rstrip(".") + " " + unit
    return f"{n_bytes} B"


@dataclass(frozen=True)
class LayerCost:
    """Forward cost of Conv2D(filters, (kernel, kernel)) on one input, for one padding mode."""

    filters: int
    kernel: int
    padding: str
    out_shape: tuple[int, int, int]
    macs: int

    @property
    def flops(self) -> int:
        """2 × MACs."""
        return flops(self.macs)

    @property
    def activations(self) -> int:
        """Output values per image."""
        h, w, c = self.out_shape
        return h * w * c

    def bytes(self, batch: int = 1) -> int:
        """float32 bytes of the output for a batch."""
        return activation_bytes(self.out_shape, batch)


def layer_cost(
    filters: int,
    kernel: int,
    padding: convmath.Padding = "valid",
    input_shape: tuple[int, int, int] = INPUT_SHAPE,
    stride: int = 1,
) -> LayerCost:
    """MACs and output shape of a square Conv2D from the formulas alone."""
    h, w, c_in = input_shape
    out_h = convmath.conv_output_size(h, kernel, stride, padding)
    out_w = convmath.conv_output_size(w, kernel, stride, padding)
    macs = convmath.conv_macs(out_h, out_w, kernel, kernel, c_in, filters)
    return LayerCost(filters, kernel, padding, (out_h, out_w, filters), macs)


def next_dense_params(activations: int, units: int = 10) -> int:
    """Parameters of Flatten + Dense(units) after a layer with this many output values."""
    convmath.check_int("activations", activations, maximum=10**12)
    return activations * convmath.check_int("units", units) + units


def signed(value: int) -> str:
    """An integer with thousands separators and a true minus sign: −27,776, +960."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"signed() needs a whole number, got {value!r}")
    return ("−" if value < 0 else "+" if value > 0 else "") + f"{abs(value):,}"
