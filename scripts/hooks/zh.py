"""MkDocs hook: the Chinese edition (mkdocs.zh.yml) and the language switcher of both editions.

Listed in mkdocs.yml's `hooks:`, which mkdocs.zh.yml inherits (MkDocs' INHERIT replaces lists, so a
separate list there would drift from the English one). It does nothing language-specific in the English
build except point the switcher at the same page in Chinese. In the Chinese build (theme.language zh) it:

- adds docs/assets/ to the build's files, so the Chinese site uses the same CSS, JS and KaTeX without a copy;
- builds an English page whose Chinese twin is missing or marked `translation: pending` from the English
  source, with a notice in Chinese (tests/test_zh.py fails on a missing twin, warns on a pending one);
- translates the Markdown/HTML output of executed blocks and of notebook cells through the page's output
  catalog i18n/zh/<page>.yml (translate_output); program output (`result="text"`, print in notebooks) stays;
- sets Chinese search (jieba segmentation at build time, an explicit separator), `<html lang="zh-Hans">`,
  the site URL + zh/, and Chinese notebook links (notebooks/zh/ twins, scripts/paired_notebooks.py).
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
EN_DOCS = ROOT / "docs"  # the English pages and the shared assets
CATALOGS = ROOT / "i18n" / "zh"  # one output catalog per page: i18n/zh/<page>.yml
ZH = "zh"
HTML_LANG = "zh-Hans"  # Simplified Chinese, as BCP 47 prefers it (Material's zh partial says only "zh")
SHARED_DIRS = ("assets",)  # folders of docs/ that the Chinese build serves from docs/ itself
# Material's search: jieba segments Chinese at build time and joins the words with U+200B, so the
# separator must split on U+200B; the rest is Material's own zh separator (partials/languages/zh.html).
SEARCH = {"lang": ["en", "zh"], "separator": r"[\s\u200b\u3000\-、。，．？！；]+"}
PENDING = "pending"  # front matter `translation: pending`: show the English page for now
NOTICE_TITLE = "本页尚待翻译"
NOTICE = (
    "本页尚待翻译，下面暂时显示英文原文。代码、数字和输出与英文版相同；"
    "欢迎按 CONTRIBUTING.md 中“添加或翻译页面”一节补上中文。"
)
NOTEBOOK_LINK_TEXT = {"Download the notebook": "下载笔记本", "Open in Colab": "在 Colab 中打开"}
NOTEBOOK_SUMMARY = ("<summary>Show code</summary>", "<summary>显示代码</summary>")  # hide-input cells (kf_notebook)

log = logging.getLogger("mkdocs.hooks.kf.zh")


# --- Output catalogs: English output patterns with {holes} -> Chinese -----------------------------------


class CatalogError(ValueError):
    """An output catalog that cannot be used: not a list of en/zh pairs, or holes that differ."""


# {name}, {name:spec}, {name!r:spec}, {a.b} or {a[0]}: a hole; {{ and }} are literal braces.
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}:!]+)(?:![rsa])?(?::[^{}]*)?\}")


@dataclass(frozen=True)
class Entry:
    """One catalog entry: the English pattern compiled, and the Chinese text with its holes."""

    en: str
    zh: str
    regex: re.Pattern[str]
    groups: dict[str, str]  # hole name -> regex group name


def holes(template: str) -> list[str]:
    """The hole names of a pattern, in order ({a:.2f} counts as a)."""
    return [m.group(1).strip() for m in _FIELD.finditer(template) if m.group(1) is not None]


def compile_pattern(en: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex for an English pattern: literal text, each hole matching text within one line.

    A hole at the start or end of the pattern reaches to the start or end of its line; a name used
    twice must match the same text both times.
    """
    parts, groups, last = [], {}, 0
    fields = list(_FIELD.finditer(en))
    for index, match in enumerate(fields):
        parts.append(re.escape(en[last : match.start()]))
        last = match.end()
        if match.group(1) is None:  # {{ or }}
            parts.append(re.escape(match.group(0)[0]))
            continue
        name = match.group(1).strip()
        if name in groups:
            parts.append(f"(?P={groups[name]})")
            continue
        groups[name] = f"h{len(groups)}"
        at_start, at_end = match.start() == 0, match.end() == len(en) and index == len(fields) - 1
        body = "[^\\n]*" if at_end else "[^\\n]*?"
        parts.append(f"(?P<{groups[name]}>{body})")
        if at_start:  # from the line's first non-blank character: its indentation is kept
            parts[-1] = "(?:(?<=\\n)|^)(?P<lead>[ \\t]*)" + parts[-1]
    parts.append(re.escape(en[last:]))
    return re.compile("".join(parts)), groups


