"""The .ipynb twins of the jupytext notebook pages, committed under notebooks/ so Colab can open them.

Colab opens only .ipynb files stored in a GitHub repository, and the experiment pages are jupytext
`.py` sources. This script writes `notebooks/<path>.ipynb` for each `docs/<path>.py` notebook page:
the same cells, no outputs, stable cell ids, and (when mkdocs.yml names a GitHub repository) one
extra first code cell that, on Colab only, clones the repository and works inside it, so the
notebook can `import kf` and read `data/`. The site's "Download the notebook" file is made by the
same function, so the download and the Colab notebook are the same file.

The Chinese edition's notebook pages (`docs_zh/<path>.py`, built by mkdocs.zh.yml) get their twins in
`notebooks/zh/<path>.ipynb` the same way; a twin marked `translation: pending` in its jupytext header is
shown in English on the Chinese site and has no Chinese .ipynb.

    python scripts/paired_notebooks.py          # rewrite notebooks/ from docs/ and docs_zh/
    python scripts/paired_notebooks.py --check  # exit 1, naming the stale files, if they differ
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRED_DIR = "notebooks"  # where the .ipynb twins live, relative to the project root
# Each edition: (its docs folder, where its .ipynb twins live), relative to the project root.
EDITIONS = (("docs", PAIRED_DIR), ("docs_zh", f"{PAIRED_DIR}/zh"))
COLAB_MARK = "# Open in Colab:"  # the first line of the injected cell

COLAB_CELL = """\
{mark} fetch the repository this notebook belongs to, and work inside it.
# Outside Colab this cell does nothing. Colab's own TensorFlow/Keras versions may differ from the
# site's pins (requirements.txt), so the last digits of some results may differ from the site.
import os
import subprocess
import sys

# To run a fork's copy, set KF_REPOSITORY (and KF_BRANCH) in the environment before this cell.
REPOSITORY = os.environ.get("KF_REPOSITORY", "{url}")
BRANCH = os.environ.get("KF_BRANCH", "{branch}")
if "google.colab" in sys.modules and not os.path.isdir("snippets/kf"):
    if not os.path.isdir("{name}"):
        subprocess.run(["git", "clone", "--depth", "1", "--branch", BRANCH, REPOSITORY, "{name}"], check=True)
    os.chdir("{name}")"""


class PairingError(ValueError):
    """A notebook page or the repository settings cannot be turned into a paired notebook."""


def github_repo(repo_url: str | None) -> tuple[str, str] | None:
    """(OWNER, REPO) from https://github.com/OWNER/REPO[.git][/], or None for no URL or another host."""
    found = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", (repo_url or "").strip())
    return (found.group(1), found.group(2)) if found else None


def branch_and_docs_path(edit_uri: str | None) -> tuple[str, str] | None:
    """('main', 'docs/') from an edit_uri like 'edit/main/docs/' or 'blob/main/docs/'; None if it has no branch."""
    found = re.fullmatch(r"/?(?:edit|blob)/([^/]+)/(.*)", (edit_uri or "").strip())
    if not found:
        return None
    docs_path = found.group(2).strip("/")
    return found.group(1), docs_path + "/" if docs_path else ""


def colab_cell_source(repo_url: str, branch: str) -> str:
    """The injected first code cell for a GitHub repository URL and branch."""
    repo = github_repo(repo_url)
    if repo is None:
        raise PairingError(f"repo_url {repo_url!r} is not https://github.com/OWNER/REPO")
    if not re.fullmatch(r"[\w./-]+", branch):
        raise PairingError(f"branch {branch!r} is not a plain git branch name")
    owner, name = repo
    url = f"https://github.com/{owner}/{name}"
    return COLAB_CELL.format(mark=COLAB_MARK, url=url, name=name, branch=branch)


def cell_id(index: int, source: str) -> str:
    """A stable nbformat cell id (jupytext makes random ones, which would change every build)."""
    return hashlib.sha256(f"{index}\n{source}".encode()).hexdigest()[:12]


def paired_notebook(source: Path, repo_url: str | None = None, branch: str | None = None) -> str:
    """The .ipynb text for a jupytext .py notebook: no outputs, stable ids, the Colab cell if a repo is given."""
    import jupytext
    from nbformat.v4 import new_code_cell

    try:
        notebook = jupytext.read(source)
    except (OSError, UnicodeDecodeError) as error:
        raise PairingError(f"{source}: cannot be read as a jupytext notebook: {error}") from error
    if github_repo(repo_url) and branch:
        first_code = next((i for i, c in enumerate(notebook.cells) if c.cell_type == "code"), len(notebook.cells))
        notebook.cells.insert(first_code, new_code_cell(colab_cell_source(repo_url, branch)))
    for index, cell in enumerate(notebook.cells):
        cell.id = cell_id(index, cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("jupytext", None)  # the pairing is this script's, not jupytext's
    return jupytext.writes(notebook, fmt="ipynb")


def read_mkdocs_yml(root: Path) -> dict:
    """mkdocs.yml as plain data (its !ENV and other tags read as None)."""
    import yaml

    class IgnoreTags(yaml.SafeLoader):
        """A loader that reads any !tag as None."""

    IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=IgnoreTags) or {}


