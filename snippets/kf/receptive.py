"""Receptive fields of real Keras models, branches included: the Keras 3 version of google-research/receptive_field.

`kf.convmath.receptive_field` does the arithmetic for a list of kernels; this module reads the
kernels, strides, dilations and paddings off a Keras model (`describe`), walks its graph (`walk`,
following Araujo, Norris & Sim, Distill 2019), and adds the closed form to check the recurrence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

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
# Layers that act on each position separately (Dense on an image acts on its channels only).
POINTWISE = frozenset({"Dense", "EinsumDense", "LayerScale", "StochasticDepth"})
MERGES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"})
GLOBAL_POOLINGS = frozenset({"GlobalAveragePooling2D", "GlobalMaxPooling2D"})
RESHAPES = frozenset({"Reshape", "Flatten"})  # fine on a global average, meaningless on an image


INPUT, OUTPUT = "<input>", "<output>"  # names of the ops that stand for the model's input and output


@dataclass(frozen=True)
class Op:
    """One layer as the walk sees it: what it does to pixel positions, and which layers feed it.

    role is "input", "window" (convolution, pooling), "shift" (padding, cropping), "same" (changes no
    position), "merge" (Add, Concatenate, ...), "global" (global pooling) or "reshape".
    pad is how many cells the layer adds before the first row and column (negative: crops them);
    None when it depends on an input size the model leaves open.
    """

    name: str
    kind: str
    role: str
    inputs: tuple[str, ...] = ()
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    pad: tuple[int | None, int | None] = (0, 0)


@dataclass(frozen=True)
class Field:
    """What one unit of a layer's output sees, per axis (height, width).

    size is None when the layer holds only global averages (no spatial field at all);
    whole_input is True when a global average reaches it, so strictly every input pixel can change it.
    padding is the effective padding: the unit at (0, 0) sees rows and columns from −padding on.
    """

    size: tuple[int, int] | None
    jump: tuple[int, int] | None
    padding: tuple[int | None, int | None] | None
    whole_input: bool = False


@dataclass(frozen=True)
class FieldRow:
    """One layer of a chain: its window, and the receptive field and jump after it (height, width)."""

    name: str
    kind: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    field: tuple[int, int] | None
    jump: tuple[int, int] | None
    padding: tuple[int | None, int | None] | None = None
    whole_input: bool = False


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


def same_padding(size: int | None, kernel: int, stride: int, dilation: int) -> int | None:
    """Cells Keras's padding="same" adds before the first row: TensorFlow's rule, extra cell at the end."""
    span = convmath.effective_kernel(kernel, dilation)
    if stride == 1:
        return (span - 1) // 2  # the same for every input size
    if size is None:
        return None  # stride > 1: depends on the input size
    return max((math.ceil(size / stride) - 1) * stride + span - size, 0) // 2


def _window(layer, size: tuple[int | None, int | None]) -> dict:
    """Kernel, stride, dilation and leading padding of a conv or pooling layer, each as (height, width)."""
    kind = _kind(layer)
    kernel = tuple(layer.kernel_size if kind in CONVOLUTIONS else layer.pool_size)
    stride = tuple(layer.strides)
    dilation = tuple(layer.dilation_rate) if kind in CONVOLUTIONS else (1, 1)
    if layer.padding == "valid":
        pad = (0, 0)
    elif layer.padding == "same":
        pad = tuple(same_padding(size[a], kernel[a], stride[a], dilation[a]) for a in (0, 1))
    else:
        raise ValueError(f"layer {layer.name!r} has padding={layer.padding!r}; the walk knows 'valid' and 'same'")
    return {"kernel": kernel, "stride": stride, "dilation": dilation, "pad": pad}


def _kind(layer) -> str:
    """The layer's class name, or that of the nearest known class it derives from (a subclass of Conv2D is a Conv2D)."""
    known = PASS_THROUGH | CONVOLUTIONS | POOLINGS | POINTWISE | MERGES | GLOBAL_POOLINGS | RESHAPES
    known |= {"ZeroPadding2D", "Cropping2D"}
    return next((c.__name__ for c in type(layer).__mro__ if c.__name__ in known), type(layer).__name__)


def _op(layer, inputs: list) -> Op:
    """Describe one Keras layer, or raise a ValueError naming it and saying why the walk cannot go through."""
    kind, name = _kind(layer), layer.name
    sources = ()  # filled in by the caller, which knows the names of the layers that made the inputs
    shape = tuple(inputs[0].shape) if inputs else ()
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(f"layer {name!r} is channels_first; the walk reads channels_last images")
    if kind in CONVOLUTIONS | POOLINGS:
        return Op(name, kind, "window", sources, **_window(layer, shape[1:3] if len(shape) == 4 else (None, None)))
    if kind == "ZeroPadding2D":
        return Op(name, kind, "shift", sources, pad=(layer.padding[0][0], layer.padding[1][0]))
    if kind == "Cropping2D":
        return Op(name, kind, "shift", sources, pad=(-layer.cropping[0][0], -layer.cropping[1][0]))
    if kind in PASS_THROUGH or (kind in POINTWISE and len(shape) == 4):
        return Op(name, kind, "same", sources)
    if kind == "Concatenate" and layer.axis not in (-1, len(shape) - 1):
        raise ValueError(f"layer {name!r} concatenates along axis {layer.axis}, not channels: positions would move")
    if kind in MERGES:
        return Op(name, kind, "merge", sources)
    if kind in GLOBAL_POOLINGS:
        return Op(name, kind, "global", sources)
    if kind in RESHAPES or kind in POINTWISE:
        return Op(name, kind, "reshape", sources)
    raise ValueError(
        f"layer {name!r} is a {kind}; the walk knows convolutions, poolings, padding, merges, global pooling "
        f"and layers that move no pixel, and cannot tell which input pixels a {kind} looks at"
    )


