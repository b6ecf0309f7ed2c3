"""Modern networks from keras.applications as plain layer descriptions (kf.receptive.Op lists).

Building a keras.applications model takes about a second; walking it takes milliseconds. So the
descriptions are cached as JSON under .cache/receptive/, keyed by content: the Keras version, the
network, its input size and the source of kf.receptive and of this module. A warm build builds no model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import types
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from kf import receptive
from kf.receptive import Op

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_DIR = "KF_RECEPTIVE_CACHE_DIR"

# name: (keras.applications constructor, input size). include_top=False: the model ends at its last
# convolutional end-point, before global pooling and the classifier.
APPLICATIONS = {
    "VGG16": ("VGG16", 224),
    "ResNet50": ("ResNet50", 224),
    "InceptionV3": ("InceptionV3", 299),
    "MobileNet": ("MobileNet", 224),
    "EfficientNetB0": ("EfficientNetB0", 224),
    "ConvNeXtTiny": ("ConvNeXtTiny", 224),
}

build_seconds: dict[str, float] = {}  # model-construction time of the models built in this process


def cache_dir() -> Path:
    """Where descriptions are stored: $KF_RECEPTIVE_CACHE_DIR, else .cache/receptive at the repository root."""
    return Path(os.environ.get(ENV_DIR) or REPO_ROOT / ".cache" / "receptive")


def _snake(kind: str) -> str:
    """Keras's default layer name for a class: Conv2D → conv2d, BatchNormalization → batch_normalization."""
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", kind)).lower()


def fresh_names(ops: list[Op]) -> list[Op]:
    """Number Keras's automatic names (conv2d_85) as a fresh session would, so they never depend on build order."""
    numbers: dict[str, list[int]] = {}
    for op in ops:
        match = re.fullmatch(rf"{re.escape(_snake(op.kind))}(?:_(\d+))?", op.name)
        if match:
            numbers.setdefault(_snake(op.kind), []).append(int(match.group(1) or 0))
    offset = {base: min(found) for base, found in numbers.items()}

    def rename(name: str) -> str:
        match = re.fullmatch(r"(.+?)(?:_(\d+))?", name)
        base, n = match.group(1), int(match.group(2) or 0)
        if base not in offset or not re.fullmatch(rf"{re.escape(base)}(?:_\d+)?", name):
            return name
        n -= offset[base]
        return base if n == 0 else f"{base}_{n}"

    return [
        Op(
            rename(op.name),
            op.kind,
            op.role,
            tuple(rename(i) for i in op.inputs),
            op.kernel,
            op.stride,
            op.dilation,
            op.pad,
        )
        for op in ops
    ]


def _code_text(code: types.CodeType) -> bytes:
    """A function's bytecode, names and constants, nested functions included, without file name or line numbers.

    The same whether the page's code runs under markdown-exec (no source file) or as a script.
    """
    parts = [code.co_code, repr(code.co_names).encode()]
    for const in code.co_consts:
        parts.append(_code_text(const) if isinstance(const, types.CodeType) else repr(const).encode())
    return b"\0".join(parts)


def _key(name: str, size: int, build: Callable[[], object]) -> str:
    """File name of a description: network, input size, and a digest of Keras's version and the code."""
    import keras

    code = (
        (Path(receptive.__file__).read_text() + Path(__file__).read_text()).encode()
        + _code_text(build.__code__)
        + repr(build.__defaults__).encode()
    )
    digest = hashlib.sha256(f"{keras.__version__}\n{name}\n{size}\n".encode() + code).hexdigest()[:16]
    return f"{name}-{size}-keras{keras.__version__}-{digest}.json"


def cached_ops(name: str, size: int, build: Callable[[], object]) -> list[Op]:
    """The description of the model `build()` makes (its code is part of the key), from the cache or built once."""
    path = cache_dir() / _key(name, size, build)
    if path.exists():
        return [
            Op(**{k: tuple(v) if isinstance(v, list) else v for k, v in op.items()})
            for op in json.loads(path.read_text())
        ]
    start = time.perf_counter()
    model = build()
    build_seconds[name] = time.perf_counter() - start
    ops = fresh_names(receptive.describe(model))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(op) for op in ops]))
    tmp.replace(path)
    return ops


def application_ops(name: str) -> list[Op]:
    """A keras.applications network (weights=None: nothing downloads) as a list of Ops."""
    constructor, size = APPLICATIONS[name]

    def build():
        import keras

        return getattr(keras.applications, constructor)(weights=None, include_top=False, input_shape=(size, size, 3))

    return cached_ops(name, size, build)
