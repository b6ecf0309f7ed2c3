"""One page's numbers, checked by hand, printed by its snippet and shown in its built HTML.

Page: docs/NAME.md
Snippet: snippets/NAME.py
"""

from __future__ import annotations

from pathlib import Path

import pytest
from built_pages import built_page, missing_sentences, table_rows, text_of

from conftest import ROOT, SNIPPETS

PAGE = "NAME"
SNIPPET = SNIPPETS / "NAME.py"

# Checked by hand: k·k·C_in·C_out + C_out = 5·5·1·16 + 16 = 416; 28 − 5 + 1 = 24; 7·7·1·16 + 16 = 800.
PRINTED = "Conv2D(16, (5,5)) on 28×28×1: 416 parameters, output (24, 24, 16)"
PROSE = [
    "on a 28×28×1 input has 416 parameters",
    "It outputs 24×24×16 values per image",
]
ANSWER = "800: 7 · 7 · 1 · 16 weights plus 16 biases"
# k·k·1·16 + 16 for k = 1, 3, 5, 7: 32, 160, 416, 800.
TABLE = [
    ["Kernel", "Weights per filter", "Parameters"],
    ["1×1", "1", "32"],
    ["3×3", "9", "160"],
    ["5×5", "25", "416"],
    ["7×7", "49", "800"],
]
ALT = "Bar chart: parameters of Conv2D(16) by kernel size: 1×1 has 32, 3×3 has 160, 5×5 has 416, 7×7 has 800"


@pytest.fixture(scope="module")
def printed(snippet_runner) -> str:
    """What the snippet prints when run on its own, as `python snippets/NAME.py` would (tests/snippet_runner.py)."""
    done = snippet_runner.run(SNIPPET, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_snippet_runs_on_its_own_and_prints_the_facts(printed: str) -> None:
    assert PRINTED in printed
    assert "| 7×7 | 49 | 800 |" in printed


@pytest.mark.slow
def test_built_page_shows_the_facts(built_site: Path) -> None:
    page = built_page(built_site, PAGE)
    assert not missing_sentences(page, [PRINTED, *PROSE])
    assert ANSWER in text_of(page.select_one("details.question"))


@pytest.mark.slow
def test_built_page_shows_the_table(built_site: Path) -> None:
    assert table_rows(built_page(built_site, PAGE), "Weights per filter") == TABLE


def test_snippet_draws_the_figure(printed: str) -> None:
    assert f'aria-label="{ALT}"' in printed


@pytest.mark.slow
def test_built_page_shows_the_figure(built_site: Path) -> None:
    figures = built_page(built_site, PAGE).select("figure.kf-figure svg[role=img]")
    assert [svg["aria-label"] for svg in figures] == [ALT]
