"""The training comparison (docs/experiments/training.py): pinned costs, held-out accuracy, frozen and reproducible runs."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
from notebook_pages import check_notebook_page

from conftest import ROOT
from kf.evidence import PAIRS
from kf.experiments import COMPARISON, TRAINING, build_model, macs, params_of, receptive_field

# Checked by hand. Parameters: conv k·k·C_in·C_out + C_out; after MaxPool(2) the Dense(10) has
# (⌊out/2⌋²·C)·10 + 10. MACs: out²·k²·C_in·C_out per convolution + ⌊out/2⌋²·C·10 for the Dense.
HAND_CHECKED = {  # variant: (parameters, MACs, receptive field)
    "64×3×3": (640 + 108_170, 389_376 + 108_160, 3),
    "32×7×7": (1_600 + 38_730, 758_912 + 38_720, 7),
    "24×3×3": (240 + 40_570, 146_016 + 40_560, 3),  # 26²·9·24; 13²·24·10
    "20×7×7": (1_000 + 24_210, 474_320 + 24_200, 7),  # 22²·49·20; 11²·20·10
    # 26²·9·16, 24²·9·16·16, 22²·9·16·16, then 11²·16·10
    "3 × (16×3×3)": (160 + 2_320 + 2_320 + 19_370, 97_344 + 1_327_104 + 1_115_136 + 19_360, 7),
    # depthwise 7·7·1 + pointwise 1·64 + 64 biases; MACs 22²·49 + 22²·64 + the Dense
    "sep 64×7×7": (49 + 64 + 64 + 77_450, 23_716 + 30_976 + 77_440, 7),
}


def test_every_variant_is_pinned() -> None:
    assert list(COMPARISON["variants"]) == list(HAND_CHECKED)


@pytest.mark.parametrize("name", list(HAND_CHECKED))
def test_parameters_macs_and_receptive_field(name: str) -> None:
    layers = COMPARISON["variants"][name]
    params, mac_count, field = HAND_CHECKED[name]
    assert build_model(layers, (28, 28, 1), 10, dropout=TRAINING["dropout"]).count_params() == params
    assert params_of(layers) == params
    assert macs(layers, (28, 28, 1), 10) == mac_count
    assert receptive_field(layers) == field


def test_design_five_paired_seeds_and_matched_controls() -> None:
    assert len(COMPARISON["seeds"]) >= 5
    assert sum(COMPARISON["split"].values()) == 10_000
    for a, b, _ in PAIRS:
        assert a in COMPARISON["variants"]
        assert b in COMPARISON["variants"]
    held = {held: (a, b) for a, b, held in PAIRS}
    a, b = held["parameters"]
    assert abs(HAND_CHECKED[a][0] / HAND_CHECKED[b][0] - 1) < 0.02, "the parameter-matched pair is within 2 %"
    a, b = held["MACs per image"]
    assert abs(HAND_CHECKED[a][1] / HAND_CHECKED[b][1] - 1) < 0.02, "the MAC-matched pair is within 2 %"


def test_training_settings_have_one_source() -> None:
    """train()'s defaults are TRAINING's values, so the code shown and the settings table cannot disagree."""
    from kf.experiments import train

    defaults = {k: p.default for k, p in inspect.signature(train).parameters.items()}
    assert defaults["learning_rate"] == TRAINING["learning_rate"]
    assert defaults["batch_size"] == TRAINING["batch_size"]
    assert defaults["epochs"] == TRAINING["max_epochs"]
    page = (ROOT / "docs" / "experiments" / "training.py").read_text(encoding="utf-8")
    assert "TRAINING.items()" in page, "the page's settings table is built from TRAINING"


def test_reported_accuracy_is_measured_on_held_out_images() -> None:
    """Labels shuffled: a model can memorise its training images, but the accuracy train() reports stays at chance."""
    from kf.experiments import Split, logits_of, mnist_split, scores, train

    split, _ = mnist_split(500)  # 16 filters memorise 500 shuffled labels in 30 epochs (0.96 on 30 Nov 2026)
    noise = np.random.default_rng(0)
    shuffled = Split(split.x_train, noise.permutation(split.y_train), split.x_test, noise.permutation(split.y_test))
    run = train([["conv", 16, 3]], shuffled, 0, epochs=30, learning_rate=3e-3)
    memorised, _ = scores(logits_of(run["model"], shuffled.x_train), shuffled.y_train)
    assert memorised > 0.5, f"the model memorised its training labels ({memorised:.2f}): the check can see a leak"
    assert run["accuracy"] < 0.16, f"reported accuracy {run['accuracy']:.3f} on shuffled labels is above chance (0.1)"


@pytest.fixture(scope="module")
def results() -> dict:
    """The committed comparison (never trains: FrozenResultMissing if a result is missing or stale)."""
    from kf.experiments import comparison

    return comparison()


def test_seed_models_reach_97_percent(results: dict) -> None:
    for name in ("64×3×3", "32×7×7"):
        runs = [r["accuracy"] for r in results["rows"] if r["variant"] == name]
        assert len(runs) == len(COMPARISON["seeds"])
        assert np.mean(runs) >= 0.97, f"{name}: mean test accuracy {np.mean(runs):.4f} < 97 %"


def test_runs_stopped_on_validation_or_are_named_as_capped(results: dict) -> None:
    """Each run stops on its validation loss or at the epoch cap; the seed models' runs all stopped on validation."""
    from kf import evidence

    for row in results["rows"]:
        history = row["history"]
        assert row["epochs_run"] == len(history["val_loss"]) <= TRAINING["max_epochs"]
        assert row["best_epoch"] == int(np.argmin(history["val_loss"])) + 1
        if row["epochs_run"] < TRAINING["max_epochs"]:
            assert row["epochs_run"] - row["best_epoch"] == TRAINING["patience"], row["variant"]
        assert row["seconds_per_epoch"] > 0
        assert row["first_epoch_seconds"] > 0
    capped = evidence.capped_runs(results["rows"])
    assert all(r["epochs_run"] == TRAINING["max_epochs"] for r in capped)
    assert not [r for r in capped if r["variant"] in ("64×3×3", "32×7×7")], "the seed models converged"
    assert len(capped) <= len(results["rows"]) // 10, "more than one run in ten hit the epoch cap: raise max_epochs"


