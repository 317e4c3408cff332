"""The built wheel, installed as a user installs it, in a new virtual environment outside the
repository with aws-cdk-lib (and every other dependency) at the lowest version pyproject.toml
allows, never the pinned one: a user app that imports only the installed package synthesizes.

The first run creates the environment (about a minute, from PyPI through pip's cache); it is kept
in build/wheel-check/ under a key of the wheel's dependencies and the Python version, so later
runs only reinstall the wheel.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from .cdk_harness import PROJECT_ROOT

CACHE = PROJECT_ROOT / "build" / "wheel-check"
PINNED = {
    name.lower(): version
    for name, _, version in (
        line.partition("==")
        for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
}


def lowest_allowed(requirements: list[str]) -> list[str]:
    """``name==<lower bound>`` for each requirement, the oldest set a user may install."""
    floors = []
    for text in requirements:
        requirement = Requirement(text)
        (bound,) = [s.version for s in requirement.specifier if s.operator == ">="]
        floors.append(f"{requirement.name}=={bound}")
    return floors


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy of what the wheel is made of, so nothing of the checkout (build/,
    # egg-info, caches) can leak into it.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    shutil.copytree(
        PROJECT_ROOT / "lambda_image_constructs",
        source / "lambda_image_constructs",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source, cwd=dist)
    (built,) = dist.glob("lambda_image_constructs-*.whl")
    return built


def wheel_metadata(wheel: Path) -> tuple[list[str], set[str]]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    requires = sorted(line.split(": ", 1)[1] for line in lines if line.startswith("Requires-Dist:"))
    return requires, names


@pytest.fixture(scope="module")
def venv(wheel: Path) -> Path:
    requires, _ = wheel_metadata(wheel)
    floors = lowest_allowed(requires)
    key = hashlib.sha256(json.dumps([floors, sys.version]).encode()).hexdigest()[:16]
    venv = CACHE / f"venv-{key}"
    if not (venv / ".complete").exists():
        for stale in CACHE.glob("venv-*"):  # of other dependency sets: never used again
            shutil.rmtree(stale, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        run(sys.executable, "-m", "venv", venv, cwd=venv.parent)
        run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", *floors, cwd=venv.parent)
        (venv / ".complete").write_text("\n".join(floors) + "\n")
    # The wheel itself every time, with the dependencies as they are (the floors).
    run(
        venv / "bin" / "python",
        *("-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", wheel),
        cwd=venv.parent,
    )
    return venv


USER_APP = '''
import importlib.metadata
import json

from aws_cdk import App, Environment, Stack, Stage
from constructs import Construct

import lambda_image_constructs
from lambda_image_constructs import LambdaImageRepository
from lambda_image_constructs.compliance import register_compliance_packs
from lambda_image_constructs.org import ConsumerAccountStage, ImageAccountStage, load_from_context


class Tooling(Stage):
    """A stage of the user's own, holding a construct of the library directly."""

    def __init__(self, scope: Construct, id: str) -> None:
        env = Environment(account="111111111111", region="us-east-1")
        super().__init__(scope, id, env=env)
        stack = Stack(self, "BuildImages", env=env)
        LambdaImageRepository(
            stack, "Builds", repository_name="tooling/builds", consumer_accounts=["222222222222"]
        )


app = App(outdir="cdk.out")
register_compliance_packs(app)
config = load_from_context({"config": "org.yaml"}.get)
images = ImageAccountStage(app, "ImageAccount", config=config)
for consumer in config.consumer_accounts:
    ConsumerAccountStage(app, f"Consumer-{consumer.name}", consumer=consumer, images=images.images)
Tooling(app, "Tooling")
app.synth()
print(json.dumps({
    "package": lambda_image_constructs.__file__,
    "version": lambda_image_constructs.__version__,
    "aws-cdk-lib": importlib.metadata.version("aws-cdk-lib"),
}))
'''

ORG_YAML = """\
imageAccount: {account: "111111111111", region: us-east-1}
repositories: [{name: platform/lambda-images, consumers: [payments]}]
images:
  - {name: api, repository: platform/lambda-images, directory: image, architecture: arm64}
consumerAccounts:
  - name: payments
    account: "222222222222"
    functions: [{name: api, image: api, command: [app.handler]}]
"""


def test_the_wheel_holds_the_package_and_ranges_not_pins(wheel: Path) -> None:
    requires, names = wheel_metadata(wheel)
    assert {f"lambda_image_constructs/org/config/{m}.py" for m in ("models", "parsing")} <= names
    assert not any(n.startswith(("stacks/", "tests/", "app.py")) for n in names)
    assert not any("==" in r for r in requires), requires


def test_a_user_app_synthesizes_with_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    # GIVEN a user's project outside the repository: an image folder, a configuration, an app
    project = tmp_path / "user-project"
    shutil.copytree(PROJECT_ROOT / "samples" / "python-aws-base", project / "image")
    (project / "org.yaml").write_text(ORG_YAML)
    (project / "app.py").write_text(textwrap.dedent(USER_APP))
    env = {
        "PATH": os.pathsep.join(
            [str(PROJECT_ROOT / "node_modules" / ".bin"), str(venv / "bin"), "/usr/bin", "/bin"]
        ),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "CDK_DISABLE_VERSION_CHECK": "true",
    }
    # WHEN it runs isolated (-I: no PYTHONPATH, no user site, not the script's folder first)
    output = run(venv / "bin" / "python", "-I", "app.py", cwd=project, env=env)
    # THEN the library came from the virtual environment, with the oldest aws-cdk-lib allowed
    facts: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    assert Path(facts["package"]).is_relative_to(venv)
    assert not Path(facts["package"]).is_relative_to(PROJECT_ROOT / "lambda_image_constructs")
    floor = lowest_allowed([r for r in wheel_metadata_of(venv) if r.startswith("aws-cdk-lib")])
    assert f"aws-cdk-lib=={facts['aws-cdk-lib']}" == floor[0]
    assert facts["aws-cdk-lib"] != PINNED["aws-cdk-lib"]
    assert (
        facts["version"]
        == tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    )
    # AND every stack was written, the function running the image account's image
    templates = {
        p.relative_to(project / "cdk.out").as_posix(): json.loads(p.read_text())
        for p in (project / "cdk.out").rglob("*.template.json")
    }
    types = {
        name: sorted({r["Type"] for r in t.get("Resources", {}).values()})
        for name, t in templates.items()
    }
    functions = next(t for n, t in types.items() if n.startswith("assembly-Consumer-payments/"))
    assert "AWS::Lambda::Function" in functions
    tooling = next(t for n, t in types.items() if n.startswith("assembly-Tooling/"))
    assert tooling == ["AWS::ECR::Repository"]
    assert len(templates) == 4  # Repositories, Images-..., Functions, BuildImages


def wheel_metadata_of(venv: Path) -> list[str]:
    (metadata,) = venv.glob(
        "lib/python*/site-packages/lambda_image_constructs-*.dist-info/METADATA"
    )
    return [
        line.split(": ", 1)[1]
        for line in metadata.read_text().splitlines()
        if line.startswith("Requires-Dist:")
    ]
