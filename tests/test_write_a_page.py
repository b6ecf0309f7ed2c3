"""The "Write a page" page, its template trio and scripts/new_page.py: pinned numbers, shown in HTML, clear errors."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from built_pages import built_page, missing_sentences, table_rows, text_of
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SNIPPETS
from new_page import NAME_PATTERN, TEMPLATES, add_to_nav, check_name, create, fill, nav_position, title_from

# Checked by hand: 5·5·1·16 + 16 = 416; 28 − 5 + 1 = 24; 7·7·1·16 + 16 = 800; 1,600 ÷ 640 = 2.5.
TEMPLATE_OUTPUT = "Conv2D(16, (5,5)) on 28×28×1: 416 parameters, output (24, 24, 16)"
TEMPLATE_PROSE = "on a 28×28×1 input has 416 parameters: one 5×5 weight per input channel for each of its 16 filters"
TEMPLATE_SHAPE = "It outputs 24×24×16 values per image"
TEMPLATE_ANSWER = "800: 7 · 7 · 1 · 16 weights plus 16 biases"
TEMPLATE_ALT = "Bar chart: parameters of Conv2D(16) by kernel size: 1×1 has 32, 3×3 has 160, 5×5 has 416, 7×7 has 800"
TEMPLATE_TABLE = [
    ["Kernel", "Weights per filter", "Parameters"],
    ["1×1", "1", "32"],
    ["3×3", "9", "160"],
    ["5×5", "25", "416"],
    ["7×7", "49", "800"],
]
RENDERED = "rendered: The 7×7 layer has 1,600 parameters, 2.5 times the 640 of the 3×3 layer."
PLAN = [
    "templates/page.md -> docs/stride_and_padding.md",
    "templates/snippet.py -> snippets/stride_and_padding.py",
    "templates/test_page.py -> tests/test_stride_and_padding.py",
    'mkdocs.yml nav: - Stride and padding: stride_and_padding.md, between "Calculator" and "Write a page"',
    '--after output_shape mkdocs.yml nav: between "Output shape, padding, stride" and "Receptive field & stacking"',
]
# The helpers on the seed layers: 22·22·7·7·1·32 = 758,912 multiply-adds (0.76 million); 1,600 ÷ 640 = 2.5;
# 28 − 3 + 1 = 26 and 28 − 7 + 1 = 22.
HELPERS = [
    "multiply-adds: 758,912",
    "in millions: 0.76",
    "7×7 ÷ 3×3 params: 2.5",
    "Conv2D(64, (3,3)) -> (26, 26, 64)",
    "Conv2D(32, (7,7)) -> (22, 22, 32)",
]
HELPER_TABLE = [
    ["Layer", "Parameters", "Multiply-adds"],
    ["Conv2D(64, (3,3))", "640", "389,376"],
    ["Conv2D(32, (7,7))", "1,600", "758,912"],
]
HELPER_PROSE = "Conv2D(32, (7,7)) has 1,600 parameters, 2.5 times as many as the 3×3 layer."


def test_snippet_runs_on_its_own(snippet_runner) -> None:
    done = snippet_runner.run(SNIPPETS / "write_a_page.py", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    folded = re.sub(r"\s+", " ", done.stdout)
    for line in [*PLAN, RENDERED, *HELPERS, "| Conv2D(32, (7,7)) | 1,600 | 758,912 |", "**1,600**"]:
        assert line in folded, line


@pytest.mark.slow
def test_built_page_shows_the_template_executed(built_site: Path) -> None:
    page = built_page(built_site, "write_a_page")
    assert not missing_sentences(page, [TEMPLATE_OUTPUT, TEMPLATE_PROSE, TEMPLATE_SHAPE, RENDERED, *PLAN])
    assert TEMPLATE_ANSWER in text_of(page.select_one("details.question"))
    assert table_rows(page, "Weights per filter") == TEMPLATE_TABLE
    figures = page.select("figure.kf-figure svg[role=img]")
    assert [svg["aria-label"] for svg in figures] == [TEMPLATE_ALT]
    assert "var(--md-default-fg-color)" in str(figures[0])
    assert "<text" in str(figures[0]), "saved inside style(): labels are real text, not glyph paths"


@pytest.mark.slow
def test_built_page_shows_each_helper_executed(built_site: Path) -> None:
    page = built_page(built_site, "write_a_page")
    assert not missing_sentences(page, [*HELPERS, HELPER_PROSE])
    assert table_rows(page, "Multiply-adds") == HELPER_TABLE
    helpers = page.find("h2", id=re.compile("helpers")).find_next("dl")
    assert [dt.get_text(strip=True).split("(")[0] for dt in helpers.find_all("dt")] == [
        "num",
        "shape",
        "table",
        "prose",
    ]


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


# --- What the generator writes is ready for a pull request: lint-clean for every name, no leftovers ---

NAMES = st.from_regex(NAME_PATTERN, fullmatch=True)
EDGE_NAMES = ["a", "stride_and_padding", "x" * 40, "a1_" + "b" * 37, "my_first_page"]  # shortest, usual, longest


def python_templates() -> dict[str, str]:
    """The Python templates' text by their destination pattern: snippets/NAME.py, tests/test_NAME.py."""
    return {
        destination: (ROOT / template).read_text(encoding="utf-8")
        for template, destination in TEMPLATES.items()
        if destination.endswith(".py")
    }


