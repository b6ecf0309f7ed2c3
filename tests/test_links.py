"""Repository links: one repo_url/edit_uri in mkdocs.yml, edit links, notebook download/Colab links, no API fetch."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

from conftest import ROOT, copy_project
from hooks.notebooks import (
    branch_and_docs_path,
    colab_url,
    github_repo,
    notebook_links,
    on_page_content,
    on_post_page,
)

REPO = "https://github.com/kernels-and-filters/kernels-and-filters"
WITH_REPO = {"repo_url": REPO, "edit_uri": "edit/main/docs/"}
WITHOUT_REPO = {"repo_url": None, "edit_uri": None}
COLAB = "https://colab.research.google.com/github/kernels-and-filters/kernels-and-filters/blob/main/docs/experiments/mnist.ipynb"


def fake_page(src_uri: str, docs: Path | None = None, site: Path | None = None) -> SimpleNamespace:
    """The parts of a MkDocs page the hooks read."""
    file = SimpleNamespace(
        src_uri=src_uri,
        abs_src_path=str(docs / src_uri) if docs else None,
        abs_dest_path=str(site / src_uri.rsplit(".", 1)[0] / "index.html") if site else None,
    )
    return SimpleNamespace(file=file, url=src_uri.rsplit(".", 1)[0] + "/")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (REPO, ("kernels-and-filters", "kernels-and-filters")),
        (REPO + "/", ("kernels-and-filters", "kernels-and-filters")),
        (REPO + ".git", ("kernels-and-filters", "kernels-and-filters")),
        ("https://gitlab.com/a/b", None),
        ("", None),
        (None, None),
    ],
)
def test_github_repo(url: str | None, expected: tuple[str, str] | None) -> None:
    assert github_repo(url) == expected


def test_branch_and_docs_path() -> None:
    assert branch_and_docs_path("edit/main/docs/") == ("main", "docs/")
    assert branch_and_docs_path("blob/dev/site/docs") == ("dev", "site/docs/")
    assert branch_and_docs_path("edit/main/") == ("main", "")
    assert branch_and_docs_path(None) is None
    assert branch_and_docs_path("docs/") is None


def test_notebook_page_gets_download_and_colab_links() -> None:
    links = notebook_links(fake_page("experiments/mnist.ipynb"), WITH_REPO)
    assert '<a class="md-button" href="mnist.ipynb" download>Download the notebook (mnist.ipynb)</a>' in links
    assert f'<a class="md-button" href="{COLAB}">Open in Colab</a>' in links
    assert colab_url(WITH_REPO, "experiments/mnist.ipynb") == COLAB


def test_without_repo_url_there_is_no_colab_link_and_no_placeholder() -> None:
    links = notebook_links(fake_page("experiments/mnist.ipynb"), WITHOUT_REPO)
    assert "download" in links
    assert "Colab" not in links
    assert "github" not in links.lower()
    assert "None" not in links


def test_a_jupytext_source_opens_its_committed_twin_in_colab() -> None:
    config = {**WITH_REPO, "config_file_path": str(ROOT / "mkdocs.yml")}
    links = notebook_links(fake_page("experiments/training.py"), config)
    assert 'href="training.ipynb" download>Download the notebook (training.ipynb)' in links
    twin = "https://colab.research.google.com/github/kernels-and-filters/kernels-and-filters/blob/main/notebooks/experiments/training.ipynb"
    assert f'<a class="md-button" href="{twin}">Open in Colab</a>' in links
    assert (ROOT / "notebooks" / "experiments" / "training.ipynb").is_file()


def test_a_jupytext_source_without_a_twin_gets_no_colab_link(tmp_path: Path) -> None:
    config = {**WITH_REPO, "config_file_path": str(tmp_path / "mkdocs.yml")}  # a project with no notebooks/
    links = notebook_links(fake_page("experiments/training.py"), config)
    assert "download" in links
    assert "Colab" not in links  # Colab opens only .ipynb files stored in the repository


def test_markdown_pages_are_left_alone() -> None:
    html = "<h1>Title</h1><p>Body</p>"
    assert notebook_links(fake_page("index.md"), WITH_REPO) == ""
    assert on_page_content(html, fake_page("index.md"), WITH_REPO, files=None) == html


def test_links_go_under_the_title_or_first(tmp_path: Path) -> None:
    page = fake_page("experiments/mnist.ipynb")
    config = {**WITH_REPO, "site_dir": str(tmp_path)}
    with_title = on_page_content("<h1>MNIST</h1><p>Body</p>", page, config, files=None)
    assert with_title.startswith('<h1>MNIST</h1><p class="kf-notebook-links">')
    assert with_title.endswith("<p>Body</p>")
    assert on_page_content("<p>Body</p>", page, config, files=None).startswith('<p class="kf-notebook-links">')


def test_the_notebook_is_copied_next_to_its_page_in_the_site_only(tmp_path: Path) -> None:
    docs, site = tmp_path / "docs", tmp_path / "site"
    (docs / "experiments").mkdir(parents=True)
    (docs / "experiments" / "mnist.ipynb").write_text('{"cells": []}', encoding="utf-8")
    page = fake_page("experiments/mnist.ipynb", docs, site)
    assert on_post_page("<html></html>", page, WITH_REPO) == "<html></html>"
    assert (site / "experiments" / "mnist" / "mnist.ipynb").read_text(encoding="utf-8") == '{"cells": []}'
    assert sorted(p.name for p in docs.rglob("*")) == ["experiments", "mnist.ipynb"]


def test_a_jupytext_page_downloads_the_same_notebook_colab_opens(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = fake_page("experiments/training.py", ROOT / "docs", site)
    on_post_page("<html></html>", page, WITH_REPO)
    downloaded = (site / "experiments" / "training" / "training.ipynb").read_text(encoding="utf-8")
    assert downloaded == (ROOT / "notebooks" / "experiments" / "training.ipynb").read_text(encoding="utf-8")


@pytest.mark.parametrize("with_repo", [True, False])
def test_edit_link_follows_repo_url(with_repo: bool, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    config_path = project / "mkdocs.yml"
    if not with_repo:  # the site as a fork might configure it: no repository named anywhere
        lines = config_path.read_text(encoding="utf-8").splitlines(keepends=True)
        config_path.write_text("".join(x for x in lines if not x.startswith(("repo_url:", "edit_uri:"))))
    config = load_config(str(config_path), site_dir=str(tmp_path / "site"))
    file = File("experiments/mnist.ipynb", config.docs_dir, config.site_dir, config.use_directory_urls)
    page = Page("MNIST", file, config)
    if with_repo:
        assert page.edit_url == REPO + "/edit/main/docs/experiments/mnist.ipynb"
    else:
        assert config.repo_url is None
        assert page.edit_url is None
        links = notebook_links(page, config)
        assert links.startswith('<p class="kf-notebook-links"><a class="md-button" href="mnist.ipynb" download>')
        assert "Colab" not in links


def test_repo_is_named_once_in_mkdocs_yml() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert config.repo_url == REPO
    assert config.edit_uri == "edit/main/docs/"
    assert "content.action.edit" in config.theme["features"]
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert text.count("github.com/") == 1
    assert "repo_name" not in text  # derived from repo_url


def test_source_partial_has_no_github_api_component() -> None:
    partial = (ROOT / "overrides" / "partials" / "source.html").read_text(encoding="utf-8")
    assert 'class="md-source"' in partial
    assert 'data-md-component="source"' not in partial


@pytest.mark.slow
def test_built_pages_link_the_repo_and_edit_without_the_api_component(built_site: Path) -> None:
    for html_path in sorted(built_site.rglob("*.html")):
        html = html_path.read_text(encoding="utf-8")
        assert 'data-md-component="source"' not in html, html_path.name
        assert "api.github.com" not in html, html_path.name
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{REPO}" title="Go to repository" class="md-source">' in home
    assert f'href="{REPO}/edit/main/docs/index.md"' in home
