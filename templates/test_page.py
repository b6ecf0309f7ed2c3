"""The NAME page (docs/NAME.md, snippets/NAME.py): numbers pinned to hand-checked values, shown in the HTML."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from built_pages import built_page, missing_sentences, text_of

from conftest import ROOT, SNIPPETS

# Checked by hand: k·k·C_in·C_out + C_out = 5·5·1·16 + 16 = 416; 28 − 5 + 1 = 24; 7·7·16 + 16 = 800.
PRINTED = "Conv2D(16, (5,5)) on 28×28×1: 416 parameters, output (24, 24, 16)"
PROSE = [
    "on a 28×28×1 input has 416 parameters",
    "It outputs 24×24×16 values per image",
]
ANSWER = "800: 7 · 7 · 1 · 16 weights plus 16 biases"


def test_snippet_runs_on_its_own_and_prints_the_facts() -> None:
    done = subprocess.run(
        [sys.executable, str(SNIPPETS / "NAME.py")], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert PRINTED in done.stdout
    assert 'aria-label="Bar chart: parameters of Conv2D(16) by kernel size: 1×1 has 32' in done.stdout


@pytest.mark.slow
def test_built_page_shows_the_computed_facts(built_site: Path) -> None:
    page = built_page(built_site, "NAME")
    assert not missing_sentences(page, [PRINTED, *PROSE])
    assert ANSWER in text_of(page.select_one("details.question"))
    assert page.select("figure.kf-figure svg[role=img][aria-label]"), "the figure or its alt text is missing"
