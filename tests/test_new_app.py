"""``lambda-images init``: what a new app holds. That it synthesizes is tested twice: its app.py
is the README's first code example, run in a new app by tests/test_docs_snippets.py, and
tests/test_wheel.py runs ``lambda-images init`` and ``cdk synth`` from the installed wheel."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from lambda_image_constructs.local.cli import main as lambda_images
from lambda_image_constructs.new_app import TEMPLATE, create, recommended_feature_flags

from .cdk_harness import PROJECT_ROOT, cdk_json_context

FILES = [
    ".gitignore",
    "app.py",
    "cdk.json",
    "image/Dockerfile",
    "image/app.py",
    "platform.yaml",
    "requirements.txt",
]


@pytest.fixture(scope="module")
def flags() -> dict[str, object]:
    return recommended_feature_flags()


def test_the_recommended_flags_are_aws_cdk_libs_and_this_repository_runs_with_them(
    flags: dict[str, object],
) -> None:
    # GIVEN the flags read from the installed aws-cdk-lib's recommended-feature-flags.json
    # THEN they are the ones cdk init writes (a few well-known ones), and cdk.json holds them all
    assert flags["@aws-cdk/core:validateAgainstDefaultRules"] is True
    assert flags["@aws-cdk/aws-iam:minimizePolicies"] is True
    project_flags = {k: v for k, v in cdk_json_context().items() if k.startswith("@")}
    assert project_flags == flags


def test_init_writes_a_new_app_with_current_flags_and_installed_pins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: dict[str, object]
) -> None:
    # WHEN lambda-images init runs into a new folder
    assert lambda_images(["init", str(tmp_path / "my-platform")]) == 0
    app = tmp_path / "my-platform"
    # THEN it wrote every file, said so, and named the next step
    written = sorted(p.relative_to(app).as_posix() for p in app.rglob("*") if p.is_file())
    assert written == FILES
    out = capsys.readouterr().out
    assert f"cd {app} && cdk synth" in out
    # AND cdk.json runs app.py with the flags of the installed aws-cdk-lib, nothing else
    cdk_json = json.loads((app / "cdk.json").read_text())
    assert cdk_json["app"] == "python3 app.py"
    assert cdk_json["context"] == flags
    # AND requirements.txt pins what is installed, so the app synthesizes as it did here
    pins = (app / "requirements.txt").read_text().split()
    assert f"aws-cdk-lib=={version('aws-cdk-lib')}" in pins
    assert f"lambda-image-constructs=={version('lambda-image-constructs')}" in pins
    # AND the image builds the handler platform.yaml's function names
    assert 'CMD ["app.handler"]' in (app / "image" / "Dockerfile").read_text()
    assert "command: [app.handler]" in (app / "platform.yaml").read_text()
    assert "cdk.out/" in (app / ".gitignore").read_text().splitlines()


def test_init_into_the_current_folder_when_it_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert lambda_images(["init"]) == 0
    assert (tmp_path / "platform.yaml").is_file()
    # A second init refuses: it never overwrites a file.
    assert lambda_images(["init"]) == 2


def test_the_readmes_first_code_example_is_the_app_init_writes() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    first = re.search(r"^```python\n(.*?)^```$", readme, re.S | re.M)
    assert first is not None
    assert first[1] == (TEMPLATE / "app.py").read_text()
    first_steps = readme[readme.index("## First steps") :]
    assert first_steps.index("lambda-images init my-platform") < first_steps.index("```python")


def test_the_template_ships_in_the_wheel_as_package_data() -> None:
    # Every template file matches a package-data pattern (tests/test_wheel.py checks the wheel).
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["lambda_image_constructs"]
    package = PROJECT_ROOT / "lambda_image_constructs"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    template = {p for p in TEMPLATE.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert template and template <= shipped, template - shipped
    assert {p.name for p in template} >= {"gitignore", "app.py", "cdk.json", "Dockerfile"}
    # The new app's own files name no file of this repository.
    assert "samples/" not in (TEMPLATE / "platform.yaml").read_text()


def test_create_returns_what_it_wrote(tmp_path: Path) -> None:
    assert create(tmp_path / "app") == FILES
