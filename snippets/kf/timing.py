"""Measure Conv2D forward and backward time on this machine's CPU, and mark measured text.

Measured numbers change from build to build. Everything this module formats for a page goes
through `measured()`, a <span class="kf-measured">, so the reproducibility test can blank out
exactly those spans and compare the rest of the site byte for byte.
"""

from __future__ import annotations

import html
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

MEASURED_CLASS = "kf-measured"
MEASURED_TITLE = "measured when this page’s code last ran"  # kept until the page's code or versions change


def measured(text: object) -> str:
    """Wrap a measured value (or a fact about the measuring machine) for the page."""
    return f'<span class="{MEASURED_CLASS}" title="{MEASURED_TITLE}">{html.escape(str(text))}</span>'


@dataclass(frozen=True)
class Timing:
    """Median times of one layer on one batch, in milliseconds."""

    forward_ms: float  # y = layer(x)
    step_ms: float  # forward + loss + gradients of the layer's kernel and bias

    @property
    def backward_ms(self) -> float:
        """The gradient part of a step: step − forward."""
        return self.step_ms - self.forward_ms


def median_ms(fns: dict[str, Callable[[], object]], repeats: int, warmup: int) -> dict[str, float]:
    """Median wall time in ms of each fn(), after warmup calls; each fn must block until its result exists.

    The functions take turns (one call each per round), so a load change on a shared machine
    affects all of them alike instead of whichever happened to run last.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats ≥ 1 and warmup ≥ 0, got repeats={repeats}, warmup={warmup}")
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


# --8<-- [start:time]
def time_conv(
    filters: int,
    kernel: int,
    input_shape: tuple[int, int, int] = (28, 28, 1),
    batch: int = 64,
    repeats: int = 15,
    warmup: int = 3,
    seed: int = 0,
) -> Timing:
    """Time Conv2D(filters, (kernel, kernel), padding='valid') forward and forward+backward on the CPU."""
    import keras
    import tensorflow as tf

    from kf import convmath

    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    named = {
        "filters": filters,
        "kernel": kernel,
        "batch": batch,
        "height": input_shape[0],
        "width": input_shape[1],
        "channels": input_shape[2],
    }
    for name, value in named.items():
        convmath.check_int(name, value)
    convmath.conv_output_size(input_shape[0], kernel)  # a kernel larger than the input fails here, clearly
    keras.utils.set_random_seed(seed)
    x = tf.random.stateless_normal((batch, *input_shape), seed=(seed, 1))
    layer = keras.layers.Conv2D(filters, (kernel, kernel))
    layer.build(x.shape)

    @tf.function
    def forward(x):
        return layer(x)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x)))  # the loss needs y, so the forward pass really runs
        return tape.gradient(loss, layer.trainable_variables)  # kernel and bias: no gradient for the image

    def run_forward():
        forward(x).numpy()  # .numpy() waits for the result

    def run_step():
        [g.numpy() for g in step(x)]

    medians = median_ms({"forward": run_forward, "step": run_step}, repeats, warmup)
    return Timing(medians["forward"], medians["step"])


# --8<-- [end:time]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or the platform's machine type."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine() or "unknown CPU"


def machine_facts() -> dict[str, str]:
    """What a reader needs to judge a timing: when, CPU, cores usable, TensorFlow version and settings.

    The build's execution cache (scripts/hooks/exec_cache.py) reuses a timing until the code or the
    installed versions change, so the time of the measurement is shown with the machine.
    """
    from datetime import UTC, datetime

    import tensorflow as tf

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = tf.config.threading.get_intra_op_parallelism_threads()
    return {
        "measured at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu_model(),
        "logical cores usable": str(usable),
        "TensorFlow": tf.__version__,
        "intra-op threads": "TensorFlow's default (all usable cores)" if threads == 0 else str(threads),
        "oneDNN custom ops (TF_ENABLE_ONEDNN_OPTS)": "off" if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" else "on",
    }


def ms(value: float) -> str:
    """A duration in ms for the page; refuses NaN, infinities and negatives."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a measured time must be finite and ≥ 0, got {value!r}")
    return f"{value:.3g} ms" if value < 100 else f"{value:.0f} ms"