def fill(zh: str, values: dict[str, str]) -> str:
    """The Chinese text with each hole replaced by the text its English twin matched."""
    return _FIELD.sub(lambda m: m.group(0)[0] if m.group(1) is None else values[m.group(1).strip()], zh)


def load_catalog(path: Path) -> list[Entry]:
    """The entries of one catalog file, longest English pattern first; [] if there is no file."""
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogError(f"{path}: not valid YAML: {error}") from error
    return parse_catalog(data, str(path))


def parse_catalog(data: object, where: str) -> list[Entry]:
    """Catalog entries from loaded YAML, checked; errors name the file and the entry number."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogError(f"{where}: expected a YAML list of entries with `en` and `zh`")
    entries = []
    for number, item in enumerate(data, 1):
        if not (isinstance(item, dict) and isinstance(item.get("en"), str) and isinstance(item.get("zh"), str)):
            raise CatalogError(f"{where}, entry {number}: expected a mapping with string `en` and `zh`")
        en, zh = item["en"].strip("\n"), item["zh"].strip("\n")
        if not en.strip():
            raise CatalogError(f"{where}, entry {number}: `en` is empty")
        if sorted(set(holes(en))) != sorted(set(holes(zh))):
            raise CatalogError(
                f"{where}, entry {number} ({en[:60]!r}): `zh` must use exactly the holes of `en`: "
                f"en has {sorted(set(holes(en)))}, zh has {sorted(set(holes(zh)))}"
            )
        regex, groups = compile_pattern(en)
        entries.append(Entry(en, zh, regex, groups))
    return sorted(entries, key=lambda e: len(e.en), reverse=True)


def translate_output(markdown: str, catalog: list[Entry]) -> str:
    """The output with every match of a catalog pattern replaced by its Chinese, longest pattern first.

    Text already translated is never matched again, so a shorter pattern cannot rewrite part of a longer one.
    """
    segments: list[tuple[str, bool]] = [(markdown, False)]  # (text, translated)
    for entry in sorted(catalog, key=lambda e: len(e.en), reverse=True):
        replaced: list[tuple[str, bool]] = []
        for text, done in segments:
            if done:
                replaced.append((text, True))
                continue
            last = 0
            for match in entry.regex.finditer(text):
                if match.end() == match.start():
                    continue
                values = {name: match.group(group) for name, group in entry.groups.items()}
                lead = match.groupdict().get("lead") or ""
                replaced += [(text[last : match.start()], False), (lead + fill(entry.zh, values), True)]
                last = match.end()
            replaced.append((text[last:], False))
        segments = [(text, done) for text, done in replaced if text]
    return "".join(text for text, _ in segments)


# Output lines a reader would see as English prose: three or more Latin words and no Chinese.
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"(?<![\w`$\\])[A-Za-z][a-z]{2,}(?![\w`])")
_MARKUP = re.compile(r'="|/>|^\s*[<"]|[{};]\s*$')
_CODE = re.compile(r"`[^`\n]*`|\$[^$\n]*\$|<[^>\n]*>|\{[^}\n]*\}|\(https?://[^)\s]*\)")


def english_lines(output: str) -> list[str]:
    """Lines of Markdown/HTML output that still read as English prose (code spans, math and tags aside)."""
    found = []
    for line in output.splitlines():
        if _MARKUP.search(line):
            continue  # a tag's attributes, an SVG path, a style: markup that reaches over several lines
        text = _CODE.sub(" ", line)
        if not _CJK.search(text) and len(_WORD.findall(text)) >= 3:
            found.append(line.strip())
    return found


def catalog_path(src_uri: str) -> Path:
    """i18n/zh/parameters.yml for parameters.md, i18n/zh/experiments/training.yml for experiments/training.py."""
    return CATALOGS / Path(src_uri).with_suffix(".yml")


# --- Which build is this, and which pages come from English --------------------------------------------


class State:
    """What this MkDocs process knows about the current build and page."""

    def __init__(self) -> None:
        self.zh = False
        self.fallbacks: set[str] = set()  # src_uris built from the English source
        self.page_uri = ""
        self.untranslated: dict[str, list[str]] = {}  # src_uri -> English output lines left
        self.docs_dir: Path | None = None  # docs_zh/, resolved
        self.page_path = ""  # the current page's file relative to the project (docs_zh/x.md)
        self.text_result = False  # inside a result="text" block: its output is program text, never translated
        self.filtered_notebooks: set[str] = set()  # notebook files whose outputs the cache's filter translated


STATE = State()


def is_zh(config) -> bool:
    """True in the Chinese build (theme.language zh)."""
    return str(config["theme"]["language"]).lower().startswith(ZH)


def front_matter(path: Path) -> dict:
    """The YAML front matter of a Markdown page, or the jupytext header of a .py notebook ({} if none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if path.suffix == ".py":
        found = re.match(r"# ---\n((?:#.*\n)*?)# ---\n", text)
        block = "\n".join(line[2:] for line in found.group(1).splitlines()) if found else ""
    else:
        found = re.match(r"---\n(.*?\n)---\n", text, re.S)
        block = found.group(1) if found else ""
    try:
        meta = yaml.safe_load(block) if block else {}
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


def is_pending(path: Path) -> bool:
    """True if a Chinese twin is marked `translation: pending` (the English page is shown meanwhile)."""
    return str(front_matter(path).get("translation", "")).strip().lower() == PENDING


def notebook_patterns(config) -> list[str]:
    """mkdocs-jupyter's include patterns (the notebook pages)."""
    plugin = config.plugins.get("mkdocs-jupyter")
    return list(plugin.config.get("include", [])) if plugin is not None else []


def english_pages(docs: Path, patterns: list[str]) -> list[str]:
    """The src_uris of every English page: Markdown files and notebook sources, shared folders left out."""
    uris = []
    for path in sorted(docs.rglob("*")):
        uri = path.relative_to(docs).as_posix()
        if not path.is_file() or uri.split("/")[0] in SHARED_DIRS or "__pycache__" in uri:
            continue
        if path.suffix == ".md" or any(fnmatch(uri, pattern) for pattern in patterns):
            uris.append(uri)
    return uris


def twin_status(zh_docs: Path, uri: str) -> str:
    """'translated', 'pending' or 'missing': the state of the Chinese twin of an English page."""
    twin = zh_docs / uri
    if not twin.is_file():
        return "missing"
    return "pending" if is_pending(twin) else "translated"


# --- The language switcher: the same page in the other language ----------------------------------------


def twin_href(page_url: str, from_zh: bool) -> str:
    """Relative link from a page to the same page in the other language (English at /, Chinese at /zh/)."""
    depth = page_url.count("/")
    if from_zh:
        return "../" * (depth + 1) + page_url
    return "../" * depth + "zh/" + page_url


_SELECT_LINK = re.compile(r'(<a href=")[^"]*(" hreflang="(?P<lang>[^"]*)" class="md-select__link">)')
_ALTERNATE_LINK = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')


def point_switcher(output: str, page_url: str, zh: bool) -> str:
    """Point the switcher's links at the same page, and drop the <link rel=alternate> tags.

    Material's script reads those tags, fetches each language's sitemap.xml, and on a click keeps the
    page only if the sitemap, built for site_url, lists it; served anywhere else (a preview, the tests) and
    from Chinese to English (the English root is a prefix of every URL), it goes to the home page instead.
    With the tags gone it fetches nothing and the links, written here per page, are followed as they are.
    """

    def link(match: re.Match[str]) -> str:
        same = match["lang"].lower().startswith(ZH) == zh
        return match.group(1) + ("./" if same else twin_href(page_url, zh)) + match.group(2)

    return _ALTERNATE_LINK.sub("", _SELECT_LINK.sub(link, output))


# --- MkDocs events ---------------------------------------------------------------------------------------


def quiet_jieba(required: bool) -> None:
    """Silence jieba's progress lines; without jieba, fail the Chinese build clearly.

    Material's search imports jieba if it can and otherwise silently indexes each Chinese run as one word,
    which no reader's query matches. jieba itself needs pkg_resources (setuptools).
    """
    try:
        import jieba
    except ImportError as error:
        if required:
            raise PluginError(
                f"the Chinese build needs jieba for search ({error}); run: .venv/bin/pip install -r requirements.txt"
            ) from error
        return
    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict ..." lines in a healthy build


@event_priority(100)  # before Material's search plugin copies its settings into the index it will write
def on_config(config):
    """In the Chinese build: Chinese search, site URL + zh/."""
    STATE.__init__()
    STATE.zh = is_zh(config)
    STATE.docs_dir = Path(config["docs_dir"]).resolve()
    quiet_jieba(required=STATE.zh)
    if not STATE.zh:
        return config
    site_url = config.get("site_url")
    if site_url and not site_url.rstrip("/").endswith("/" + ZH):
        config["site_url"] = site_url.rstrip("/") + f"/{ZH}/"
    for name, plugin in config.plugins.items():
        if name.split("/")[-1] == "search":
            plugin.config["lang"], plugin.config["separator"] = list(SEARCH["lang"]), SEARCH["separator"]
    return config


def on_pre_build(config):
    """After every hook's on_config: translate executed output; give the Chinese notebook pages their own cache."""
    install_output_translation()
    jupyter = config.plugins.get("mkdocs-jupyter")
    cache_dir = jupyter.config.get("cache_dir") if jupyter is not None else None
    if STATE.zh and cache_dir and Path(cache_dir).name != ZH:
        # mkdocs-jupyter deletes every cached page of its folder that a build did not use, so in a shared
        # folder each edition's build would evict the other's notebooks.
        jupyter.config["cache_dir"] = str(Path(cache_dir) / ZH)


@event_priority(100)  # before mkdocs-jupyter turns notebook sources into its notebook pages
def on_files(files, config):
    """In the Chinese build: add docs/assets, and the English source of every page without a translated twin."""
    if not STATE.zh:
        return files
    zh_docs = Path(config["docs_dir"]).resolve()
    site_dir, urls = config["site_dir"], config["use_directory_urls"]
    for path in sorted(p for d in SHARED_DIRS for p in (EN_DOCS / d).rglob("*") if p.is_file()):
        uri = path.relative_to(EN_DOCS).as_posix()
        if files.get_file_from_path(uri) is None:
            files.append(File(uri, str(EN_DOCS), site_dir, urls))
    for uri in english_pages(EN_DOCS, notebook_patterns(config)):
        status = twin_status(zh_docs, uri)
        if status == "translated":
            continue
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File(uri, str(EN_DOCS), site_dir, urls))
        STATE.fallbacks.add(uri)
        log.info("kf-zh: %s: Chinese twin %s, building the English page with a notice", uri, status)
    return files


