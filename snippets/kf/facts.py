"""The answer page's facts, computed from Keras itself and checked against the arithmetic.

Every number the home page shows comes from `seed_facts()`; tests pin it to hand-checked values.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from kf import convmath

INPUT_SHAPE = (28, 28, 1)
SEED_LAYERS = ((64, 3), (32, 7))  # (filters, kernel): Conv2D(64, (3,3)) and Conv2D(32, (7,7))
NEXT_CONV_FILTERS = 64
DENSE_UNITS = 10


@dataclass(frozen=True)
class LayerFacts:
    """What one Conv2D layer on the 28×28×1 input costs and produces."""

    filters: int
    kernel: int
    params: int
    shape_valid: tuple[int, int, int]
    shape_same: tuple[int, int, int]
    activations: int
    macs_valid: int
    macs_same: int
    receptive_field: int
    next_dense_params: int
    next_conv_params: int

    @property
    def name(self) -> str:
        """The layer as code: Conv2D(64, (3,3))."""
        return f"Conv2D({self.filters}, ({self.kernel},{self.kernel}))"

    @property
    def label(self) -> str:
        """Short label for tables and figures: 64×3×3."""
        return f"{self.filters}×{self.kernel}×{self.kernel}"


@dataclass(frozen=True)
class SeedFacts:
    """Both seed layers and the ratios between them."""

    small: LayerFacts  # Conv2D(64, (3,3))
    large: LayerFacts  # Conv2D(32, (7,7))

    def ratio(self, field: str) -> Fraction:
        """large/small for a numeric field, as an exact fraction."""
        return Fraction(getattr(self.large, field), getattr(self.small, field))


def _shape(model) -> tuple[int, ...]:
    """A Keras model's output shape without the batch axis."""
    return tuple(int(d) for d in model.output_shape[1:])


# --8<-- [start:keras]
def keras_layer_facts(filters: int, kernel: int, input_shape: tuple[int, int, int] = INPUT_SHAPE) -> LayerFacts:
    """Build the layer (and its possible next layers) in Keras and read the facts off the models."""
    import keras  # imported here so that `kf.convmath` users never pay for TensorFlow

    def conv(padding: str = "valid") -> keras.layers.Conv2D:
        return keras.layers.Conv2D(filters, (kernel, kernel), padding=padding)

    inputs = keras.Input(shape=input_shape)
    first = conv()
    valid = keras.Model(inputs, first(inputs))
    same = keras.Model(inputs, conv("same")(inputs))
    dense = keras.layers.Dense(DENSE_UNITS)
    dense(keras.layers.Flatten()(valid.output))
    next_conv = keras.layers.Conv2D(NEXT_CONV_FILTERS, (3, 3))
    next_conv(valid.output)

    c_in = input_shape[2]
    out_valid, out_same = _shape(valid), _shape(same)
    return LayerFacts(
        filters=filters,
        kernel=kernel,
        params=first.count_params(),
        shape_valid=out_valid,
        shape_same=out_same,
        activations=out_valid[0] * out_valid[1] * out_valid[2],
        macs_valid=convmath.conv_macs(out_valid[0], out_valid[1], kernel, kernel, c_in, filters),
        macs_same=convmath.conv_macs(out_same[0], out_same[1], kernel, kernel, c_in, filters),
        receptive_field=convmath.receptive_field([kernel])[0],
        next_dense_params=dense.count_params(),
        next_conv_params=next_conv.count_params(),
    )


# --8<-- [end:keras]


def arithmetic_layer_facts(filters: int, kernel: int, input_shape: tuple[int, int, int] = INPUT_SHAPE) -> LayerFacts:
    """The same facts from the formulas alone, with no Keras."""
    h, w, c_in = input_shape

    def shape(padding: convmath.Padding) -> tuple[int, int, int]:
        return (
            convmath.conv_output_size(h, kernel, padding=padding),
            convmath.conv_output_size(w, kernel, padding=padding),
            filters,
        )

    out_valid, out_same = shape("valid"), shape("same")
    activations = out_valid[0] * out_valid[1] * filters
    return LayerFacts(
        filters=filters,
        kernel=kernel,
        params=convmath.conv_params(kernel, kernel, c_in, filters),
        shape_valid=out_valid,
        shape_same=out_same,
        activations=activations,
        macs_valid=convmath.conv_macs(out_valid[0], out_valid[1], kernel, kernel, c_in, filters),
        macs_same=convmath.conv_macs(out_same[0], out_same[1], kernel, kernel, c_in, filters),
        receptive_field=convmath.receptive_field([kernel])[0],
        next_dense_params=activations * DENSE_UNITS + DENSE_UNITS,
        next_conv_params=convmath.conv_params(3, 3, filters, NEXT_CONV_FILTERS),
    )


class FactMismatch(AssertionError):
    """Keras and the arithmetic disagree: the page must not render."""


@cache
def seed_facts() -> SeedFacts:
    """Facts for Conv2D(64,(3,3)) and Conv2D(32,(7,7)) on 28×28×1, checked two ways."""
    layers = []
    for filters, kernel in SEED_LAYERS:
        from_keras = keras_layer_facts(filters, kernel)
        from_formulas = arithmetic_layer_facts(filters, kernel)
        if from_keras != from_formulas:
            raise FactMismatch(f"Keras says {from_keras}, the formulas say {from_formulas}")
        layers.append(from_keras)
    return SeedFacts(*layers)


def prose_values() -> dict[str, object]:
    """Names the answer page's prose may use: s (64×3×3), l (32×7×7) and their ratios."""
    facts = seed_facts()
    return {"s": facts.small, "l": facts.large, "facts": facts}


def say(template: str, **extra: object) -> str:
    """Render answer-page prose: {s.params}, {l.macs_valid}, ... become computed numbers."""
    from kf.render import prose

    return prose(template, {**prose_values(), **extra})