def lint_generated_trios(names: list[str], where: Path, templates: dict[str, str] | None = None) -> str:
    """Fill the Python templates for each name under where, lint them with the project's settings; ruff's complaints."""
    (where / "snippets").mkdir(parents=True, exist_ok=True)
    (where / "tests").mkdir(exist_ok=True)
    (where / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    for name in names:
        for destination, text in (templates or python_templates()).items():
            (where / fill(destination, name, "")).write_text(fill(text, name, title_from(name)), encoding="utf-8")
    ruff = [sys.executable, "-m", "ruff"]
    checked = subprocess.run([*ruff, "check", "--no-cache", "."], cwd=where, capture_output=True, text=True)
    formatted = subprocess.run(
        [*ruff, "format", "--check", "--no-cache", "."], cwd=where, capture_output=True, text=True
    )
    return "" if checked.returncode == formatted.returncode == 0 else checked.stdout + formatted.stdout


def test_generated_files_pass_lint_for_short_and_long_names(tmp_path: Path) -> None:
    assert max(len(name) for name in EDGE_NAMES) == 40
    for name in EDGE_NAMES:
        assert check_name(name) == name
    assert lint_generated_trios(EDGE_NAMES, tmp_path) == ""


@settings(max_examples=15, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=6, unique=True))
def test_generated_files_pass_lint_for_any_accepted_name(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert lint_generated_trios(names, Path(folder)) == ""


def test_the_lint_check_catches_a_line_that_grows_with_the_name(tmp_path: Path) -> None:
    """The checks above can fail: the old snippet docstring passes for a short name, not for the longest."""
    templates = python_templates()
    templates["snippets/NAME.py"] = (
        '"""NAME: what one Conv2D layer costs, computed with Keras (template: replace with your computation)."""\n\n'
        + templates["snippets/NAME.py"].split('"""', 2)[2].lstrip("\n")
    )
    assert lint_generated_trios(["a"], tmp_path / "short", templates) == ""
    assert "E501" in lint_generated_trios(["x" * 40], tmp_path / "long", templates)


def test_generated_files_have_no_template_instructions() -> None:
    for template in TEMPLATES:
        filled = fill((ROOT / template).read_text(encoding="utf-8"), "stride_and_padding", "Stride and padding")
        assert "<!--" not in filled, template
        assert "template" not in filled.lower(), template
        assert "replace" not in filled.lower(), template


def test_template_test_pins_prose_a_table_and_a_figure_in_separate_tests() -> None:
    test = (ROOT / "templates" / "test_page.py").read_text(encoding="utf-8")
    tests = dict(re.findall(r"^def (test_\w+)\((.*?)\) -> None:", test, re.M))
    figure_tests = [name for name in tests if "figure" in name]
    assert figure_tests == ["test_snippet_draws_the_figure", "test_built_page_shows_the_figure"]
    for name in tests:  # dropping the figure tests leaves the others whole: no other test mentions the figure
        body = test.split(f"def {name}(")[1].split("\ndef ")[0]
        assert ("ALT" in body or "figure" in body) == (name in figure_tests), name
    assert "table_rows(" in test
    assert "missing_sentences(" in test


# --- Where the page goes in the nav ---

SITE_NAV = """nav:
  - The answer: index.md
  - Experiments:
      - Training comparison: experiments/training.py
      - "Scenarios: which wins": experiments/scenarios.py
  - Calculator: calculator.md
  - Write a page: write_a_page.md

extra: 1
"""


def test_by_default_the_page_goes_before_the_contributor_pages() -> None:
    placed = add_to_nav(SITE_NAV, "stride", "Stride")
    assert placed == SITE_NAV.replace("  - Write a page:", "  - Stride: stride.md\n  - Write a page:")
    assert nav_position(placed, "stride") == 'between "Calculator" and "Write a page"'


@pytest.mark.parametrize("after", ["calculator", "calculator.md", "docs/calculator.md", "Calculator", "calculator "])
def test_after_names_a_page_by_file_or_title(after: str) -> None:
    placed = add_to_nav(SITE_NAV, "stride", "Stride", after=after)
    assert placed == SITE_NAV.replace("  - Write a page:", "  - Stride: stride.md\n  - Write a page:")


def test_after_a_page_inside_a_section_keeps_its_nesting() -> None:
    placed = add_to_nav(SITE_NAV, "stride", "Stride", after="experiments/training")
    assert "      - Training comparison: experiments/training.py\n      - Stride: stride.md\n" in placed
    assert nav_position(placed, "stride") == 'between "Training comparison" and "Scenarios: which wins"'
    last = add_to_nav(SITE_NAV, "stride", "Stride", after="Scenarios: which wins")
    assert "experiments/scenarios.py\n      - Stride: stride.md\n  - Calculator" in last
    end = add_to_nav(SITE_NAV, "stride", "Stride", after="write_a_page")
    assert end.endswith("  - Write a page: write_a_page.md\n  - Stride: stride.md\n\nextra: 1\n")


@pytest.mark.parametrize(
    ("after", "message"),
    [
        ("calculater", "no such page in mkdocs.yml's nav .its pages: index, experiments/training,"),
        ("Experiments", "is a section of the nav, not a page"),
        ("", "no such page"),
        ("extra", "no such page"),
    ],
)
def test_a_bad_after_page_gets_a_clear_error(after: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        add_to_nav(SITE_NAV, "stride", "Stride", after=after)


def test_two_pages_with_one_title_must_be_named_by_file() -> None:
    twice = SITE_NAV.replace(
        "  - Calculator: calculator.md\n", "  - Calculator: calculator.md\n  - Calculator: calc2.md\n"
    )
    with pytest.raises(ValueError, match=r"names 2 pages in the nav; give the file, e.g\. calculator\.md"):
        add_to_nav(twice, "stride", "Stride", after="Calculator")
    assert "calc2.md\n  - Stride: stride.md" in add_to_nav(twice, "stride", "Stride", after="calc2")


def test_a_bad_after_page_stops_before_any_file_is_written(tmp_path: Path) -> None:
    for part in ("templates", "docs", "snippets", "tests"):
        (tmp_path / part).mkdir()
    for template in TEMPLATES:
        (tmp_path / template).write_text((ROOT / template).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(SITE_NAV, encoding="utf-8")
    with pytest.raises(ValueError, match="--after 'no_such_page': no such page"):
        create("stride_and_padding", root=tmp_path, after="no_such_page")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and "templates" not in p.parts) == ["mkdocs.yml"]
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == SITE_NAV
