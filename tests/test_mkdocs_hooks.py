"""scripts/mkdocs_hooks.py: notebook pages share nbconvert's large theme CSS instead of inlining it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mkdocs_hooks import SHARED_STYLE_DIR, SHARED_STYLE_MIN_BYTES, share_large_styles

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


@pytest.mark.slow
def test_built_notebook_pages_link_one_shared_stylesheet(built_site: Path) -> None:
    hrefs = set()
    for name in ("training", "filters", "erf", "scenarios"):
        html = (built_site / "experiments" / name / "index.html").read_text(encoding="utf-8")
        inline = [len(css.encode()) for css in re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.S)]
        assert max(inline) < SHARED_STYLE_MIN_BYTES, f"{name}: a large <style> block is still inline"
        found = re.findall(rf'<link rel="stylesheet" href="(\.\./\.\./{SHARED_STYLE_DIR}/[0-9a-f]+\.css)">', html)
        assert found, f"{name}: no shared notebook stylesheet"
        hrefs.update(found)
    assert len(hrefs) == 1, hrefs
    css = (built_site / "experiments" / "training" / hrefs.pop()).resolve()
    assert css.stat().st_size > SHARED_STYLE_MIN_BYTES
    assert ".jupyter-wrapper" in css.read_text(encoding="utf-8")
