"""The decision guide (docs/decision_guide.md, snippets/decision_guide.py): numbers from the cached experiments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT


def text_of(site: Path, page: str) -> str:
    html = (site / page).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", BeautifulSoup(html, "html.parser").find("article").get_text(" "))


@pytest.mark.slow
def test_guide_shows_the_experiment_numbers(built_site: Path) -> None:
    from kf.experiments import comparison, summarise
    from kf.notebook import pm
    from kf.scenarios import scenario

    text = text_of(built_site, "decision_guide/index.html")
    training = summarise(comparison()["rows"])
    small, large = training["64×3×3"], training["32×7×7"]
    assert (
        f"Conv2D(64, (3,3)) reaches {pm(small['accuracy'], small['spread'])} test accuracy and "
        f"Conv2D(32, (7,7)) {pm(large['accuracy'], large['spread'])}"
    ) in text
    assert f"needs {small['macs']:,} MACs per image against {large['macs']:,}" in text
    rows = summarise(scenario("rows")["rows"])
    for name, s in rows.items():
        assert f"{name} {pm(s['accuracy'], s['spread'])} {s['macs']:,}" in text, name
    assert re.search(r"central \d+×\d+ of a 25×25 field", text)
    solved = [n for n, s in rows.items() if s["accuracy"] >= 0.95]
    cheapest = min(solved, key=lambda n: rows[n]["macs"]).split(":")[0]
    assert f"{cheapest} did it with the fewest MACs" in text


@pytest.mark.slow
def test_guide_links_to_the_evidence_and_is_linked_from_the_answer(built_site: Path) -> None:
    html = (built_site / "decision_guide" / "index.html").read_text(encoding="utf-8")
    for page in ("training", "filters", "erf", "scenarios"):
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
