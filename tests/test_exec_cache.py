"""scripts/hooks/exec_cache.py: each change re-runs exactly the executed blocks that depend on it, and nothing else.

A small project (no TensorFlow, the default theme) with the site's hooks: page a's session imports
kf.alpha (which imports kf.beta inside a function) and reads data/d.txt in its third block; page b's
session imports kf.gamma. The hooks log, at debug level, every block they run ("running") and every
earlier block they replay to restore a session's state ("replaying"); only "running" blocks produce
new output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

HOOKS = ("paths", "execution", "errors", "serve_cache", "exec_cache")
CONFIG = """site_name: exec cache test
docs_dir: {docs}
theme: mkdocs
plugins: [markdown-exec]
markdown_extensions: [pymdownx.superfences]
hooks:
{hooks}
"""
PAGE_A = """# A

```python exec="on" session="a"
from kf import alpha
value = alpha.value()
```

```python exec="on" session="a" source="tabbed-right" tabs="Code|Output" title="{title}"
print(f"value {{value}}")
```

```python exec="on" session="a"
from pathlib import Path
print(Path("data/d.txt").read_text(encoding="utf-8"))
```
"""
PAGE_B = """# B

```python exec="on" session="b"
from kf import gamma
print(gamma.NAME)
```

```python exec="on" session="b"
print("b2")
```
"""
KF = {
    "__init__.py": '"""kf for the test."""\n',
    "alpha.py": '"""Alpha."""\n\n\ndef value():\n    """Beta\'s number plus one."""\n    from kf import beta\n\n    return beta.NUMBER + 1\n',
    "beta.py": '"""Beta."""\n\nNUMBER = 41\n',
    "gamma.py": '"""Gamma."""\n\nNAME = "gamma"\n',
}
RAN = re.compile(r"kf: running block (\d+) of session '(\w+)'")
REPLAYED = re.compile(r"kf: replaying block (\d+) of session '(\w+)'")


def make_project(root: Path) -> Path:
    """The small project: two pages, a kf package of three modules, one data file, the hooks."""
    shutil.copytree(
        ROOT / "scripts" / "hooks", root / "scripts" / "hooks", ignore=shutil.ignore_patterns("__pycache__")
    )
    hooks = "\n".join(f"  - scripts/hooks/{name}.py" for name in HOOKS)
    (root / "mkdocs.yml").write_text(CONFIG.format(docs="docs", hooks=hooks), encoding="utf-8")
    (root / "mkdocs.twin.yml").write_text(CONFIG.format(docs="docs_twin", hooks=hooks), encoding="utf-8")
    for docs, title in (("docs", "a2"), ("docs_twin", "другой заголовок")):  # the twin: other titles only
        (root / docs).mkdir()
        (root / docs / "index.md").write_text("# Home\n", encoding="utf-8")
        (root / docs / "a.md").write_text(PAGE_A.format(title=title), encoding="utf-8")
        (root / docs / "b.md").write_text(PAGE_B, encoding="utf-8")
    (root / "snippets" / "kf").mkdir(parents=True)
    for name, text in KF.items():
        (root / "snippets" / "kf" / name).write_text(text, encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "d.txt").write_text("data one\n", encoding="utf-8")
    return root


def build(project: Path, config: str = "mkdocs.yml", **env: str) -> tuple[set[str], set[str], str]:
    """Build strictly; the blocks run (as 'a2', 'b1', ...), the blocks replayed, and the log. Fails on error."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KF_")}
    environ.update(KF_CACHE_DIR=str(project / "cache"), **env)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--verbose", "-f", config, "-d", "site"],
        cwd=project,
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    ran = {f"{session}{n}" for n, session in RAN.findall(log)}
    replayed = {f"{session}{n}" for n, session in REPLAYED.findall(log)}
    return ran, replayed, log


def page_text(project: Path, name: str) -> str:
    """The built HTML of page name."""
    return (project / "site" / name / "index.html").read_text(encoding="utf-8")


def twin_build(project: Path, timeout: int = 300, **settings: str) -> subprocess.CompletedProcess[str]:
    """A strict build of the twin pages with the project's cache, the given KF_* settings and no others."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KF_")}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.twin.yml", "-d", "site"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**environ, "KF_CACHE_DIR": str(project / "cache"), **settings},
        timeout=timeout,
    )


@pytest.fixture
def cached_project(tmp_path: Path) -> Path:
    """The small project after a cold build (every block ran) and a warm one (none ran)."""
    project = make_project(tmp_path)
    ran, _, _ = build(project)
    assert ran == {"a1", "a2", "a3", "b1", "b2"}
    assert build(project)[:2] == (set(), set())
    return project