def repository(config: dict) -> tuple[str | None, str | None]:
    """(repo_url, branch) from mkdocs.yml; (None, None) when it names no repository or no branch."""
    where = branch_and_docs_path(config.get("edit_uri"))
    return config.get("repo_url"), (where[0] if where else None)


def pages(root: Path, config: dict, docs: str = "docs") -> list[Path]:
    """The jupytext .py notebook pages under docs/ (or docs_zh/): those matching mkdocs-jupyter's include patterns."""
    plugins = [p for p in config.get("plugins", []) if isinstance(p, dict) and "mkdocs-jupyter" in p]
    patterns = (plugins[0]["mkdocs-jupyter"] or {}).get("include", []) if plugins else []
    return sorted({path for pattern in patterns for path in (root / docs).glob(pattern) if path.suffix == ".py"})


def translation_pending(page: Path) -> bool:
    """True if a jupytext page's header says `translation: pending` (the Chinese site shows the English page)."""
    import yaml

    found = re.match(r"# ---\n((?:#.*\n)*?)# ---\n", page.read_text(encoding="utf-8"))
    header = yaml.safe_load("\n".join(line[2:] for line in found.group(1).splitlines())) if found else None
    return isinstance(header, dict) and str(header.get("translation", "")).strip().lower() == "pending"


def edition_of(root: Path, page: Path) -> tuple[str, str]:
    """(docs folder, twins folder) of the edition a page belongs to."""
    for docs, paired in EDITIONS:
        if page.is_relative_to(root / docs):
            return docs, paired
    raise PairingError(f"{page} is in neither {' nor '.join(d for d, _ in EDITIONS)}")


def paired_path(root: Path, page: Path) -> Path:
    """notebooks/experiments/x.ipynb for docs/experiments/x.py; notebooks/zh/experiments/x.ipynb for docs_zh/..."""
    docs, paired = edition_of(root, page)
    return root / paired / page.relative_to(root / docs).with_suffix(".ipynb")


def expected(root: Path) -> dict[Path, str]:
    """Every paired notebook path, in both editions, and the text it should hold."""
    config = read_mkdocs_yml(root)
    repo_url, branch = repository(config)
    found = [page for docs, _ in EDITIONS for page in pages(root, config, docs)]
    return {
        paired_path(root, page): paired_notebook(page, repo_url, branch)
        for page in found
        if not translation_pending(page)
    }


def committed(root: Path) -> list[Path]:
    """The .ipynb files now in notebooks/ (Jupyter's checkpoint copies left out)."""
    return sorted(p for p in (root / PAIRED_DIR).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def stale(root: Path) -> list[str]:
    """Problems with notebooks/: missing, different or orphaned files, relative to root."""
    wanted = expected(root)
    problems = []
    for path, text in wanted.items():
        name = path.relative_to(root)
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: differs from {paired_source_name(root, path)}")
    for path in committed(root):
        if path not in wanted:
            problems.append(f"{path.relative_to(root)}: has no page in {source_folder(root, path)}/ (delete it)")
    return problems


def source_folder(root: Path, path: Path) -> str:
    """docs for notebooks/..., docs_zh for notebooks/zh/...: the folder a twin's page lives in."""
    for docs, paired in sorted(EDITIONS, key=lambda e: len(e[1]), reverse=True):
        if path.is_relative_to(root / paired):
            return docs
    return "docs"


def paired_source_name(root: Path, path: Path) -> str:
    """docs/experiments/x.py for notebooks/experiments/x.ipynb, docs_zh/experiments/x.py for notebooks/zh/..."""
    docs = source_folder(root, path)
    paired = dict(EDITIONS)[docs]
    return f"{docs}/{path.relative_to(root / paired).with_suffix('.py').as_posix()}"


def write(root: Path) -> list[Path]:
    """Rewrite notebooks/ from docs/ and docs_zh/; return the files that changed."""
    changed = []
    wanted = expected(root)
    for path, text in wanted.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in committed(root):
        if path not in wanted:
            path.unlink()
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Write or check notebooks/."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if there are any")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project root (default: this checkout)")
    args = parser.parse_args(argv)
    if not (args.root / "mkdocs.yml").is_file():
        parser.error(f"{args.root} has no mkdocs.yml")
    try:
        if args.check:
            problems = stale(args.root)
            for problem in problems:
                print(f"{problem}; run: python scripts/paired_notebooks.py", file=sys.stderr)
            return 1 if problems else 0
        for path in write(args.root):
            print(f"wrote {path.relative_to(args.root)}" if path.exists() else f"deleted {path.relative_to(args.root)}")
    except PairingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
