"""What CI and a release rely on: the hosted CI workflow runs ``make test``, which runs the
API reference's strict build (``make check``); the reference covers every module once and
fails on any warning pdoc gives. (The release check, ``python -m build`` and ``twine check``,
is in tests/test_wheel.py, on the one build it installs.)"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from .cdk_harness import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from api_reference import PACKAGE, build, modules_of


def make_prerequisites(target: str) -> list[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    line = re.search(rf"^{target}:(.*)$", makefile, re.M)
    assert line is not None, target
    return line[1].split()


def test_the_hosted_ci_workflow_runs_make_test() -> None:
    workflow = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = [step["run"] for step in steps if "run" in step]
    assert any(run.split()[-2:] == ["make", "test"] for run in runs), runs
    assert workflow["permissions"] == {"contents": "read"}


def test_make_test_runs_check_which_builds_the_api_reference() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "lint typecheck unit check" in makefile
    assert "api-reference" in make_prerequisites("check")
    assert "scripts/api_reference.py" in makefile


def test_the_reference_names_every_module_once() -> None:
    modules = modules_of(PACKAGE)
    # The package lists its public names in __all__, so pdoc is given its modules by name;
    # a subpackage without __all__ (local) brings its own.
    assert "lambda_image_constructs.new_app" in modules
    assert "lambda_image_constructs.local" in modules
    assert "lambda_image_constructs.local.cli" not in modules
    # nag.rules lists each rule function in __all__, named as its module: pdoc adds those.
    assert "lambda_image_constructs.nag.rules" in modules
    assert "lambda_image_constructs.nag.rules.repository_retained" not in modules
    assert len(modules) == len(set(modules))


def test_a_page_is_rendered_from_the_docstrings(tmp_path: Path) -> None:
    assert build(tmp_path, ["lambda_image_constructs.user_app"]) == []
    page = (tmp_path / "lambda_image_constructs" / "user_app.html").read_text()
    assert "our message alone" in page
    assert 'id="run"' in page  # the function, with its own anchor


def test_any_warning_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a module whose annotation names nothing that exists
    (tmp_path / "broken_docs.py").write_text(
        textwrap.dedent(
            '''
            """A module."""


            def f(x: "NoSuchType") -> None:
                """Takes a NoSuchType."""
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # WHEN its reference is built THEN pdoc's warning is a problem of the build
    problems = build(tmp_path / "out", ["broken_docs"])
    assert problems and "NoSuchType" in problems[0], problems
