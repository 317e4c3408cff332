"""The example app: synthesizes offline with placeholder accounts, the same from any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from syrupy.assertion import SnapshotAssertion

from app import build_app

from .cdk_harness import PROJECT_ROOT, cdk_json_context, new_app

# What a clone needs to synthesize the app (tests, docs and tooling are not part of it).
APP_SOURCES = ["app.py", "cdk.json", "lambda_image_constructs", "stacks"]


@pytest.fixture(scope="module")
def example_assembly() -> Any:
    app: App = build_app(new_app())
    return app.synth()


def test_example_app_writes_the_image_repository_stack(example_assembly: Any) -> None:
    names = [s.stack_name for s in example_assembly.stacks]
    assert names == ["LambdaImageRepository"]
    stack = example_assembly.get_stack_by_name("LambdaImageRepository")
    assert stack.environment.account == "111111111111"
    assert stack.environment.region == "us-east-1"


def test_example_stacks_snapshot(
    example_assembly: Any, template_snapshot: SnapshotAssertion
) -> None:
    for stack in example_assembly.stacks:
        assert stack.template == template_snapshot(name=stack.stack_name)


def synth_in_copy(destination: Path) -> dict[str, bytes]:
    for source in APP_SOURCES:
        path = PROJECT_ROOT / source
        if path.is_dir():
            shutil.copytree(
                path, destination / source, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(path, destination / source)
    outdir = destination / "cdk.out"
    # The CDK CLI runs app.py with exactly these two variables; no credentials are set.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(dict(cdk_json_context())),
        "PYTHONPATH": str(destination),
    }
    subprocess.run(
        [sys.executable, "app.py"],
        cwd=destination,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {p.name: p.read_bytes() for p in sorted(outdir.glob("*.template.json"))}


def test_templates_are_byte_identical_from_two_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "clone-one", tmp_path / "elsewhere" / "clone-two"
    first.mkdir()
    second.mkdir(parents=True)
    templates = synth_in_copy(first)
    assert templates, "no templates were written"
    assert synth_in_copy(second) == templates
