"""The decision guide (docs/decision_guide.md, snippets/decision_guide.py): every verdict it quotes is the computed one."""

from __future__ import annotations

import importlib
import re
import sys
import types
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from kf import evidence, stats
from kf.experiments import COMPARISON


def guide_module():
    """snippets/decision_guide.py's helpers, without running its page sections (which need every experiment)."""
    source = (ROOT / "snippets" / "decision_guide.py").read_text(encoding="utf-8")
    helpers = source.split("claims = check_claims(", 1)[0]
    module = types.ModuleType("decision_guide_helpers")
    exec(compile(helpers, "snippets/decision_guide.py", "exec"), module.__dict__)
    return module


def made_up(gap: float, noise: list[float]) -> dict:
    """Fake comparison results: every variant at 0.97 plus seed noise, 'a' of each claim `gap` above 'b'."""
    rows = []
    for name in COMPARISON["variants"]:
        for seed, jitter in zip(COMPARISON["seeds"], noise, strict=True):
            rows.append(
                {"variant": name, "seed": seed, "accuracy": 0.97 + jitter, "params": 1, "macs": 1}
                | {"best_epoch": 9, "epochs_run": 12, "seconds_per_epoch": 1.0, "first_epoch_seconds": 2.0}
            )
    by_key = {(r["variant"], r["seed"]): r for r in rows}
    for _, a, b in evidence.CLAIMS[:1]:
        for seed in COMPARISON["seeds"]:
            by_key[(a, seed)]["accuracy"] = by_key[(b, seed)]["accuracy"] + gap + 0.0002 * seed
    return {"rows": rows, "draft": False}


def test_training_verdicts_follow_the_results() -> None:
    """Made-up results on both sides of the line: the first claim's verdict changes with them."""
    noise = [0.001, -0.002, 0.0, 0.002, -0.001]
    assert evidence.claims(made_up(+0.004, noise))[0]["verdict"] == stats.SUPPORTED
    assert evidence.claims(made_up(-0.004, noise))[0]["verdict"] == stats.CONTRADICTED
    tie = made_up(0.0, noise)
    a = evidence.CLAIMS[0][1]
    for row, flip in zip((r for r in tie["rows"] if r["variant"] == a), [1, -1, 1, -1, 0.5], strict=True):
        row["accuracy"] += 0.003 * flip
    assert evidence.claims(tie)[0]["verdict"] == stats.UNDECIDED
    assert "cannot be told apart at this budget" in evidence.claims(tie)[0]["detail"]


def test_claims_are_checked() -> None:
    guide = guide_module()
    good = {"recommendation": "r", "page": "p", "verdict": stats.SUPPORTED, "detail": "d"}
    assert guide.check_claims([good]) == [good]
    with pytest.raises(ValueError, match="not one of"):
        guide.check_claims([{**good, "verdict": "better"}])
    with pytest.raises(ValueError, match="lacks"):
        guide.check_claims([{"recommendation": "r", "verdict": stats.SUPPORTED}])


def test_an_experiment_without_claims_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    guide = guide_module()
    monkeypatch.setitem(sys.modules, "kf.fake_experiment", types.ModuleType("kf.fake_experiment"))
    monkeypatch.setitem(guide.OTHER_EXPERIMENTS, "kf.fake_experiment", "fake")
    with pytest.raises(guide.MissingEvidence, match=r"kf\.fake_experiment has no claims\(\).*make experiments"):
        guide.experiment_claims("kf.fake_experiment")


def test_analytic_fallback_says_so() -> None:
    (claim,) = guide_module().analytic_claims()
    assert claim["verdict"] == "no experiment here: analytic argument"
    assert "arithmetic alone" in claim["detail"]


def computed_claims() -> list[dict]:
    """Every claim the guide quotes, computed from the committed results."""
    guide = guide_module()
    others = [c for m in guide.OTHER_EXPERIMENTS for c in guide.experiment_claims(m)]
    return guide.check_claims(evidence.claims() + others + guide.analytic_claims())


@pytest.mark.slow
def test_guide_quotes_every_computed_verdict(built_site: Path) -> None:
    html = (built_site / "decision_guide" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    quoted = {}
    for row in soup.find("article").find("table").find_all("tr")[1:]:
        cells = [re.sub(r"\s+", " ", td.get_text(" ")).strip() for td in row.find_all("td")]
        quoted[cells[1].rsplit(" (", 1)[0]] = cells[0]
    claims = computed_claims()
    assert len(quoted) == len(claims)
    for claim in claims:
        name = re.sub(r"\s+", " ", BeautifulSoup(claim["recommendation"].replace("`", ""), "html.parser").text)
        assert quoted.get(name) == claim["verdict"], name


@pytest.mark.slow
def test_guide_links_to_the_evidence_and_is_linked_from_the_answer(built_site: Path) -> None:
    html = (built_site / "decision_guide" / "index.html").read_text(encoding="utf-8")
    for page in ("training", "scenarios", "erf"):
        assert f'href="../experiments/{page}/"' in html, page
    index = BeautifulSoup((built_site / "index.html").read_text(encoding="utf-8"), "html.parser")
    section = index.find(id="when-to-choose-which")
    links = [a["href"] for a in section.find_all_next("a") if a.get("href") == "decision_guide/"]
    assert links, "the answer page's 'When to choose which' must link the decision guide"


def test_experiments_are_in_the_nav_after_the_answer() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config[config.index("\nnav:") :]
    assert nav.index("index.md") < nav.index("- Experiments:") < nav.index("experiments/training.py")
    assert nav.index("experiments/scenarios.py") < nav.index("decision_guide.md")


def test_guide_page_has_no_typed_verdicts() -> None:
    """The page's own prose explains the three verdicts but quotes none for a recommendation."""
    page = (ROOT / "docs" / "decision_guide.md").read_text(encoding="utf-8")
    assert "snippets/decision_guide.py:summary" in page
    assert importlib.util.find_spec("kf.evidence") is not None


def zh_catalog() -> dict[str, str]:
    """The Chinese edition's renderings (i18n/zh/decision_guide.yml), literal entries only."""
    import yaml

    entries = yaml.safe_load((ROOT / "i18n" / "zh" / "decision_guide.yml").read_text(encoding="utf-8"))
    return {e["en"]: e["zh"] for e in entries}


@pytest.mark.slow
def test_zh_sentences(built_zh_site: Path) -> None:
    """The Chinese guide quotes every computed verdict, in Chinese, with the same numbers."""
    html = (built_zh_site / "decision_guide" / "index.html").read_text(encoding="utf-8")
    article = BeautifulSoup(html, "html.parser").find("article")
    quoted = {}
    for row in article.find("table").find_all("tr")[1:]:
        cells = [re.sub(r"\s+", "", td.get_text()) for td in row.find_all("td")]
        quoted[cells[1].rsplit("（", 1)[0]] = cells[0]
    zh = zh_catalog()
    claims = computed_claims()
    assert len(quoted) == len(claims)
    text = re.sub(r"\s+", " ", article.get_text(" "))
    for claim in claims:
        name = re.sub(r"\s+", "", zh[claim["recommendation"]].replace("`", ""))
        assert quoted.get(name) == zh[f"| **{claim['verdict']}** |"].strip("| *"), name
        numbers = re.search(r"`: (.+?) percentage points", claim["detail"])
        if numbers:  # the paired difference and its interval, as computed
            assert numbers.group(1) + " 个百分点" in text, (name, numbers.group(1))
    assert "percentage points" not in text