@event_priority(50)  # before the serve render cache keys the page: a catalog edit must render it again
def on_page_markdown(markdown, page, config, files):
    """Note the page (its catalog translates its output); make the catalog part of the Markdown serve keys on."""
    STATE.page_uri = page.file.src_uri
    source = Path(page.file.abs_src_path or "").resolve()
    STATE.page_path = source.relative_to(ROOT).as_posix() if source.is_relative_to(ROOT) else ""
    if not STATE.zh or page.file.src_uri in STATE.fallbacks:
        return markdown
    catalog_for(page.file.src_uri)  # a broken catalog stops the build here, naming the entry
    path = catalog_path(page.file.src_uri)
    if path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        markdown += f"\n\n<!-- kf-zh-catalog {digest} -->\n"
    return markdown


_CATALOG_MARK = re.compile(r"\s*<!-- kf-zh-catalog [0-9a-f]{16} -->")


def notice_html() -> str:
    """The awaiting-translation notice, as Material renders a warning admonition."""
    return (
        f'<div class="admonition warning kf-untranslated"><p class="admonition-title">{NOTICE_TITLE}</p>'
        f"<p>{html.escape(NOTICE)}</p></div>"
    )


def zh_notebook_links(html_text: str) -> str:
    """Chinese labels on a notebook page's download and Colab links; Colab opens the Chinese twin."""
    for english, chinese in NOTEBOOK_LINK_TEXT.items():
        html_text = html_text.replace(f">{english} (", f">{chinese}（").replace(f">{english}<", f">{chinese}<")
    html_text = re.sub(r"(下载笔记本（[^)<]*)\)", r"\1）", html_text)
    return re.sub(r'(href="https://colab\.research\.google\.com/github/[^"]*?/notebooks/)(?!zh/)', r"\1zh/", html_text)


