"""The bilingual term list (i18n/terms.yml): both glossaries come from it, and Chinese pages use its renderings.

A Chinese page (docs_zh/ source, its notebook Markdown cells, or its output catalog i18n/zh/) that uses a
listed non-standard rendering (接受域 for 感受野, 步长 for 步幅, ...) fails here, naming page and term.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from built_pages import built_page, text_of

from conftest import ROOT
from hooks.glossary import MARKER, TermListError, glossary_markdown, load_terms, replace_marker, term_label

TERMS = load_terms()
DOCS_ZH = ROOT / "docs_zh"
CATALOGS = ROOT / "i18n" / "zh"


def standard_forms() -> list[str]:
    """Every accepted rendering (zh and also) of every term, longest first."""
    forms = {entry["zh"] for entry in TERMS} | {form for entry in TERMS for form in entry.get("also", [])}
    return sorted(forms, key=len, reverse=True)


STANDARD = standard_forms()


def without_code(markdown: str) -> str:
    """Markdown without fenced code, inline code and math: code and its comments stay English."""
    markdown = re.sub(r"^(\s*)(```|~~~).*?^\1\2", "", markdown, flags=re.M | re.S)
    markdown = re.sub(r"`[^`\n]*`", "", markdown)
    return re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", "", markdown, flags=re.S)


def nonstandard_uses(text: str, terms: list[dict] = TERMS) -> list[tuple[str, str]]:
    """(term, rendering) for each avoided rendering in the text, outside the standard renderings."""
    masked = text
    for form in STANDARD:
        masked = masked.replace(form, "\0" * len(form))  # 点卷积 inside 逐点卷积 is not a use of 点卷积
    return [(entry["en"], word) for entry in terms for word in entry["avoid"] if word in masked]


def catalog_text(path: Path) -> str:
    """The Chinese side of an output catalog, every entry joined."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return "\n".join(str(entry.get("zh", "")) for entry in entries if isinstance(entry, dict))


