"""The search index cache: a page's entries in Material's search index, reused while what they are made of is unchanged.

Material's search plugin parses every page's HTML into sections and, when jieba is installed, segments
every run of Chinese characters (the English pages have some too: the glossary's Chinese terms). That
is about three seconds of every build, the same work for the same page. Here each page's entries are
stored under .cache/search/, keyed by everything Material reads to make them: the page's HTML, URL,
title, table of contents and front matter, the search plugin's code and the jieba version. So an
entry is never stale, and a warm build parses no page and loads no jieba dictionary.

Under `mkdocs serve --dirty` (make serve) a rebuild renders only the changed pages, and Material's own
merge of the previous index keeps only one page's entries right. Here every page's latest entries are
kept by the serve process, and each rebuild writes the index of all pages, in the order a full build has.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

from mkdocs.plugins import event_priority

from exec_cache import write_atomically
from recording import sha256_parts

CACHE_SUBDIR = Path(".cache") / "search"
_memory: dict[str, list[dict]] = {}  # key -> entries, kept by the serve process between rebuilds


def toc_outline(items) -> list:
    """The table of contents as plain data: each item's id, URL, title and children."""
    return [[item.id, item.url, item.title, toc_outline(item.children)] for item in items or ()]


def search_code_digest() -> str:
    """sha256 of the search plugin's code and the jieba version: what turns a page into entries."""
    from material.plugins.search import plugin

    try:
        jieba = importlib.metadata.version("jieba") if plugin.jieba is not None else "absent"
    except importlib.metadata.PackageNotFoundError:
        jieba = "unknown"
    return hashlib.sha256(Path(plugin.__file__).read_bytes() + jieba.encode()).hexdigest()


def entries_key(page, code_digest: str) -> str:
    """The key of a page's search entries: everything SearchIndex.add_entry_from_context reads from it."""
    meta = {name: page.meta.get(name) for name in ("search", "tags", "title")}
    parts = [code_digest, page.url, str(page.title), json.dumps(meta, sort_keys=True, default=str)]
    parts += [json.dumps(toc_outline(page.toc), default=str), page.content or ""]
    return sha256_parts(*parts)


class SearchEntryCache:
    """Entries by key, in memory and in a folder (a JSON file per key); under a dirty serve, each page's latest."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.code_digest = ""
        self.reused = 0
        self.dirty = False  # `mkdocs serve --dirty`: keep every page's entries between rebuilds
        self.by_url: dict[str, list[dict]] = {}  # page URL -> its entries from its latest build
        self.page_urls: list[str] = []  # this build's pages, in the order MkDocs builds them

    def lookup(self, key: str) -> list[dict] | None:
        """The stored entries of key, or None."""
        if key in _memory:
            return _memory[key]
        if self.folder is None:
            return None
        try:
            entries = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entries, list):
            return None
        _memory[key] = entries
        return entries

    def store(self, key: str, entries: list[dict]) -> None:
        """Keep the entries of key in memory and on disk."""
        _memory[key] = entries
        if self.folder is not None:
            write_atomically(self.folder / f"{key}.json", json.dumps(entries, ensure_ascii=False, sort_keys=True))


CACHE = SearchEntryCache()


def add_entry_from_context_cached(original):
    """A replacement for SearchIndex.add_entry_from_context that looks the page's entries up first."""

    def add_entry_from_context(index, page) -> None:
        key = entries_key(page, CACHE.code_digest)
        found = CACHE.lookup(key)
        if found is not None:
            index.entries.extend(json.loads(json.dumps(found)))  # a copy: the index may be edited later
            CACHE.reused += 1
        else:
            before = len(index.entries)
            original(index, page)
            found = index.entries[before:]
            # Stored as JSON, so a reused entry is exactly what the index will serialize.
            if json.loads(json.dumps(found, default=str)) == found:
                CACHE.store(key, found)
        if CACHE.dirty:
            CACHE.by_url[page.url] = json.loads(json.dumps(found, default=str))

    add_entry_from_context.kf_original = original
    return add_entry_from_context


def install() -> bool:
    """Route Material's SearchIndex.add_entry_from_context through the cache (once per process)."""
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:  # no Material search plugin: nothing to cache
        return False
    current = SearchIndex.add_entry_from_context
    if not hasattr(current, "kf_original"):
        SearchIndex.add_entry_from_context = add_entry_from_context_cached(current)
    return True


def on_config(config):
    """Cache search entries under the project's .cache/search/."""
    if install():
        root = Path(config["config_file_path"]).resolve().parent
        CACHE.folder = root / CACHE_SUBDIR
        CACHE.code_digest = search_code_digest()
    return config


def on_startup(command, dirty):
    """Under `mkdocs serve --dirty`, keep every page's entries between rebuilds."""
    CACHE.dirty = command == "serve" and bool(dirty)


def on_pre_build(config):
    """Start counting for this build."""
    CACHE.reused = 0


def on_env(env, config, files):
    """Note this build's pages in build order (a dirty rebuild builds only some of them)."""
    CACHE.page_urls = [f.page.url for f in files.documentation_pages() if f.page is not None]
    return env


def search_plugin(config):
    """Material's search plugin of this build, or None."""
    for name, plugin in config.plugins.items():
        if name.split("/")[-1] == "search":
            return plugin
    return None


@event_priority(50)  # before the search plugin writes the index
def on_post_build(config):
    """Under a dirty serve, give the search plugin every page's latest entries: the full build's index."""
    plugin = search_plugin(config)
    if not CACHE.dirty or plugin is None or getattr(plugin, "search_index", None) is None:
        return
    known = [url for url in CACHE.page_urls if url in CACHE.by_url]
    plugin.search_index.entries = [entry for url in known for entry in CACHE.by_url[url]]
    plugin.search_index_prev = None  # Material's own merge assumes a single changed page
