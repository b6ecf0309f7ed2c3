"""The build layer in scripts/hooks/: shared notebook CSS, KaTeX only where there is math, the serve-only render cache."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from hooks import serve_cache
from hooks.notebook_css import SHARED_STYLE_DIR, SHARED_STYLE_MIN_BYTES, prune_css, share_large_styles
from hooks.serve_cache import ServeRenderCache, inputs_digest

BIG_CSS = ".jp-Cell{color:red}" * (SHARED_STYLE_MIN_BYTES // 10)
SMALL_CSS = "pre { line-height: 125%; }"


def page_with_styles() -> str:
    """A notebook page's content: a small style block, a large one, then the notebook."""
    return (
        f'<style type="text/css">{SMALL_CSS}</style><style type="text/css">{BIG_CSS}</style><div class="jp-Cell"></div>'
    )


def test_a_large_style_block_becomes_a_link_to_a_shared_file(tmp_path: Path) -> None:
    out = share_large_styles(page_with_styles(), "experiments/training/", tmp_path)
    (link,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', out)
    assert link.startswith(f"../../{SHARED_STYLE_DIR}/")
    assert (tmp_path / "experiments" / "training" / link).resolve().read_text(encoding="utf-8") == BIG_CSS
    assert out.startswith(f'<style type="text/css">{SMALL_CSS}</style><link')  # order kept, small one inline
    assert BIG_CSS not in out


def test_pages_share_one_file_with_the_same_name_every_build(tmp_path: Path) -> None:
    first = share_large_styles(page_with_styles(), "experiments/training/", tmp_path / "a")
    again = share_large_styles(page_with_styles(), "experiments/erf/", tmp_path / "a")
    other_build = share_large_styles(page_with_styles(), "experiments/training/", tmp_path / "b")
    assert first == again == other_build
    assert len(list((tmp_path / "a" / SHARED_STYLE_DIR).iterdir())) == 1


def test_a_changed_theme_gets_a_new_url(tmp_path: Path) -> None:
    one = share_large_styles(f"<style>{BIG_CSS}</style>", "x/", tmp_path)
    two = share_large_styles(f"<style>{BIG_CSS}.jp-Cell{{color:blue}}</style>", "x/", tmp_path)
    assert one != two
    assert len(list((tmp_path / SHARED_STYLE_DIR).iterdir())) == 2


NOTEBOOK_CSS_MAX_BYTES = 60_000  # nbconvert's whole theme is about 575 KB; a page uses about 14 KB of it


@pytest.mark.slow
def test_built_notebook_pages_link_their_own_pruned_stylesheet(built_site: Path) -> None:
    """Each notebook page links one pruned copy of nbconvert's theme; the full theme is not shipped."""
    hrefs = set()
    for name in ("training", "filters", "erf", "scenarios"):
        html = (built_site / "experiments" / name / "index.html").read_text(encoding="utf-8")
        inline = [len(css.encode()) for css in re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.S)]
        assert max(inline) < SHARED_STYLE_MIN_BYTES, f"{name}: a large <style> block is still inline"
        found = re.findall(rf'<link rel="stylesheet" href="\.\./\.\./({SHARED_STYLE_DIR}/[0-9a-f]+\.css)">', html)
        assert len(found) == 1, f"{name}: {found}, not one notebook stylesheet"
        assert ".jupyter-wrapper" in (built_site / found[0]).read_text(encoding="utf-8"), name
        hrefs.update(found)
    shipped = {
        f"{SHARED_STYLE_DIR}/{css.name}": css.stat().st_size for css in (built_site / SHARED_STYLE_DIR).glob("*")
    }
    assert set(shipped) == hrefs, f"notebook CSS no page links: {set(shipped) - hrefs}"
    assert max(shipped.values()) <= NOTEBOOK_CSS_MAX_BYTES, shipped


# --- The serve render cache: reuse a page only when nothing it depends on changed ---