@event_priority(-50)  # after the other hooks have added the notebook links
def on_page_content(html_text, page, config, files):
    """In the Chinese build: the notice on English fallback pages; Chinese notebook links on translated ones."""
    if not STATE.zh:
        return html_text
    html_text = _CATALOG_MARK.sub("", html_text)
    if page.file.src_uri in STATE.fallbacks:
        head, h1, rest = html_text.partition("</h1>")
        return head + h1 + notice_html() + rest if h1 else notice_html() + html_text
    if 'class="kf-notebook-links"' in html_text:
        html_text = zh_notebook_links(html_text)
    if page.file.src_uri.endswith(".py"):
        html_text = notebook_heading_ids(html_text, page).replace(*NOTEBOOK_SUMMARY)
    return html_text


_ATTR_ID = re.compile(r"\s*\{:?\s*#([\w-]+)\s*\}")  # `{ #english-id }` after a heading's text


def strip_attr_ids(text: str) -> str:
    """A heading's text without its `{ #id }` (a notebook's Markdown has no attr_list to consume it)."""
    return _ATTR_ID.sub("", text)


_NOTEBOOK_HEADING = re.compile(
    r'<(?P<tag>h[1-6])(?P<attrs>[^>]*)>(?P<text>[^<]*)(?P<link><a class="anchor-link"[^>]*>[^<]*</a>)?</(?P=tag)>'
)