def edit(path: Path, old: str, new: str) -> None:
    """Replace old (which must be there) by new in the file at path."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_editing_a_block_reruns_it_and_the_later_blocks_of_its_session_only(cached_project: Path) -> None:
    edit(cached_project / "docs" / "a.md", 'print(f"value {value}")', 'print(f"value = {value}")')
    ran, replayed, _ = build(cached_project)
    assert ran == {"a2", "a3"}  # a3 follows a2 in the session: its key holds a2's code
    assert replayed == {"a1"}  # a2 needs the `value` a1 set: a1 ran again, its output was not used
    assert "value = 42" in page_text(cached_project, "a")


def test_editing_a_kf_module_reruns_the_sessions_that_imported_it_only(cached_project: Path) -> None:
    edit(cached_project / "snippets" / "kf" / "gamma.py", '"gamma"', '"gamma two"')
    ran, _, _ = build(cached_project)
    assert ran == {"b1", "b2"}
    assert "gamma two" in page_text(cached_project, "b")


def test_a_module_imported_inside_a_function_is_a_dependency_too(cached_project: Path) -> None:
    edit(cached_project / "snippets" / "kf" / "beta.py", "NUMBER = 41", "NUMBER = 99")
    ran, _, _ = build(cached_project)
    assert ran == {"a1", "a2", "a3"}
    assert "value 100" in page_text(cached_project, "a")


def test_editing_the_data_reruns_the_blocks_that_read_it_only(cached_project: Path) -> None:
    (cached_project / "data" / "d.txt").write_text("data two\n", encoding="utf-8")
    ran, replayed, _ = build(cached_project)
    assert ran == {"a3"}
    assert replayed == {"a1", "a2"}
    assert "data two" in page_text(cached_project, "a")


def test_a_kf_setting_reruns_every_block_but_the_language_reruns_none(cached_project: Path) -> None:
    assert build(cached_project, KF_LANG="zh")[0] == set()
    assert build(cached_project, KF_SOMETHING="1")[0] == {"a1", "a2", "a3", "b1", "b2"}
    assert build(cached_project, KF_SOMETHING="1")[0] == set()


def test_a_twin_page_with_other_titles_reuses_the_outputs_without_running(cached_project: Path) -> None:
    ran, replayed, _ = build(cached_project, "mkdocs.twin.yml", KF_LANG="zh", KF_CACHE_REQUIRE="1")
    assert ran == replayed == set()
    assert "value 42" in page_text(cached_project, "a")
    assert "другой заголовок" in page_text(cached_project, "a")


def test_a_required_miss_fails_naming_the_page_block_line_and_change(cached_project: Path) -> None:
    edit(cached_project / "docs_twin" / "a.md", 'print(f"value {value}")', 'print(f"value: {value}")')
    done = twin_build(cached_project, KF_CACHE_REQUIRE="1")
    assert done.returncode != 0
    assert "docs_twin/a.md, line 9" in done.stderr  # the block's first line in the page
    assert "the code of this block (a) changed" in done.stderr


def test_the_cache_can_be_turned_off(cached_project: Path) -> None:
    assert build(cached_project, KF_CACHE="0")[0] == set()  # nothing is looked up, so nothing is logged as run
    assert "value 42" in page_text(cached_project, "a")
    assert "reused from" not in build(cached_project, KF_CACHE="0")[2]


def test_a_relative_cache_dir_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KF_")}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**environ, "KF_CACHE_DIR": "relative/cache"},
        timeout=300,
    )
    assert done.returncode != 0
    assert "KF_CACHE_DIR must be an absolute path" in done.stderr


def test_an_error_in_a_block_written_in_the_page_names_the_page_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "docs" / "c.md").write_text(
        '---\ntitle: C\n---\n# C\n\n```python exec="on" session="c"\nx = 1\nraise ValueError("boom")\n```\n',
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KF_")}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**environ, "KF_CACHE_DIR": str(project / "cache")},
        timeout=300,
    )
    assert done.returncode != 0
    assert "docs/c.md, line 8: markdown_exec: Execution of python code block exited with errors" in done.stderr


def test_a_required_build_waits_for_the_entries_a_build_beside_it_writes(tmp_path: Path) -> None:
    """scripts/build_site.py's Chinese build: KF_CACHE_WAIT while KF_CACHE_WRITER_PID runs; it executes nothing."""
    project = make_project(tmp_path)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KF_")}
    environ["KF_CACHE_DIR"] = str(project / "cache")
    english = f"sleep 2 && exec {sys.executable} -m mkdocs build --strict -q -d site_en"  # starts after the twin
    writer = subprocess.Popen(["sh", "-c", english], cwd=project, env=environ)
    try:
        ran, replayed, _ = build(
            project, "mkdocs.twin.yml", KF_CACHE_REQUIRE="1", KF_CACHE_WAIT="240", KF_CACHE_WRITER_PID=str(writer.pid)
        )
    finally:
        assert writer.wait(timeout=300) == 0
    assert (ran, replayed) == (set(), set())
    assert "value 42" in page_text(project, "a")


def test_a_required_build_without_a_writer_fails_at_once(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    # KF_CACHE_WAIT is spent only while a writer runs: none is named here, so this must fail well within 120 s
    done = twin_build(project, timeout=120, KF_CACHE_REQUIRE="1", KF_CACHE_WAIT="600")
    assert done.returncode != 0
    assert "this code never ran with the execution cache on" in done.stderr


def test_the_wait_settings_are_not_part_of_any_key() -> None:
    from hooks.exec_cache import kf_settings

    settings = {"KF_DATA": "subset", "KF_CACHE_WAIT": "60", "KF_CACHE_WRITER_PID": "4242"}
    assert kf_settings(settings) == {"KF_DATA": "subset"}