def chinese_sources() -> dict[str, str]:
    """Every Chinese text the site is built from: docs_zh pages and notebooks, and the output catalogs."""
    sources = {}
    for path in sorted(DOCS_ZH.rglob("*.md")) + sorted(DOCS_ZH.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":  # jupytext: only the Markdown cells are prose
            cells = re.split(r"^# %%", text, flags=re.M)
            text = "\n".join(re.sub(r"^# ?", "", c, flags=re.M) for c in cells if c.startswith(" [markdown]"))
        sources[str(path.relative_to(ROOT))] = without_code(text)
    for path in sorted(CATALOGS.rglob("*.yml")):
        sources[str(path.relative_to(ROOT))] = catalog_text(path)
    sources["i18n/terms.yml (the Chinese glossary)"] = "\n".join(without_code(e["zh_def"]) for e in TERMS)
    return sources


def test_every_term_has_both_languages_and_its_avoid_list_is_not_standard() -> None:
    for entry in TERMS:
        assert re.search(r"[\u4e00-\u9fff]", entry["zh"]), entry["en"]
        assert re.search(r"[\u4e00-\u9fff]", entry["zh_def"]), entry["en"]
        clash = [word for word in entry["avoid"] if word in STANDARD]
        assert not clash, f"{entry['en']}: {clash} is both avoided and a standard rendering"


def test_the_term_list_keeps_d2l_zh_renderings() -> None:
    by_term = {entry["en"]: entry for entry in TERMS}
    for en, zh, avoided in [
        ("kernel", "卷积核", "卷积内核"),
        ("receptive field", "感受野", "接受域"),
        ("receptive field", "感受野", "感受域"),
        ("stride", "步幅", "步长"),
        ("padding", "填充", "补零"),
        ("padding", "填充", "衬垫"),
        ("channel", "通道", "信道"),
        ("parameter", "参数", "参量"),
        ("MACs", "乘加运算次数", "乘累加"),
    ]:
        assert by_term[en]["zh"] == zh
        assert avoided in by_term[en]["avoid"], (en, avoided)


def test_a_broken_term_list_is_refused_with_its_entry(tmp_path: Path) -> None:
    bad = tmp_path / "terms.yml"
    bad.write_text("- en: kernel\n  zh: 卷积核\n  en_def: a window\n  avoid: []\n", encoding="utf-8")
    with pytest.raises(TermListError, match=r"entry 1 \(kernel\): missing zh_def"):
        load_terms(bad)
    bad.write_text((ROOT / "i18n" / "terms.yml").read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(TermListError, match="listed twice"):
        load_terms(bad)


def test_the_check_finds_a_nonstandard_rendering_and_ignores_standard_ones() -> None:
    assert nonstandard_uses("3×3 卷积核的接受域是 3，步长为 1。") == [
        ("receptive field", "接受域"),
        ("stride", "步长"),
    ]
    assert nonstandard_uses("逐点卷积（1×1 卷积）的感受野是 1×1，步幅为 1。") == []
    assert without_code("步幅 `步长`\n\n```python\n# 步长\n```\n不用步长\n") == "步幅 \n\n\n不用步长\n"


def test_chinese_pages_use_the_standard_renderings() -> None:
    problems = [
        f"{page}: {word!r} for {term!r}; the term list says {next(e['zh'] for e in TERMS if e['en'] == term)!r}"
        for page, text in chinese_sources().items()
        for term, word in nonstandard_uses(text)
    ]
    assert not problems, "\n".join(problems)


def test_both_answer_pages_ask_for_the_generated_glossary() -> None:
    for page in (ROOT / "docs" / "index.md", DOCS_ZH / "index.md"):
        if not page.exists():
            pytest.skip(f"{page.relative_to(ROOT)} is not written yet")
        lines = [line.strip() for line in page.read_text(encoding="utf-8").splitlines()]
        assert lines.count(MARKER) == 1, page
        assert "Kernel · 卷积核\n:" not in page.read_text(encoding="utf-8"), f"{page}: a hand-written glossary"


def test_the_marker_becomes_a_definition_per_term() -> None:
    page = f"# Title\n\n{MARKER}\n\n## References\n"
    for language, key in (("en", "en_def"), ("zh", "zh_def")):
        out = replace_marker(page, glossary_markdown(TERMS, language))
        assert MARKER not in out
        for entry in TERMS:
            assert f"{term_label(entry, language)}\n:   {entry[key]}" in out
    assert term_label(TERMS[0], "en") == "Kernel · 卷积核"
    assert term_label(TERMS[0], "zh") == "卷积核 · kernel"


def squeezed(text: str) -> str:
    """Text without whitespace: how get_text spaces code spans in Chinese differs from the source."""
    return re.sub(r"\s+", "", text)


def glossary_on(page) -> list[tuple[str, str]]:
    """The (headword, definition) pairs of the glossary section of a built answer page, whitespace removed."""
    heading = page.find(id="glossary")
    assert heading is not None, "no heading with id glossary"
    glossary = heading.find_next("dl")
    return [
        (squeezed(text_of(dt)), squeezed(text_of(dd)))
        for dt, dd in zip(glossary.find_all("dt"), glossary.find_all("dd"), strict=True)
    ]


def expected_glossary(language: str) -> list[tuple[str, str]]:
    """What the glossary must say, straight from the term list (Markdown code marks removed)."""
    key = "zh_def" if language == "zh" else "en_def"
    return [(squeezed(term_label(entry, language)), squeezed(entry[key].replace("`", ""))) for entry in TERMS]


@pytest.mark.slow
def test_the_english_glossary_is_the_term_list(built_site: Path) -> None:
    assert glossary_on(built_page(built_site, "")) == expected_glossary("en")


@pytest.mark.slow
def test_the_chinese_glossary_is_the_term_list(built_zh_site: Path) -> None:
    assert glossary_on(built_page(built_zh_site, "")) == expected_glossary("zh")


@pytest.mark.slow
def test_built_chinese_pages_use_the_standard_renderings(built_zh_site: Path) -> None:
    """What readers see, executed output translated by the catalogs included."""
    problems = []
    for path in sorted(built_zh_site.rglob("index.html")):
        article = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find("article")
        if article is None:
            continue
        for node in article.select("pre, code, .katex, .arithmatex"):
            node.decompose()  # code and math stay English
        page = path.parent.relative_to(built_zh_site).as_posix().replace(".", "index")
        problems += [f"zh/{page}: {word!r} for {term!r}" for term, word in nonstandard_uses(text_of(article))]
    assert not problems, "\n".join(problems)