def notebook_heading_ids(html_text: str, page) -> str:
    """On a notebook page, give `# 标题 { #english-id }` headings that id and drop the braces from view.

    nbconvert renders Markdown cells without attr_list, so the `{ #id }` that keeps a translated heading's
    English anchor would show in the heading, the page title, the nav and the table of contents.
    """

    def heading(match: re.Match[str]) -> str:
        found = _ATTR_ID.search(match["text"])
        if not found:
            return match[0]
        anchor = found.group(1)
        attrs = re.sub(r'\bid="[^"]*"', f'id="{anchor}"', match["attrs"])
        if 'id="' not in attrs:
            attrs += f' id="{anchor}"'
        link = re.sub(r'href="#[^"]*"', f'href="#{anchor}"', match["link"] or "")
        return f"<{match['tag']}{attrs}>{strip_attr_ids(match['text'])}{link}</{match['tag']}>"

    pattern = (
        r'<(?P<tag>h[1-6])(?P<attrs>[^>]*)>(?P<text>[^<]*)(?P<link><a class="anchor-link"[^>]*>[^<]*</a>)?</(?P=tag)>'
    )
    html_text = re.sub(pattern, heading, html_text)

    def fix(items) -> None:
        for item in items:
            found = _ATTR_ID.search(item.title or "")
            if found:
                item.title, item.id = strip_attr_ids(item.title), found.group(1)
            fix(item.children)

    fix(page.toc or [])
    if page.title:
        page.title = strip_attr_ids(page.title)
    return html_text


