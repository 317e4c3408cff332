"""AWS SAM CLI runs an ImageFunction of a synthesized app: ``sam build`` finds the function's
Dockerfile through CDK's asset metadata, ``sam local invoke`` runs it (issue 22).

SAM talks to a Docker API: here Podman's (``podman system service``) on a socket of the test's
own, with lambda-images' engine configuration (its ulimits: without them a container fails
with "error setting rlimits"), so the image builds on the tests' debootstrap base image with
no network. AWS keys are kept out of the environment (with any, each invoke waits on STS).

Skipped, saying why, where SAM CLI (``make sam-env``; ``$LAMBDA_IMAGES_SAM``) or a container
engine is missing.

The template is used as synthesized: the function carries CDK's asset metadata itself
(``aws:asset:path`` and the rest), pointing at the build context that aws-cdk-lib staged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from app import build_app
from lambda_image_constructs.local.engine import Engine

from .cdk_harness import PROJECT_ROOT, cdk_json_context, register_compliance_packs
from .test_local_images import PLATFORM_TAG, SAMPLE, STATE, functions_config, usable_engine

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from local_base_image import BaseImageUnavailable, download_wheels, ensure_base_image

ASSET_METADATA = ("aws:asset:path", "aws:asset:property", "aws:asset:dockerfile-path")


def sam_cli() -> str:
    given = os.environ.get("LAMBDA_IMAGES_SAM") or str(PROJECT_ROOT / ".venv-sam" / "bin" / "sam")
    if not Path(given).is_file():
        pytest.skip(f"SAM CLI is not installed at {given} (make sam-env installs it)")
    return given


@pytest.fixture(scope="module")
def docker_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    """The engine's Docker API: Docker's own, or Podman's on a socket of this module's own,
    stopped (by its pid) at the end."""
    engine = usable_engine()
    if engine.name == "docker":
        yield engine, os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        return
    socket = tmp_path_factory.mktemp("podman") / "docker.sock"
    service = subprocess.Popen(
        engine.command("system", "service", "--time=0", f"unix://{socket}"),
        env={**os.environ, **engine.environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not socket.exists() and service.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not socket.exists():
        service.kill()
        pytest.fail(f"podman system service did not start: {service.communicate()[1][-500:]}")
    yield engine, f"unix://{socket}"
    service.terminate()
    service.wait(timeout=30)


def synthesized(work: Path, base: str) -> Path:
    """The app of tests/test_local_images.py with its greeter alone, synthesized into
    work/cdk.out (the engine state, and the base image in it, are that module's too)."""
    context = work / "debian-ric"
    shutil.copytree(SAMPLE, context)
    wheels = STATE / "wheels" / PLATFORM_TAG
    if not any(wheels.glob("*.whl")):
        download_wheels(SAMPLE / "requirements.txt", wheels, platform_tag=PLATFORM_TAG)
    for wheel in wheels.glob("*.whl"):
        shutil.copy(wheel, context / "wheels")
    config = functions_config(context, base)
    (consumer,) = config["consumerAccounts"]
    consumer["functions"] = [f for f in consumer["functions"] if f["name"] == "greeter"]
    (work / "functions.json").write_text(json.dumps(config))
    outdir = work / "cdk.out"
    # Asset metadata on, as the CDK CLI turns it on for `cdk synth`.
    context = {"config": str(work / "functions.json"), "aws:cdk:enable-asset-metadata": True}
    app = App(outdir=str(outdir), context={**cdk_json_context(), **context})
    register_compliance_packs(app)
    build_app(app).synth()
    return outdir


def function_template(outdir: Path) -> tuple[Path, str, dict[str, Any]]:
    """The template holding the image function, its logical ID and the template."""
    for path in outdir.rglob("*.template.json"):
        template = json.loads(path.read_text())
        for logical_id, resource in template.get("Resources", {}).items():
            if resource["Type"] == "AWS::Lambda::Function" and "ImageUri" in str(resource):
                return path, logical_id, template
    raise AssertionError(f"no image function in {outdir}")


def sam(command: list[str], work: Path, docker_host: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "DOCKER_"))
    }
    environment.update(
        DOCKER_HOST=docker_host, SAM_CLI_TELEMETRY="0", AWS_EC2_METADATA_DISABLED="true"
    )
    return subprocess.run(
        [sam_cli(), *command],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def test_sam_builds_and_invokes_an_image_function_of_a_synthesized_app(
    docker_host: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, host = docker_host
    sam_cli()
    try:
        base = ensure_base_image(engine, STATE)
    except BaseImageUnavailable as error:
        pytest.skip(f"no local base image: {error}")
    # GIVEN a synthesized app whose function runs an image asset of the image account's stack
    outdir = synthesized(tmp_path, base)
    path, logical_id, template = function_template(outdir)
    metadata = template["Resources"][logical_id].get("Metadata", {})
    assert all(key in metadata for key in ASSET_METADATA), metadata
    # (SAM resolves the asset path from the template's folder; a wrong one fails its build with
    # "You must specify a directory to build in path".)
    context = path.parent / template["Resources"][logical_id]["Metadata"]["aws:asset:path"]
    assert (context / "Dockerfile").is_file(), f"aws:asset:path names {context}: no Dockerfile"
    (tmp_path / "event.json").write_text('{"name": "SAM"}')
    # WHEN SAM builds it from the template, then invokes it
    built = sam(["build", "--template-file", str(path), "--build-dir", "sam-build"], tmp_path, host)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    invoked = sam(
        [
            *("local", "invoke", logical_id, "--template-file", "sam-build/template.yaml"),
            *("--event", "event.json", "--skip-pull-image"),
        ],
        tmp_path,
        host,
    )
    # THEN the function answers as it does under Lambda
    assert invoked.returncode == 0, invoked.stdout[-3000:] + invoked.stderr[-3000:]
    answer = json.loads(invoked.stdout.strip().splitlines()[-1])
    assert answer == {"message": "Hello, SAM!", "image": "debian-ric"}, invoked.stdout