def test_paired_runs_share_data_order_and_shifts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed s feeds every architecture the same batches and shifts; another seed feeds others."""
    from kf import experiments

    split, _ = experiments.mnist_split(200)
    seen: list[np.ndarray] = []
    real = experiments.shifted

    def recording(images: np.ndarray, rng: np.random.Generator, shift: int) -> np.ndarray:
        out = real(images, rng, shift)
        seen.append(out)
        return out

    monkeypatch.setattr(experiments, "shifted", recording)
    for layers, seed in (([["conv", 4, 3]], 0), ([["conv", 2, 7]], 0), ([["conv", 4, 3]], 1)):
        experiments.train(layers, split, seed, epochs=1, shift=2, dropout=0.5)
    assert np.array_equal(seen[0], seen[1]), "same seed, different architecture: same batches and shifts"
    assert not np.array_equal(seen[0], seen[2]), "another seed: another order"


def test_initial_kernels_come_from_the_seed(results: dict) -> None:
    from kf.experiments import build_model, deterministic

    for seed in COMPARISON["seeds"][:2]:
        deterministic(seed)
        model = build_model(COMPARISON["variants"]["64×3×3"], (28, 28, 1), 10, dropout=TRAINING["dropout"])
        assert np.array_equal(model.layers[1].get_weights()[0], results["arrays"][("64×3×3", seed)]["kernel_init"])


def test_retraining_one_pair_reproduces_the_committed_numbers(results: dict) -> None:
    """24×3×3, seed 2, at the full budget: the same epochs and accuracy as committed.

    Of the 30 committed runs, this one costs least to repeat (15 epochs of a small model, early stopping
    included); any run checks the same code, data order and settings against its committed numbers.

    Exact on the machine that froze the results (deterministic TensorFlow ops, same data order). On
    another CPU, vectorised float sums may round differently; there the accuracy may move by a few
    test images, so we allow 0.5 points (10 of 2,000 images) and the stopping epoch by one.
    """
    from kf import cache
    from kf.experiments import TRAINING, run_variant

    name, seed = "24×3×3", 2
    again = run_variant(COMPARISON["variants"][name], seed, TRAINING)
    frozen = next(r for r in results["rows"] if (r["variant"], r["seed"]) == (name, seed))
    same_machine = frozen["provenance"]["machine"] == cache.machine()
    if same_machine:
        assert again["accuracy"] == frozen["accuracy"]
        assert again["best_epoch"] == frozen["best_epoch"]
        assert np.allclose(again["history"]["val_loss"], frozen["history"]["val_loss"], rtol=1e-6, atol=0)
        assert np.array_equal(again["kernel"], results["arrays"][(name, seed)]["kernel"])
    else:
        assert abs(again["accuracy"] - frozen["accuracy"]) <= 0.005
        assert abs(again["best_epoch"] - frozen["best_epoch"]) <= 1


@pytest.mark.slow
def test_built_page_shows_the_costs_and_results(built_site: Path, results: dict) -> None:
    from kf import evidence

    text = check_notebook_page(built_site, "training")
    for name, (params, mac_count, _) in HAND_CHECKED.items():
        assert f"{params:,}" in text, name
        assert f"{mac_count:,}" in text, name
    for name, v in evidence.variants(results["rows"]).items():
        assert evidence.ci_text(v["accuracy"]) in text, name
    for found in evidence.pairs(results["rows"]):
        assert evidence.diff_text(found["difference"]) in text
    assert "Best mean accuracy" not in text
    assert "Draft results" not in text
    for row in evidence.capped_runs(results["rows"]):
        assert f"{row['variant']} seed {row['seed']}" in text, "a run that hit the epoch cap is named"


@pytest.mark.slow
def test_zh_page_shows_the_same_results_in_chinese(built_zh_site: Path, results: dict) -> None:
    """docs_zh/experiments/training.py with i18n/zh/experiments/training.yml: same numbers, Chinese verdicts."""
    from bs4 import BeautifulSoup
    from built_pages import ZH_PUNCTUATION, missing_sentences

    from kf import evidence, stats
    from kf.render import num

    zh_verdicts = {stats.BETTER: "更好", stats.WORSE: "更差", stats.TIE: "在当前预算下无法区分"}
    # The page's links (Chinese twin, Colab) are checked for every notebook by tests/test_zh.py.
    page = BeautifulSoup((built_zh_site / "experiments" / "training" / "index.html").read_text("utf-8"), "html.parser")
    assert "Traceback (most recent call last)" not in page.get_text(), "the Chinese page shows an exception"
    capped, split = evidence.capped_runs(results["rows"]), COMPARISON["split"]
    expected = [
        f"{len(results['rows'])} 次训练中有 {len(results['rows']) - len(capped)} 次在达到 "
        f"{TRAINING['max_epochs']} 轮的上限之前因验证损失不再下降而停止",
        *[f"{r['variant']}，随机种子 {r['seed']}（最佳轮次 {r['best_epoch']}）" for r in capped],
        f"中的 {num(sum(split.values()))} 个数字，划分为 {num(split['train'])} 个用于训练，"
        f"{num(split['validation'])} 个用于验证（提前停止和学习率调度），{num(split['test'])} 个用于测试准确率",
    ]
    for found in evidence.pairs(results["rows"]):
        a, b, verdict = found["a"], found["b"], found["verdict"]
        joined = "和" if verdict == stats.TIE else "比"  # "a 和 b 无法区分" / "a 比 b 更好"
        said = f"{a} {joined} {b} {zh_verdicts[verdict]}"
        expected += [
            said,  # the verdict sentence under the table
            f"{a} − {b} {evidence.diff_text(found['difference'])} {zh_verdicts[verdict]}",  # the table row
            f"a ÷ b 的代价之比：参数 {found['params_ratio']:.2f}×，乘加运算次数 {found['macs_ratio']:.2f}×",
        ]
    for name, v in evidence.variants(results["rows"]).items():
        ci = evidence.ci_text(v["accuracy"]).replace(" %", "%")  # ZH_PUNCTUATION folds the space before %
        expected.append(f"{name} {ci} {num(v['params'])} {num(v['macs'])}")  # the results table row
    assert not missing_sentences(page, expected, ZH_PUNCTUATION)
    alt = page.select("figure.kf-figure svg[role=img]")[0]["aria-label"]
    assert "两张图，分别是测试准确率对参数量和对乘加运算次数：" in alt
    assert "Two plots" not in alt


@pytest.mark.slow
def test_notebook_runs_as_a_plain_script(snippet_runner) -> None:
    done = snippet_runner.run(ROOT / "docs" / "experiments" / "training.py", cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| `64×3×3` |" in done.stdout


def test_only_notebooks_are_python_under_docs() -> None:
    stray = [p for p in (ROOT / "docs").rglob("*.py") if p.parent != ROOT / "docs" / "experiments"]
    assert not stray, f"only experiment notebooks may be .py files under docs/: {stray}"


def test_a_draft_shows_a_banner_and_a_frozen_result_none() -> None:
    from kf import evidence

    banner = evidence.draft_banner({"draft": True})
    assert banner.startswith('!!! warning "Draft results')
    assert "make experiments" in banner
    assert evidence.draft_banner({"draft": False}) == ""
    assert evidence.draft_banner({}) == ""