def on_post_page(output, page, config):
    """The switcher on every page; `<html lang="zh-Hans">` on Chinese pages."""
    output = point_switcher(output, page.url, STATE.zh)
    if STATE.zh:
        output = re.sub(r'<html lang="zh(?:-[A-Za-z]+)?"', f'<html lang="{HTML_LANG}"', output, count=1)
    return output


def on_post_template(output, template_name, config):
    """The 404 page: no sitemap lookups either, and `<html lang="zh-Hans">` in the Chinese build."""
    if template_name != "404.html":
        return output
    output = _ALTERNATE_LINK.sub("", output)
    if STATE.zh:
        output = re.sub(r'<html lang="zh(?:-[A-Za-z]+)?"', f'<html lang="{HTML_LANG}"', output, count=1)
    return output


def on_post_build(config):
    """Name the pages whose executed output still has English prose that no catalog entry matched."""
    for uri, lines in sorted(STATE.untranslated.items()):
        log.info("kf-zh: %s: %d output line(s) not in %s, e.g. %r", uri, len(lines), catalog_path(uri), lines[0][:90])


# --- Executed output: markdown-exec's python blocks and notebook cells ------------------------------------
#
# With the execution cache (scripts/hooks/exec_cache.py, notebook_exec.py) outputs pass through
# shared.filter_output, cached or fresh, and the cache keeps them untranslated, so one entry serves both
# editions: translation is registered there. Without it (KF_CACHE=0, or before that cache existed)
# this module wraps markdown-exec's runner and nbconvert's exporter itself.

TRANSLATED_MIMES = ("text/markdown", "text/html")  # notebook outputs that are prose; streams and text/plain stay


def page_of_origin(origin_page: str) -> str | None:
    """experiments/x.py for 'docs_zh/experiments/x.py' (an output filter's origin); None for other folders."""
    if STATE.docs_dir is None:
        return None
    path = (ROOT / origin_page).resolve()
    return path.relative_to(STATE.docs_dir).as_posix() if path.is_relative_to(STATE.docs_dir) else None


_catalogs: dict[str, tuple[bytes, list[Entry]]] = {}  # src_uri -> (file bytes, entries), reloaded when edited


def catalog_for(uri: str) -> list[Entry]:
    """The parsed output catalog of a Chinese page ([] without one); a broken catalog stops the build."""
    path = catalog_path(uri)
    data = path.read_bytes() if path.is_file() else b""
    cached = _catalogs.get(uri)
    if cached is None or cached[0] != data:
        try:
            _catalogs[uri] = (data, load_catalog(path))
        except CatalogError as error:
            raise PluginError(str(error)) from error
    return _catalogs[uri][1]


def translate_for(output: str, uri: str | None) -> str:
    """Translate a translated Chinese page's output through its catalog; note what English prose is left."""
    if not STATE.zh or uri is None or uri in STATE.fallbacks:
        return output
    translated = translate_output(output, catalog_for(uri))
    left = english_lines(translated)
    if left:
        STATE.untranslated.setdefault(uri, []).extend(left)
    return translated


def output_filter(text: str, origin) -> str:
    """shared.filter_output's hook: Markdown/HTML output of blocks and notebook cells, not program text."""
    if not STATE.zh:
        return text
    if getattr(origin, "kind", "block") == "notebook":
        STATE.filtered_notebooks.add(origin.page)
        return translate_for(text, page_of_origin(origin.page)) if origin.mime in TRANSLATED_MIMES else text
    return text if STATE.text_result else translate_for(text, page_of_origin(origin.page))


