"""The "Write a page" page, its template trio and scripts/new_page.py: pinned numbers, shown in HTML, clear errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import built_page, missing_sentences, text_of

from conftest import ROOT, SNIPPETS
from new_page import TEMPLATES, add_to_nav, check_name, create, fill, title_from

# Checked by hand: 5·5·1·16 + 16 = 416; 28 − 5 + 1 = 24; 7·7·1·16 + 16 = 800; 1,600 ÷ 640 = 2.5.
TEMPLATE_OUTPUT = "Conv2D(16, (5,5)) on 28×28×1: 416 parameters, output (24, 24, 16)"
TEMPLATE_PROSE = "on a 28×28×1 input has 416 parameters: one 5×5 weight per input channel for each of its 16 filters"
TEMPLATE_SHAPE = "It outputs 24×24×16 values per image"
TEMPLATE_ANSWER = "800: 7 · 7 · 1 · 16 weights plus 16 biases"
TEMPLATE_ALT = "Bar chart: parameters of Conv2D(16) by kernel size: 1×1 has 32, 3×3 has 160, 5×5 has 416, 7×7 has 800"
RENDERED = "rendered: The 7×7 layer has 1,600 parameters, 2.5 times the 640 of the 3×3 layer."
PLAN = [
    "templates/page.md -> docs/stride_and_padding.md",
    "templates/snippet.py -> snippets/stride_and_padding.py",
    "templates/test_page.py -> tests/test_stride_and_padding.py",
    "- Stride and padding: stride_and_padding.md",
]


def test_snippet_runs_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, str(SNIPPETS / "write_a_page.py")], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    folded = re.sub(r"\s+", " ", done.stdout)
    for line in [*PLAN, RENDERED]:
        assert line in folded, line


@pytest.mark.slow
def test_built_page_shows_the_template_executed(built_site: Path) -> None:
    page = built_page(built_site, "write_a_page")
    assert not missing_sentences(page, [TEMPLATE_OUTPUT, TEMPLATE_PROSE, TEMPLATE_SHAPE, RENDERED, *PLAN])
    assert TEMPLATE_ANSWER in text_of(page.select_one("details.question"))
    figures = page.select("figure.kf-figure svg[role=img]")
    assert [svg["aria-label"] for svg in figures] == [TEMPLATE_ALT]
    assert "var(--md-default-fg-color)" in str(figures[0])
    assert "<text" in str(figures[0]), "saved inside style(): labels are real text, not glyph paths"


@pytest.mark.slow
def test_write_a_page_is_last_in_the_nav(built_site: Path) -> None:
    home = BeautifulSoup((built_site / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a.get_text(strip=True) for a in home.select("nav.md-nav--primary a.md-nav__link")]
    assert links[-1] == "Write a page"


def test_templates_use_only_the_placeholders() -> None:
    for template in TEMPLATES:
        text = (ROOT / template).read_text(encoding="utf-8")
        assert "NAME" in text, template
        filled = fill(text, "stride_and_padding", "Stride and padding")
        assert "NAME" not in filled
        assert "TITLE" not in filled


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Stride", "lower_snake_case"),
        ("2d_conv", "lower_snake_case"),
        ("stride-and-padding", "lower_snake_case"),
        ("", "lower_snake_case"),
        ("x" * 41, "at most 40"),
        ("index", "reserved"),
        ("kf", "reserved"),
        ("class", "reserved"),
        ("math", "already a Python module"),
        ("keras", "already a Python module"),
        ("write_a_page", "already exists"),
    ],
)
def test_bad_or_taken_names_get_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_name(name)


def test_the_script_exits_with_a_message_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "new_page.py"), "Bad-Name"], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: bad page name 'Bad-Name'")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("nav:\n  - A: a.md\n\nextra: 1\n", "nav:\n  - A: a.md\n  - My page: my_page.md\n\nextra: 1\n"),
        (
            "nav:\n    - A:\n        - a.md\n# end\n",
            "nav:\n    - A:\n        - a.md\n    - My page: my_page.md\n# end\n",
        ),
        ("site_name: x\nnav:\n", "site_name: x\nnav:\n  - My page: my_page.md\n"),
    ],
)
def test_the_page_goes_at_the_end_of_the_nav_and_nothing_else_changes(config: str, expected: str) -> None:
    assert add_to_nav(config, "my_page", title_from("my_page")) == expected


def test_titles_that_yaml_would_misread_are_quoted() -> None:
    assert add_to_nav("nav:\n", "x", "Stride: why 2?") == 'nav:\n  - "Stride: why 2?": x.md\n'
    with pytest.raises(ValueError, match="no top-level nav"):
        add_to_nav("site_name: x\n", "x", "X")
    with pytest.raises(ValueError, match="one non-empty line"):
        add_to_nav("nav:\n", "x", " ")


def test_create_writes_the_trio_and_refuses_a_second_time(tmp_path: Path) -> None:
    for part in ("templates", "docs", "snippets", "tests"):
        (tmp_path / part).mkdir()
    for template in TEMPLATES:
        (tmp_path / template).write_text((ROOT / template).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nnav:\n  - Home: index.md\n", encoding="utf-8")

    written = create("stride_and_padding", root=tmp_path)

    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "docs/stride_and_padding.md",
        "snippets/stride_and_padding.py",
        "tests/test_stride_and_padding.py",
    ]
    page = (tmp_path / "docs" / "stride_and_padding.md").read_text(encoding="utf-8")
    assert page.startswith("---\ntitle: Stride and padding\n---\n\n# Stride and padding\n")
    assert '--8<-- "snippets/stride_and_padding.py:compute"' in page
    assert 'session="stride_and_padding"' in page
    nav = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    assert nav.endswith("  - Home: index.md\n  - Stride and padding: stride_and_padding.md\n")
    with pytest.raises(ValueError, match="already exists"):
        create("stride_and_padding", root=tmp_path)
