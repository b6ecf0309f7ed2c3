"""The Chinese edition (mkdocs.zh.yml, scripts/hooks/zh.py): twins, output catalogs, switcher, lang, notices.

The built-site tests use the `built_zh_site` fixture (tests/conftest.py): the Chinese site built once,
after the English one, into <built_site>/zh/, the way `make build` lays them out.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from reader_view import NOT_PROSE, article_of

from conftest import ROOT
from hooks.zh import (
    CATALOGS,
    NOTICE_TITLE,
    CatalogError,
    english_lines,
    english_pages,
    load_catalog,
    parse_catalog,
    point_switcher,
    translate_output,
    twin_href,
    twin_status,
)

DOCS, DOCS_ZH = ROOT / "docs", ROOT / "docs_zh"
NOTEBOOK_PATTERNS = ["experiments/*.py"]  # mkdocs-jupyter's include in mkdocs.yml (checked below)


def catalog(*pairs: tuple[str, str]) -> list:
    """A parsed catalog from (en, zh) pairs."""
    return parse_catalog([{"en": en, "zh": zh} for en, zh in pairs], "test.yml")


# --- translate_output: a pure function ---


def test_a_prose_template_is_translated_with_its_numbers_carried_over() -> None:
    entries = catalog(
        (
            '!!! success "Right: the 64×3×3 layer has fewer parameters"\n    {s.params} parameters against {l.params}.',
            '!!! success "正确：64×3×3 层的参数更少"\n    {s.params} 个参数，对比 {l.params} 个。',
        )
    )
    output = 'Before\n!!! success "Right: the 64×3×3 layer has fewer parameters"\n    5,678 parameters against 9,012.\n'
    assert translate_output(output, entries) == (
        'Before\n!!! success "正确：64×3×3 层的参数更少"\n    5,678 个参数，对比 9,012 个。\n'
    )


def test_holes_match_within_one_line_only() -> None:
    entries = catalog(("{a} parameters against {b}.", "{a} 个参数，对比 {b} 个。"))
    assert translate_output("7 parameters\nagainst 9.", entries) == "7 parameters\nagainst 9."
    assert translate_output("x 7 parameters against 9.", entries) == "x 7 个参数，对比 9 个。"


def test_format_specs_and_literal_braces() -> None:
    entries = catalog(("Share {x:.0%} of {{all}}", "占 {{全部}} 的 {x:.0%}"))
    assert translate_output("Share 12% of {all}", entries) == "占 {全部} 的 12%"


def test_a_leading_hole_keeps_the_lines_indentation() -> None:
    entries = catalog(("{n} cells checked: all equal.", "已核对 {n} 个单元格：全部相等。"))
    assert translate_output("    12 cells checked: all equal.\n", entries) == "    已核对 12 个单元格：全部相等。\n"


def test_longest_pattern_first_and_translated_text_is_not_matched_again() -> None:
    entries = catalog(("layer", "层X"), ("| layer | parameters |", "| 层 | 参数 |"), ("parameters", "参数Y"))
    assert translate_output("| layer | parameters |\nparameters of a layer", entries) == (
        "| 层 | 参数 |\n参数Y of a 层X"
    )


def test_a_name_used_twice_must_match_the_same_text() -> None:
    entries = catalog(("{a} and {a}", "{a} 与 {a}"))
    assert translate_output("3 and 3", entries) == "3 与 3"
    assert translate_output("3 and 4", entries) == "3 and 4"


def test_unmatched_output_is_left_as_it_is() -> None:
    assert translate_output("| kernel | filters |", catalog(("| layer |", "| 层 |"))) == "| kernel | filters |"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"en": "x"}, "expected a YAML list"),
        ([{"en": "x"}], r"entry 1: expected a mapping with string `en` and `zh`"),
        ([{"en": "ok", "zh": "好"}, {"en": "{a} b", "zh": "{c} 乙"}], r"entry 2 .*en has \['a'\], zh has \['c'\]"),
        ([{"en": "\n", "zh": "空"}], "entry 1: `en` is empty"),
    ],
)
def test_a_bad_catalog_is_a_clear_error(data: object, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(data, "i18n/zh/x.yml")


def test_english_lines_finds_prose_not_code_or_chinese() -> None:
    output = "A sentence in English here.\n`some code words here`\n中文 with three words\n| 64 | 3×3 |"
    assert english_lines(output) == ["A sentence in English here."]


# --- The switcher: the same page in the other language ---


@pytest.mark.parametrize(
    ("url", "to_zh", "to_en"),
    [
        ("", "zh/", "../"),
        ("parameters/", "../zh/parameters/", "../../parameters/"),
        ("experiments/training/", "../../zh/experiments/training/", "../../../experiments/training/"),
    ],
)
def test_twin_href(url: str, to_zh: str, to_en: str) -> None:
    assert twin_href(url, from_zh=False) == to_zh
    assert twin_href(url, from_zh=True) == to_en


def test_point_switcher_rewrites_the_links_and_drops_material_sitemap_lookup() -> None:
    page = (
        '<head><link rel="alternate" href="/" hreflang="en"><link rel="alternate" href="/zh/" hreflang="zh-Hans">'
        '</head><a href="/" hreflang="en" class="md-select__link">English</a>'
        '<a href="/zh/" hreflang="zh-Hans" class="md-select__link">中文</a>'
    )
    out = point_switcher(page, "parameters/", zh=False)
    assert 'rel="alternate"' not in out
    assert '<a href="./" hreflang="en"' in out
    assert '<a href="../zh/parameters/" hreflang="zh-Hans"' in out
    assert '<a href="../../parameters/" hreflang="en"' in point_switcher(page, "parameters/", zh=True)


# --- Twins: every English page has a Chinese one ---


def test_notebook_patterns_match_mkdocs_yml() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    jupyter = next(p["mkdocs-jupyter"] for p in config["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p)
    assert jupyter["include"] == NOTEBOOK_PATTERNS


def twin_report(docs: Path, docs_zh: Path) -> dict[str, list[str]]:
    """English pages by the state of their Chinese twin: missing, pending (awaiting translation), translated."""
    report: dict[str, list[str]] = {"missing": [], "pending": [], "translated": []}
    for uri in english_pages(docs, NOTEBOOK_PATTERNS):
        report[twin_status(docs_zh, uri)].append(uri)
    return report


def test_every_english_page_has_a_chinese_twin() -> None:
    report = twin_report(DOCS, DOCS_ZH)
    for uri in report["pending"]:
        warnings.warn(f"docs_zh/{uri}: awaiting translation (the Chinese site shows the English page)", stacklevel=1)
    assert not report["missing"], "English pages without a Chinese twin (add docs_zh/<page>, see CONTRIBUTING):\n" + (
        "\n".join(f"docs/{uri}: no docs_zh/{uri}" for uri in report["missing"])
    )


def test_twin_check_names_missing_and_pending_pages(tmp_path: Path) -> None:
    docs, docs_zh = tmp_path / "docs", tmp_path / "docs_zh"
    for path in ("index.md", "a.md", "b.md", "experiments/n.py", "assets/x.js"):
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text("# x\n", encoding="utf-8")
    (docs_zh / "experiments").mkdir(parents=True)
    (docs_zh / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs_zh / "a.md").write_text("---\ntranslation: pending\n---\n", encoding="utf-8")
    (docs_zh / "experiments" / "n.py").write_text("# ---\n# translation: pending\n# ---\n", encoding="utf-8")
    assert twin_report(docs, docs_zh) == {
        "missing": ["b.md"],
        "pending": ["a.md", "experiments/n.py"],
        "translated": ["index.md"],
    }


def test_every_catalog_belongs_to_a_chinese_page_and_parses() -> None:
    for path in sorted(CATALOGS.rglob("*.yml")):
        uri = path.relative_to(CATALOGS).with_suffix("")
        pages = [DOCS_ZH / uri.with_suffix(".md"), DOCS_ZH / uri.with_suffix(".py")]
        assert any(p.is_file() for p in pages), f"{path.relative_to(ROOT)}: no page docs_zh/{uri}.md or .py"
        load_catalog(path)  # raises CatalogError naming the entry


# --- The built Chinese site ---


def page_html(site: Path, url: str) -> str:
    """The HTML of a built page by its URL path ('' for the home page)."""
    return (site / url / "index.html").read_text(encoding="utf-8")


def site_pages(site: Path) -> list[str]:
    """URL paths of every page of one edition (the other edition's folder left out)."""
    return sorted(
        p.parent.relative_to(site).as_posix().strip(".") + ("/" if p.parent != site else "")
        for p in site.rglob("index.html")
        if not p.is_relative_to(site / "zh") and not p.is_relative_to(site / "assets")
    )


@pytest.mark.slow
def test_both_editions_have_the_same_pages(built_site: Path, built_zh_site: Path) -> None:
    english, chinese = site_pages(built_site), site_pages(built_zh_site)
    assert len(english) >= 15
    assert english == chinese


@pytest.mark.slow
def test_html_lang_and_interface_language(built_site: Path, built_zh_site: Path) -> None:
    for url in site_pages(built_site):
        assert '<html lang="en"' in page_html(built_site, url), url
        zh = page_html(built_zh_site, url)
        assert '<html lang="zh-Hans"' in zh, url
        assert 'placeholder="搜索"' in zh, f"zh/{url}: Material's interface is not in Chinese"


@pytest.mark.slow
def test_the_switcher_leads_to_the_same_page(built_site: Path, built_zh_site: Path) -> None:
    for site, other in ((built_site, built_zh_site), (built_zh_site, built_site)):
        for url in site_pages(site):
            soup = BeautifulSoup(page_html(site, url), "html.parser")
            links = {a["hreflang"]: a["href"] for a in soup.select("a.md-select__link")}
            assert set(links) == {"en", "zh-Hans"}, (site, url, links)
            target = links["en" if site == built_zh_site else "zh-Hans"]
            landing = (site / url / target / "index.html").resolve()
            assert landing == (other / url / "index.html").resolve(), f"{url}: switcher goes to {target}"
            assert not soup.select('link[rel="alternate"][hreflang]'), f"{url}: Material would fetch sitemaps"


@pytest.mark.slow
def test_shared_assets_and_chinese_notebook_links(built_zh_site: Path) -> None:
    assert (built_zh_site / "assets" / "stylesheets" / "extra.css").is_file()
    assert not (DOCS_ZH / "assets").exists(), "docs_zh/assets: the Chinese build uses docs/assets, no copy"
    for page in sorted((DOCS / "experiments").glob("*.py")):
        html = page_html(built_zh_site, f"experiments/{page.stem}/")
        if twin_status(DOCS_ZH, f"experiments/{page.name}") != "translated":
            continue
        assert "下载笔记本" in html, page.stem
        assert "在 Colab 中打开" in html, page.stem
        assert f"/notebooks/zh/experiments/{page.stem}.ipynb" in html, page.stem
        assert (built_zh_site / "experiments" / page.stem / f"{page.stem}.ipynb").is_file()
        assert "{ #" not in html, f"{page.stem}: a heading shows its {{ #id }}"
        assert "Show code" not in html, f"{page.stem}: an English 'Show code' fold"


@pytest.mark.slow
def test_pages_awaiting_translation_show_the_notice(built_zh_site: Path) -> None:
    report = twin_report(DOCS, DOCS_ZH)
    for uri in report["pending"] + report["missing"]:
        url = re.sub(r"(index)?\.(md|py)$", "", uri)
        url = url + "/" if url and not url.endswith("/") else url
        assert NOTICE_TITLE in page_html(built_zh_site, url), uri
    for uri in report["translated"]:
        url = re.sub(r"(index)?\.(md|py)$", "", uri)
        url = url + "/" if url and not url.endswith("/") else url
        assert NOTICE_TITLE not in page_html(built_zh_site, url), uri


# Visible blocks of prose: English left in one of these on a translated page is a missed translation.
PROSE_BLOCKS = "p, li, td, th, figcaption, .admonition-title, summary, h1, h2, h3, h4, dt, dd"
_LATIN_WORD = re.compile(r"\(?[A-Za-z]{3,}[,.;:)]?")  # a whole word: not a hyphenated platform or version string
_CJK = re.compile(r"[\u3400-\u9fff]")
_LITERAL = re.compile(r"\{'\w+': ")


def english_prose(html: str) -> list[str]:
    """Visible prose blocks of a page that are mostly English words (code, math and furniture left out)."""
    article = article_of(html)
    for node in article.select(NOT_PROSE + ", .kf-untranslated, .md-source-file, .kf-notebook-links, .footnote"):
        node.decompose()
    for heading in article.select("h2[id^=reference]"):  # citations (authors, titles, venues) stay as published
        for sibling in list(heading.find_next_siblings()):
            if sibling.name == "h2":
                break
            sibling.decompose()
    found = []
    for block in article.select(PROSE_BLOCKS):
        if block.find(PROSE_BLOCKS.split(", ")):
            continue  # the innermost block speaks for itself
        text = re.sub(r"\s+", " ", block.get_text(" ")).strip()
        if _LITERAL.search(text):
            continue  # a Python value printed as it is (a dict of settings), like code
        words, han = [t for t in text.split() if _LATIN_WORD.fullmatch(t)], _CJK.findall(text)
        if len(words) >= 4 and sum(map(len, words)) > 2 * len(han):
            found.append(text[:100])
    return found


def test_english_prose_check_catches_a_missed_translation() -> None:
    page = (
        "<article><h1>参数量</h1><p>这是中文，<code>Conv2D(64, (3, 3))</code> 不算。</p>"
        "<table><tr><th>layer with many filters</th></tr></table>"
        "<p>This paragraph was left in English by mistake.</p><p>{'max_epochs': 12, 'shift': 0, 'dropout': 0.0}</p>"
        '<h2 id="references">参考文献</h2><ul><li>K. He, X. Zhang. Deep Residual Learning for Images.</li></ul>'
        "</article>"
    )
    assert english_prose(page) == ["layer with many filters", "This paragraph was left in English by mistake."]


@pytest.mark.slow
def test_translated_pages_have_no_english_prose_left(built_zh_site: Path) -> None:
    report = twin_report(DOCS, DOCS_ZH)
    left, pending = {}, []
    for uri in report["translated"] + report["pending"]:
        url = re.sub(r"(index)?\.(md|py)$", "", uri)
        url = url + "/" if url and not url.endswith("/") else url
        found = english_prose(page_html(built_zh_site, url))
        if found and uri in report["translated"]:
            left[uri] = found
        elif found:
            pending.append(uri)
    for uri in pending:
        warnings.warn(f"docs_zh/{uri}: awaiting translation, shown in English", stacklevel=1)
    assert not left, (
        "English prose on translated Chinese pages (translate it, or add a catalog entry in i18n/zh/):\n"
        + ("\n".join(f"{uri}: {lines}" for uri, lines in left.items()))
    )


def nav_files(nav: list) -> list[str]:
    """The page files of a MkDocs nav, in order."""
    files = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        files += nav_files(value) if isinstance(value, list) else [value]
    return files


def test_the_chinese_nav_lists_the_same_pages_in_the_same_order() -> None:
    english = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["nav"]
    chinese = yaml.load((ROOT / "mkdocs.zh.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["nav"]
    assert nav_files(chinese) == nav_files(english), "mkdocs.zh.yml's nav must follow mkdocs.yml's"
    assert nav_files([{"a": "x.md"}, {"b": [{"c": "y.py"}]}]) == ["x.md", "y.py"]