def output_hook_point():
    """shared.add_output_filter from the execution cache's hook modules, or None where they are absent."""
    try:
        import shared  # scripts/hooks/shared.py: MkDocs loads hooks with their folder on sys.path
    except ImportError:
        return None
    return getattr(shared, "add_output_filter", None)


def install_output_translation() -> None:
    """Translate executed output in the Chinese build: through the cache's hook point, or by wrapping the runner."""
    if os.environ.get("KF_EXECUTE", "1") == "0":
        return
    try:
        from markdown_exec._internal import main as exec_main
        from markdown_exec._internal.formatters import python as exec_python
    except ImportError:  # another markdown-exec: nothing to wrap
        return
    add_output_filter = output_hook_point()
    if add_output_filter is not None:
        add_output_filter(output_filter)
    original = exec_main.formatters["python"]
    if not getattr(original, "kf_zh", False):
        # The stock formatter runs code itself: wrap its runner. The cache's formatter calls the filter.
        stock = original is exec_python._format_python or add_output_filter is None

        def formatter(**kwargs):
            if not STATE.zh:
                return original(**kwargs)
            STATE.text_result = bool(kwargs.get("result"))  # result="text": program output stays, like code
            run = exec_python._run_python
            if stock and not STATE.text_result:
                exec_python._run_python = lambda *a, **k: translate_for(run(*a, **k), STATE.page_uri)
            try:
                return original(**kwargs)
            finally:
                exec_python._run_python, STATE.text_result = run, False

        formatter.kf_zh = True
        exec_main.formatters["python"] = formatter
    translate_notebook_outputs()
    key_notebooks_by_catalog()


def key_notebooks_by_catalog() -> None:
    """Add the page's output catalog (and this module) to mkdocs-jupyter's page cache key in the Chinese build."""
    try:
        from mkdocs_jupyter import plugin as jupyter_plugin
    except ImportError:
        return
    current = jupyter_plugin._compute_cache_key
    if getattr(current, "kf_zh", False):
        return

    def compute_cache_key(nb_path, config, exec_nb):
        key = current(nb_path, config, exec_nb)
        path = Path(nb_path).resolve()
        if not STATE.zh or STATE.docs_dir is None or not path.is_relative_to(STATE.docs_dir):
            return key
        catalog = catalog_path(path.relative_to(STATE.docs_dir).as_posix())
        extra = (catalog.read_bytes() if catalog.is_file() else b"") + Path(__file__).read_bytes()
        return hashlib.sha256(key.encode() + extra).hexdigest()

    compute_cache_key.kf_original = getattr(current, "kf_original", current)  # what mkdocs_hooks re-wraps
    compute_cache_key.kf_zh = True
    jupyter_plugin._compute_cache_key = compute_cache_key


def translate_notebook_outputs() -> None:
    """Make nbconvert translate notebook cells' Markdown and HTML outputs after they are executed."""
    try:
        from mkdocs_jupyter import nbconvert2
        from nbconvert.preprocessors import Preprocessor
    except ImportError:
        return
    exporter = nbconvert2.HTMLExporter
    if getattr(exporter, "kf_zh", False):
        return

    class TranslateOutputs(Preprocessor):
        """Runs last: Markdown/HTML display outputs through the page's output catalog."""

        def preprocess(self, nb, resources):
            if STATE.page_path in STATE.filtered_notebooks:  # the execution cache's filter translated them
                return nb, resources
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                for mime in ("text/markdown", "text/html"):
                    if mime in data:
                        text = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
                        data[mime] = translate_for(text, STATE.page_uri)
            return cell, resources

    class TranslatingExporter(exporter):
        """The notebook exporter, with TranslateOutputs after every other preprocessor (execution included)."""

        kf_zh = True

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.register_preprocessor(TranslateOutputs(), enabled=True)

    nbconvert2.HTMLExporter = TranslatingExporter
