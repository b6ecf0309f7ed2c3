"""Output-size formulas as textbooks write them, and where Keras puts 'same' padding.

`kf.convmath.conv_output_size` is the one formula the site computes with; the functions here
are the D2L and CS231n forms, kept separate so a page can show that all three agree.
"""

from __future__ import annotations

from fractions import Fraction

from kf import convmath


def output_size(n: int, k: int, p_total: int = 0, s: int = 1, d: int = 1) -> int:
    """The general form with explicit padding: ⌊(n + p_total − d·(k−1) − 1)/s⌋ + 1."""
    convmath.check_int("total padding", p_total, minimum=0)
    span = convmath.effective_kernel(k, d)
    if span > convmath.check_int("input size", n) + p_total:
        raise ValueError(f"kernel span {span} is larger than the padded input ({n + p_total})")
    return (n + p_total - d * (k - 1) - 1) // convmath.check_int("stride", s) + 1


def keras_padded_output_size(n: int, k: int, p: int, s: int) -> int:
    """Keras's output length for ZeroPadding2D(p) (p zeros on each side) followed by a 'valid' Conv2D."""
    import keras

    convmath.check_int("padding per side", p, minimum=0)
    inputs = keras.Input(shape=(convmath.check_int("input size", n), 1, 1))
    padded = keras.layers.ZeroPadding2D(((p, p), (0, 0)))(inputs)
    if k > n + 2 * p:
        raise ValueError(f"kernel {k} is larger than the padded input ({n + 2 * p})")
    out = keras.layers.Conv2D(1, (k, 1), strides=(s, 1))(padded)
    return int(out.shape[1])


def d2l_output_size(n: int, k: int, p_total: int, s: int) -> int:
    """Dive into Deep Learning, section 7.3: ⌊(n − k + p + s)/s⌋, with p the padding of both sides together."""
    convmath.check_int("input size", n)
    convmath.check_int("kernel", k)
    convmath.check_int("total padding", p_total, minimum=0)
    convmath.check_int("stride", s)
    if k > n + p_total:
        raise ValueError(f"kernel {k} is larger than the padded input ({n + p_total})")
    return (n - k + p_total + s) // s


def cs231n_output_size(w: int, f: int, p: int, s: int) -> Fraction:
    """CS231n notes: (W − F + 2P)/S + 1, with P zeros on each side; a non-integer means the setting does not fit."""
    convmath.check_int("input size", w)
    convmath.check_int("kernel", f)
    convmath.check_int("padding per side", p, minimum=0)
    convmath.check_int("stride", s)
    if f > w + 2 * p:
        raise ValueError(f"kernel {f} is larger than the padded input ({w + 2 * p})")
    return Fraction(w - f + 2 * p, s) + 1


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """Zeros before and after the input along one axis for padding='same': the odd one goes after."""
    total = convmath.total_padding(n, k, s, "same", d)
    return total // 2, total - total // 2


def keras_output_size(n: int, k: int, s: int, padding: convmath.Padding) -> int:
    """Keras's own output length along one axis, from Conv2D.compute_output_shape."""
    import keras

    convmath.check_padding(padding)
    no_output = f"Keras gives no output for n={n}, k={k}, s={s}, padding={padding!r}"
    try:
        shape = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding=padding).compute_output_shape((1, n, 1, 1))
    except ValueError as error:  # Keras refuses a kernel larger than the input
        raise ValueError(f"{no_output}: {error}") from error
    if shape[1] is None or shape[1] <= 0:
        raise ValueError(no_output)
    return int(shape[1])


def keras_same_padding(n: int, k: int, s: int) -> tuple[int, int]:
    """Find where Keras puts 'same' zeros: convolve ones with a ones kernel and read the first and last outputs.

    An output whose window overlaps z padding zeros sums to k − z instead of k. With n ≥ k the first
    window can only reach zeros before the input and the last one only zeros after it.
    """
    import keras
    import numpy as np

    convmath.check_int("stride", s)
    if convmath.check_int("kernel", k) > convmath.check_int("input size", n):
        raise ValueError(f"keras_same_padding needs input size ≥ kernel, got n={n}, k={k}")
    layer = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding="same", use_bias=False, kernel_initializer="ones")
    y = np.asarray(layer(np.ones((1, n, 1, 1), dtype="float32")))[0, :, 0, 0]
    return k - int(np.rint(y[0])), k - int(np.rint(y[-1]))
