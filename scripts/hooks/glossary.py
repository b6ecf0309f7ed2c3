"""MkDocs hook: the glossary, generated from the bilingual term list i18n/terms.yml.

A page asks for it with the marker line `<!-- kf:glossary -->`; the hook replaces that line with a
definition list in the page's language (theme.language: `en` in mkdocs.yml, `zh` in mkdocs.zh.yml).
No executed code: the execution cache keys code by its text, so code that printed a different glossary
per language could not be shared by the two builds.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TERMS = ROOT / "i18n" / "terms.yml"
MARKER = "<!-- kf:glossary -->"
REQUIRED = ("en", "zh", "en_def", "zh_def", "avoid")


class TermListError(ValueError):
    """The term list is not what the glossary and the terminology test can use."""


def load_terms(path: Path = TERMS) -> list[dict]:
    """The term list, checked: every entry has en, zh, both definitions and an avoid list; no term twice."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise TermListError(f"{path}: expected a non-empty YAML list of terms")
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        name = entry.get("en", "?") if isinstance(entry, dict) else repr(entry)
        where = f"{path}, entry {number} ({name})"
        if not isinstance(entry, dict):
            raise TermListError(f"{where}: expected a mapping with {', '.join(REQUIRED)}")
        missing = [key for key in REQUIRED if key not in entry]
        if missing:
            raise TermListError(f"{where}: missing {', '.join(missing)}")
        if not all(isinstance(entry[key], str) and entry[key].strip() for key in REQUIRED[:4]):
            raise TermListError(f"{where}: en, zh, en_def and zh_def must be non-empty one-line strings")
        if any("\n" in entry[key].strip() for key in REQUIRED[:4]):
            raise TermListError(f"{where}: definitions must fit on one line")
        for key in ("avoid", "also"):
            if not isinstance(entry.get(key, []), list) or not all(isinstance(w, str) for w in entry.get(key, [])):
                raise TermListError(f"{where}: {key} must be a list of strings")
        if entry["en"].lower() in seen:
            raise TermListError(f"{where}: {entry['en']!r} is listed twice")
        seen.add(entry["en"].lower())
    return entries


def term_label(entry: dict, language: str) -> str:
    """The glossary's headword: 'Kernel · 卷积核' in English, '卷积核 · kernel' in Chinese."""
    if language == "zh":
        others = "、".join(entry.get("also", []))
        space = " " if others[:1].isascii() else ""  # 也作 1×1 卷积, but 也作卷积核
        also = f"（也作{space}{others}）" if others else ""
        return f"{entry['zh']}{also} · {entry['en']}"
    english = entry["en"][0].upper() + entry["en"][1:]
    return f"{english} · {entry['zh']}"


def glossary_markdown(entries: list[dict], language: str) -> str:
    """The glossary as a Markdown definition list (def_list), in the order of the term list."""
    if language not in ("en", "zh"):
        raise ValueError(f"glossary: no definitions in language {language!r} (en or zh)")
    key = "zh_def" if language == "zh" else "en_def"
    return "\n\n".join(f"{term_label(entry, language)}\n:   {entry[key].strip()}" for entry in entries)


def page_language(config) -> str:
    """'zh' for the Chinese build (theme.language zh...), 'en' otherwise."""
    language = str(config["theme"]["language"] or "en")
    return "zh" if language.lower().startswith("zh") else "en"


def replace_marker(markdown: str, glossary: str) -> str:
    """The page with each marker line replaced by the glossary."""
    return "\n".join(glossary if line.strip() == MARKER else line for line in markdown.split("\n"))


_glossaries: dict[tuple[bytes, str], str] = {}  # (term list bytes, language) -> glossary, kept by `mkdocs serve`


def glossary_for(language: str, path: Path = TERMS) -> str:
    """The glossary of the term list at path in language, parsed again only when the file changes."""
    key = (path.read_bytes(), language)
    if key not in _glossaries:
        _glossaries.clear()
        _glossaries[key] = glossary_markdown(load_terms(path), language)
    return _glossaries[key]


def on_page_markdown(markdown, page, config, files):
    """Replace the glossary marker on pages that have one."""
    if MARKER not in markdown:
        return markdown
    return replace_marker(markdown, glossary_for(page_language(config)))
