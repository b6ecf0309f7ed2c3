"""The calculator page: its presets computed in Python (kf.stack) and checked against Keras.

Run it on its own with `python snippets/calculator.py`; the page executes the same sections.
"""

# --8<-- [start:presets]
from kf import stack
from kf.render import num, shape, table

NAMES = {
    "seed": "The question",
    "vgg": "VGG: 3×3 stack vs 7×7",
    "vggstages": "VGG-style stages",
    "convnext": "ConvNeXt block vs dense 7×7",
}

rows = []
for name, preset in stack.PRESETS.items():
    for key in ("a", "b"):
        if preset[key] is None:
            continue
        results = stack.stack_results(preset[key]["input"], preset[key]["layers"])
        total = stack.totals(results)
        rows.append(
            (
                NAMES[name],
                key.upper(),
                shape(results[-1].shape),
                num(total["params"]),
                num(total["macs"]),
                num(total["activations"]),
                "{} × {}".format(*results[-1].receptive_field),
            )
        )
print(
    table(
        ["Preset", "Stack", "Output shape", "Parameters", "MACs", "Activations", "Receptive field"],
        rows,
        align="llrrrrr",
    )
)
# --8<-- [end:presets]

# --8<-- [start:keras]
import keras

from kf import stack


def keras_stack(spec: dict) -> keras.Model:
    """The calculator stack as a Keras model."""
    inputs = keras.Input(shape=tuple(spec["input"][k] for k in ("h", "w", "c")))
    x = inputs
    for layer in spec["layers"]:
        x = stack.keras_layer(layer)(x)
    return keras.Model(inputs, x)


checked = 0
for name, preset in stack.PRESETS.items():
    for key in ("a", "b"):
        if preset[key] is None:
            continue
        model = keras_stack(preset[key])
        results = stack.stack_results(preset[key]["input"], preset[key]["layers"])
        for layer, result in zip(model.layers[1:], results, strict=True):
            assert layer.count_params() == result.params, (name, key, layer.name)
            assert tuple(layer.output.shape[1:]) == result.shape, (name, key, layer.name)
            checked += 1
print(f"Keras agrees with kf.stack on all {checked} layers of the presets (parameters and output shapes).")
# --8<-- [end:keras]

# --8<-- [start:depthwise]
import re

import keras
import numpy as np

x = np.random.default_rng(0).random((1, 16, 16, 3), dtype="float32")
# Keras's own docstring for DepthwiseConv2D, argument `strides`:
docstring = " ".join(keras.layers.DepthwiseConv2D.__doc__.split())
doc_claim = re.search(r"`strides > 1` is incompatible with `dilation_rate > 1`", docstring).group(0)

strided = keras.layers.DepthwiseConv2D(3, strides=2, dilation_rate=2)  # no ValueError here...
y = keras.ops.convert_to_numpy(strided(x))  # ...nor here
dilated = keras.layers.DepthwiseConv2D(3, dilation_rate=2)  # the same kernel at stride 1
dilated.build(x.shape)
dilated.set_weights(strided.get_weights())
every_second = keras.ops.convert_to_numpy(dilated(x))[:, ::2, ::2, :]
depthwise_gap = float(np.max(np.abs(y - every_second)))
try:
    keras.layers.Conv2D(3, 3, strides=2, dilation_rate=2)
    conv_error = None
except ValueError as error:
    conv_error = str(error)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
print(f"docstring: {doc_claim}")
print(
    f"DepthwiseConv2D(3, strides=2, dilation_rate=2): output {y.shape[1:]}, "
    f"largest difference from stride 1 + every second output: {depthwise_gap}"
)
print(f"Conv2D(3, 3, strides=2, dilation_rate=2): ValueError: {conv_error}")
# --8<-- [end:depthwise]

# --8<-- [start:convnext]
import keras

from kf import stack
from kf.render import num, table

# Keras's own ConvNeXt-T: its first block works on 56×56×96, like the calculator's preset.
model = keras.applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(224, 224, 3))
block = [layer for layer in model.layers if "stage_0_block_0_" in layer.name]
preset = stack.PRESETS["convnext"]["a"]
ours = iter(stack.stack_results(preset["input"], preset["layers"]))
rows, keras_total = [], 0
for layer in block:
    params = layer.count_params()
    keras_total += params
    counted = layer.count_params() > 0 and type(layer).__name__ in ("Conv2D", "Dense")
    mine = num(next(ours).params) if counted else "left out" + (" (no parameters)" if params == 0 else "")
    rows.append(
        (f"`{layer.name.removeprefix('convnext_tiny_stage_0_block_0_')}` ({type(layer).__name__})", num(params), mine)
    )
calculator_total = stack.totals(stack.stack_results(preset["input"], preset["layers"]))["params"]
rows.append(("**Total**", num(keras_total), num(calculator_total)))
print(table(["Keras ConvNeXt-T, stage 0, block 0", "Keras parameters", "Calculator"], rows))
by_kind = {type(layer).__name__: layer.count_params() for layer in block}
convnext_gap = {
    "keras_total": keras_total,
    "calculator_total": calculator_total,
    "omitted": keras_total - calculator_total,
    "channels": preset["input"]["c"],
    "layernorm": by_kind["LayerNormalization"],
    "layerscale": by_kind["LayerScale"],
}
# --8<-- [end:convnext]