def describe(model) -> list[Op]:
    """The model's layers as plain Ops, in an order where every layer comes after its inputs."""
    if not hasattr(model, "layers"):
        raise ValueError(f"expected a Keras model, got {type(model).__name__}")
    if not getattr(model, "inputs", None):
        raise ValueError(f"model {model.name!r} has no input yet: start it with keras.Input(shape=...)")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} outputs; "
            "the walk needs one image in and one tensor out"
        )
    ops: list[Op] = [Op(INPUT, "InputLayer", "input")]
    last = _describe_into(model, {id(model.inputs[0]): INPUT}, ops)
    return [*ops, Op(OUTPUT, "Output", "same", (last,))]


def _describe_into(model, names: dict[int, str], ops: list[Op]) -> str:
    """Append the ops of `model` (nested models flattened); names maps tensor ids to the op that made them."""
    for layer in getattr(model, "operations", model.layers):  # with operations such as `x + y` that are no layer
        if type(layer).__name__ == "InputLayer":
            continue
        nodes = layer._inbound_nodes  # the calls that put the layer in this graph (Keras keeps no public list)
        if len(nodes) != 1:
            raise ValueError(f"layer {layer.name!r} is called {len(nodes)} times; the walk needs each layer once")
        inputs, (output,) = nodes[0].input_tensors, nodes[0].output_tensors
        if any(id(t) not in names for t in inputs):
            raise ValueError(f"layer {layer.name!r} reads a tensor that no layer before it made")
        if hasattr(layer, "layers") and hasattr(layer, "inputs"):  # a model used as a layer: walk into it
            names[id(output)] = _describe_into(layer, {id(layer.inputs[0]): names[id(inputs[0])]}, ops)
            continue
        op = _op(layer, inputs)
        ops.append(replace(op, inputs=tuple(names[id(t)] for t in inputs)))
        names[id(output)] = layer.name
    return names[id(model.outputs[0])]


# --8<-- [start:walk]
def step(field: Field, op: Op) -> Field:
    """The field after one op with a single input: r += d(k−1)·j, padding += pad·j, j *= s, per axis."""
    if field.size is None or op.role == "global":  # only global averages from here on
        return Field(None, None, None, whole_input=True)
    if op.role == "reshape":
        raise ValueError(
            f"layer {op.name!r} is a {op.kind} of an image: pixel positions end here, and a layer after it "
            "can mix them all (global pooling first gives a field of the whole input)"
        )
    size, jump, padding = [], [], []
    for a in (0, 1):
        span = op.dilation[a] * (op.kernel[a] - 1) + 1
        size.append(field.size[a] + (span - 1) * field.jump[a])
        known = None not in (field.padding[a], op.pad[a])
        padding.append(field.padding[a] + op.pad[a] * field.jump[a] if known else None)
        jump.append(field.jump[a] * op.stride[a])
    return Field(tuple(size), tuple(jump), tuple(padding), field.whole_input)


def merge(fields: dict[str, Field], op: Op) -> Field:
    """Where paths meet: the jumps must agree, the centres must line up; the largest field wins."""
    spatial = {name: f for name, f in fields.items() if f.size is not None}
    whole = any(f.whole_input for f in fields.values())
    if not spatial:
        return Field(None, None, None, whole_input=True)
    if len({f.jump for f in spatial.values()}) > 1:
        raise ValueError(
            f"layer {op.name!r} merges inputs with different strides: "
            + ", ".join(f"{n!r} jumps {f.jump}" for n, f in spatial.items())
        )
    centres = {n: tuple((f.size[a] - 1) / 2 - f.padding[a] for a in (0, 1)) for n, f in spatial.items()}
    if all(None not in f.padding for f in spatial.values()) and len(set(centres.values())) > 1:
        raise ValueError(
            f"layer {op.name!r} merges fields that are not centred alike: "
            + ", ".join(f"{n!r} centred at {c}" for n, c in centres.items())
        )
    size, padding = [], []
    for a in (0, 1):
        widest = max(spatial.values(), key=lambda f: f.size[a])
        size.append(widest.size[a])
        padding.append(widest.padding[a])
    jump = next(iter(spatial.values())).jump
    return Field(tuple(size), jump, tuple(padding), whole)


def walk(ops: list[Op]) -> dict[str, Field]:
    """The receptive field after every op, following the graph from the input (Araujo et al. 2019)."""
    fields: dict[str, Field] = {}
    for op in ops:
        if op.role == "input":
            fields[op.name] = Field((1, 1), (1, 1), (0, 0))
        elif op.role == "merge":
            fields[op.name] = merge({name: fields[name] for name in op.inputs}, op)
        else:
            fields[op.name] = step(fields[op.inputs[0]], op)
    return fields


# --8<-- [end:walk]


def receptive_fields(model) -> list[FieldRow]:
    """One row per window, merge or global layer of a Keras model: its field, jump and padding after it."""
    ops = describe(model)
    fields = walk(ops)
    return [
        FieldRow(op.name, op.kind, op.kernel, op.stride, op.dilation, f.size, f.jump, f.padding, f.whole_input)
        for op in ops
        if op.role in ("window", "merge", "global")
        for f in [fields[op.name]]
    ]


def output_field(model) -> Field:
    """The receptive field of one unit of the model's output."""
    return walk(describe(model))[OUTPUT]


def side(pair: tuple[int, int] | None) -> str:
    """Show a (height, width) pair as 7 when square, 7×3 otherwise; None (a global average) as the whole input."""
    if pair is None:
        return "the whole input"
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"