def small_project(root: Path) -> Path:
    """A project tree with one file of each kind inputs_digest() reads."""
    for name, text in {
        "mkdocs.yml": "site_name: t\n",
        "snippets/a.py": "A = 1\n",
        "templates/page.md": "# T\n",
        "scripts/new_page.py": "TEMPLATES = {}\n",
        "data/d.txt": "data\n",
        "docs/index.md": "# Home\n",
        "docs/experiments/x.py": "# %%\nprint(1)\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


PAGES = ["index.md", "experiments/x.py"]


@pytest.mark.parametrize(
    ("edit", "changes"),
    [
        ("docs/index.md", False),  # the page's own Markdown is in its key, not in the shared digest
        ("snippets/a.py", False),  # what a page reads is followed page by page (below)
        ("templates/page.md", False),
        ("scripts/new_page.py", True),  # the hooks, and tools pages run
        ("data/d.txt", False),
        ("docs/experiments/x.py", True),  # the decision guide quotes the notebooks' results
        ("mkdocs.yml", True),
    ],
)
def test_inputs_digest_follows_code_data_and_config(tmp_path: Path, edit: str, changes: bool) -> None:
    root = small_project(tmp_path)
    before = inputs_digest(root, root / "docs", PAGES)
    (root / edit).write_text((root / edit).read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert (inputs_digest(root, root / "docs", PAGES) != before) is changes


def test_inputs_digest_follows_the_page_list_and_kf_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = small_project(tmp_path)
    before = inputs_digest(root, root / "docs", PAGES)
    assert inputs_digest(root, root / "docs", [*PAGES, "new.md"]) != before
    monkeypatch.setenv("KF_MNIST", "full")
    assert inputs_digest(root, root / "docs", PAGES) != before


@dataclass(frozen=True)
class FakeFile:
    """A MkDocs File as a dict key."""

    src_uri: str


class FakeFiles:
    """The one Files method restore_or_save() uses."""

    def __init__(self, *uris: str) -> None:
        self.by_uri = {uri: FakeFile(uri) for uri in uris}

    def get_file_from_path(self, uri: str):
        return self.by_uri.get(uri)


def rendered_page(src_uri: str = "parameters.md") -> SimpleNamespace:
    """A page as MkDocs leaves it after Page.render()."""
    page = SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=src_uri.removesuffix(".md") + "/")
    page.toc, page.present_anchor_ids, page._title_from_render = ["toc"], {"top"}, "Parameters"
    return page


def test_a_page_is_reused_only_with_the_same_markdown_and_inputs() -> None:
    cache, files = ServeRenderCache(), FakeFiles("parameters.md", "index.md")
    cache.enabled, cache.inputs = True, "inputs-1"
    first = rendered_page()
    assert not cache.reuse(first, "# Parameters\n")
    first.links_to_anchors = {files.get_file_from_path("index.md"): {"top": "index.md#top"}}
    assert cache.restore_or_save("<p>640</p>", first, files) == "<p>640</p>"

    again = SimpleNamespace(file=first.file, url=first.url)
    assert cache.reuse(again, "# Parameters\n")
    assert cache.restore_or_save("", again, files) == "<p>640</p>"
    assert (again.toc, again.present_anchor_ids, again._title_from_render) == (["toc"], {"top"}, "Parameters")
    assert again.links_to_anchors == {files.get_file_from_path("index.md"): {"top": "index.md#top"}}
    assert cache.reused == 1

    assert not cache.reuse(rendered_page(), "# Parameters, edited\n")
    cache.inputs = "inputs-2"  # a snippet, kf module, data file or setting changed
    assert not cache.reuse(rendered_page(), "# Parameters\n")


def test_a_page_is_rendered_again_only_when_a_file_its_render_read_changed(tmp_path: Path) -> None:
    from recording import Digests

    root = small_project(tmp_path)
    cache, files = ServeRenderCache(), FakeFiles("parameters.md", "index.md")
    cache.enabled, cache.inputs, cache.root, cache.digests = True, "inputs-1", root, Digests(root)
    reader, other = rendered_page("parameters.md"), rendered_page("index.md")
    reader.links_to_anchors = other.links_to_anchors = {}
    assert not cache.reuse(reader, "# Parameters\n")
    (root / "snippets" / "a.py").read_text(encoding="utf-8")  # what pymdownx.snippets does for the page
    cache.restore_or_save("<p>a</p>", reader, files)
    assert not cache.reuse(other, "# Home\n")
    cache.restore_or_save("<p>home</p>", other, files)
    (root / "snippets" / "a.py").write_text("# edited\n", encoding="utf-8")
    cache.digests = Digests(root)  # a new build
    assert not cache.reuse(rendered_page("parameters.md"), "# Parameters\n")
    assert cache.reuse(rendered_page("index.md"), "# Home\n")


def test_a_render_that_warned_is_never_reused() -> None:
    cache, files = ServeRenderCache(), FakeFiles("parameters.md")
    cache.enabled = True
    page = rendered_page()
    assert not cache.reuse(page, "[broken](nowhere.md)\n")
    cache.warnings.emit(logging.makeLogRecord({"levelno": logging.WARNING, "msg": "broken link"}))
    cache.restore_or_save("<p>broken</p>", page, files)
    assert not cache.reuse(rendered_page(), "[broken](nowhere.md)\n")  # rendered again, so it warns again


def test_builds_never_reuse_and_serve_can_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ServeRenderCache()
    assert not cache.enabled  # `mkdocs build` (CI, deploy, tests) renders every page
    assert not cache.reuse(rendered_page(), "# P\n")
    monkeypatch.setattr(serve_cache, "SERVE_CACHE", cache)
    serve_cache.on_startup("serve", dirty=False)
    assert cache.enabled
    monkeypatch.setenv("KF_SERVE_CACHE", "0")
    serve_cache.on_startup("serve", dirty=False)
    assert not cache.enabled
    monkeypatch.delenv("KF_SERVE_CACHE")
    serve_cache.on_startup("build", dirty=False)
    assert not cache.enabled


# ---- Notebook CSS pruned to the rules a page uses (prune_css) ---------------------------------------------

THEME = (
    ".jupyter-wrapper{--jp-used:var(--jp-chained);--jp-chained:red;--jp-unused:blue}"
    ".jp-Cell{color:var(--jp-used)}"
    ".jp-Absent{color:green}"
    ".jp-Cell:hover,.jp-Gone{outline:1px solid}"
    ".jupyter-wrapper .md-typeset__scrollwrap{margin:0}"
    "@media print{.jp-Cell{color:black}.jp-Absent{color:white}}"
)
NOTEBOOK_PAGE = '<div class="jupyter-wrapper"><div class="jp-Cell">x</div><table></table></div>'


def test_pruning_keeps_the_rules_the_page_uses_in_every_state() -> None:
    pruned = prune_css(THEME, NOTEBOOK_PAGE)
    assert ".jp-Cell{color:var(--jp-used)}" in pruned
    assert ".jp-Cell:hover,.jp-Gone{" in pruned  # a state the page can be in keeps the whole rule
    assert ".md-typeset__scrollwrap{margin:0}" in pruned  # Material adds that wrapper in the browser
    assert "@media print{.jp-Cell{color:black}}" in pruned


def test_pruning_drops_rules_and_custom_properties_nothing_uses() -> None:
    pruned = prune_css(THEME, NOTEBOOK_PAGE)
    assert ".jp-Absent" not in pruned
    assert "--jp-unused" not in pruned
    assert "--jp-chained:red" in pruned  # used only through --jp-used
    assert prune_css(THEME, NOTEBOOK_PAGE) == pruned  # the same bytes every build


def test_pruned_css_is_cached_by_the_theme_and_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hooks import notebook_css

    monkeypatch.setattr(notebook_css, "_pruned", {})
    pruned = notebook_css.cached_prune_css(THEME, NOTEBOOK_PAGE, tmp_path)
    assert pruned == prune_css(THEME, NOTEBOOK_PAGE)
    assert [p.read_text(encoding="utf-8") for p in tmp_path.glob("*.css")] == [pruned]
    monkeypatch.setattr(notebook_css, "_pruned", {})  # a new build process: read back from disk, not pruned again
    monkeypatch.setattr(notebook_css, "prune_css", lambda css, page: pytest.fail("pruned again"))
    assert notebook_css.cached_prune_css(THEME, NOTEBOOK_PAGE, tmp_path) == pruned
    other_page = NOTEBOOK_PAGE.replace("jp-Cell", "jp-Absent")
    assert notebook_css.pruned_key(THEME, other_page) != notebook_css.pruned_key(THEME, NOTEBOOK_PAGE)
    assert notebook_css.pruned_key(THEME + ".x{}", NOTEBOOK_PAGE) != notebook_css.pruned_key(THEME, NOTEBOOK_PAGE)


# ---- Search entries cached by page (search_cache) ---------------------------------------------------------


def search_page(content: str, url: str = "parameters/") -> SimpleNamespace:
    """A page as Material's search plugin sees it in on_page_context."""
    return SimpleNamespace(content=content, url=url, title="Parameters", meta={}, toc=[])


def test_search_entries_are_reused_for_the_same_page_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hooks import search_cache

    calls = []

    def original(index, page) -> None:
        calls.append(page.content)
        index.entries.append({"location": page.url, "title": page.title, "text": page.content})

    monkeypatch.setattr(search_cache, "_memory", {})
    monkeypatch.setattr(search_cache, "CACHE", search_cache.SearchEntryCache())
    search_cache.CACHE.folder, search_cache.CACHE.code_digest = tmp_path, "code-1"
    add = search_cache.add_entry_from_context_cached(original)
    first, second = SimpleNamespace(entries=[]), SimpleNamespace(entries=[])
    add(first, search_page("<p>640</p>"))
    monkeypatch.setattr(search_cache, "_memory", {})  # a new build process: the entries come from disk
    add(second, search_page("<p>640</p>"))
    assert calls == ["<p>640</p>"]
    assert second.entries == first.entries
    add(second, search_page("<p>1,600</p>"))  # another page text: parsed again
    search_cache.CACHE.code_digest = "code-2"  # another Material or jieba: parsed again
    add(second, search_page("<p>640</p>"))
    assert calls == ["<p>640</p>", "<p>1,600</p>", "<p>640</p>"]


def test_a_dirty_serve_writes_the_index_of_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from hooks import search_cache

    monkeypatch.setattr(search_cache, "CACHE", search_cache.SearchEntryCache())
    search_cache.CACHE.dirty = True
    search_cache.CACHE.by_url = {"": [{"location": ""}], "b/": [{"location": "b/"}], "gone/": [{"location": "gone/"}]}
    search_cache.CACHE.page_urls = ["", "b/"]
    plugin = SimpleNamespace(search_index=SimpleNamespace(entries=[{"location": "b/"}]), search_index_prev="old")
    search_cache.on_post_build(SimpleNamespace(plugins={"material/search": plugin}))
    assert plugin.search_index.entries == [{"location": ""}, {"location": "b/"}]  # build order, removed pages out
    assert plugin.search_index_prev is None


# ---- `mkdocs serve --dirty`: the HTML of pages whose inputs changed is deleted, so MkDocs builds them again ----


@dataclass
class DocFile:
    """A documentation page's File: its source URI and its HTML in the site."""

    src_uri: str
    abs_dest_path: str


class DocFiles(list):
    """MkDocs' Files, as DirtyServe reads it."""

    def documentation_pages(self) -> list[DocFile]:
        return list(self)


def test_a_dirty_serve_builds_again_exactly_the_pages_whose_inputs_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recording import Digests

    root = small_project(tmp_path / "project")
    site = tmp_path / "site"
    pages = [DocFile(uri, str(site / uri / "index.html")) for uri in ("index.md", "parameters.md", "experiments/x.py")]
    for page in pages:
        Path(page.abs_dest_path).parent.mkdir(parents=True, exist_ok=True)
        Path(page.abs_dest_path).write_text("<html>", encoding="utf-8")
    files = DocFiles(pages)
    config = {"config_file_path": str(root / "mkdocs.yml"), "docs_dir": str(root / "docs")}
    render_cache = ServeRenderCache()
    render_cache.enabled, render_cache.inputs, render_cache.digests = True, "inputs-1", Digests(root)
    monkeypatch.setattr(serve_cache, "SERVE_CACHE", render_cache)
    dirty = serve_cache.DirtyServe()
    dirty.enabled = True
    dirty.site_inputs = serve_cache.site_inputs_digest(root, config, "inputs-1")
    digests = Digests(root)
    dirty.reads = {
        "index.md": {"file:snippets/a.py": digests("file:snippets/a.py")},
        "experiments/x.py": {"file:data/d.txt": digests("file:data/d.txt")},
    }  # parameters.md warned last time: nothing recorded
    (root / "snippets" / "a.py").write_text("A = 2\n", encoding="utf-8")
    dirty.start_build(config, files)
    assert [Path(p.abs_dest_path).is_file() for p in pages] == [False, False, True]

    dirty.reads["experiments/x.py"] = {"file:data/d.txt": digests("file:data/d.txt")}
    (root / "mkdocs.yml").write_text("site_name: renamed\n", encoding="utf-8")  # in every page's navigation
    render_cache.digests = Digests(root)
    dirty.start_build(config, files)
    assert not Path(pages[2].abs_dest_path).is_file()
    assert (root / "docs" / "index.md").is_file()  # sources are never touched


def test_a_dirty_serve_drops_mkdocs_warning_that_dirty_builds_are_inaccurate(monkeypatch: pytest.MonkeyPatch) -> None:
    drop = serve_cache.DropDirtyWarning()
    assert not drop.filter(logging.makeLogRecord({"msg": serve_cache.DIRTY_WARNING + ", this will likely ..."}))
    assert drop.filter(logging.makeLogRecord({"msg": "Doc file 'a.md' contains a link 'b.md', but ..."}))


def test_a_folder_listing_ignores_what_builds_and_imports_add(tmp_path: Path) -> None:
    """__pycache__ (or site/) appearing while two builds run side by side must not make a recorded listing stale.

    The Chinese build waits for the English build's entries; in a fresh clone the English build's first import
    creates snippets/__pycache__, so a listing counting it differed between the two builds and never matched.
    """
    from recording import Digests

    (tmp_path / "kf").mkdir()
    (tmp_path / "kf" / "a.py").write_text("x = 1\n", encoding="utf-8")
    before = Digests(tmp_path)("folder:kf")
    (tmp_path / "kf" / "__pycache__").mkdir()
    assert Digests(tmp_path)("folder:kf") == before
    (tmp_path / "kf" / "b.py").write_text("y = 2\n", encoding="utf-8")  # a new module can change an import
    assert Digests(tmp_path)("folder:kf") != before
