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
