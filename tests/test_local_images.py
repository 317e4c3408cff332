"""lambda-images: build the Debian sample for real with the machine's engine (Podman without a
daemon), then invoke functions that share the image the way Lambda runs them."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from app import build_app
from lambda_image_constructs.local.assembly import FunctionSpec, find_function
from lambda_image_constructs.local.cli import main as lambda_images
from lambda_image_constructs.local.engine import Engine, EngineUnavailable, detect_engine
from lambda_image_constructs.local.runtime import (
    LocalRunError,
    build_images,
    host_architecture,
    invoke,
    run_arguments,
)

from .cdk_harness import PROJECT_ROOT, cdk_json_context, register_compliance_packs

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from local_base_image import (
    BaseImageUnavailable,
    download_wheels,
    ensure_base_image,
)

STATE = PROJECT_ROOT / "build" / "containers"
SAMPLE = PROJECT_ROOT / "samples" / "debian-ric"
PLATFORM_TAG = {"x86_64": "x86_64", "arm64": "aarch64"}[host_architecture()]


def usable_engine() -> Engine:
    """The engine, or a skip that says why this machine cannot build images."""
    try:
        engine = detect_engine(STATE)
    except EngineUnavailable as error:
        pytest.skip(f"no container engine can run here: {error}")
    probe = engine.run(["info"], check=False)
    if probe.returncode != 0:
        pytest.skip(f"{engine.name} cannot run here: {probe.stderr.strip()[-300:]}")
    return engine


def functions_config(context: Path, base: str) -> dict[str, Any]:
    def function(name: str, command: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "image": "debian", "command": [command], **extra}

    return {
        "imageAccount": {"account": "111111111111", "region": "us-east-1"},
        "repositories": [{"name": "platform/lambda-images", "consumers": ["workload"]}],
        "images": [{
            "name": "debian", "repository": "platform/lambda-images", "directory": str(context),
            "architecture": host_architecture(),
            "buildArgs": {"BASE_IMAGE": base,
                          "PIP_INSTALL_OPTIONS": "--no-index --find-links=/function/wheels"},
        }],
        "consumerAccounts": [{"name": "workload", "account": "222222222222", "functions": [
            function("greeter", "app.handler"),
            # The handler module stays importable through PYTHONPATH when cwd moves to /tmp.
            function("describer", "app.describe", workingDirectory="/tmp",
                     environment={"GREETING": "from the template", "PYTHONPATH": "/function"}),
            function("failing", "app.fail"),
            function("writer", "app.write_outside_tmp", ephemeralStorageSize=600),
            function("sleeper", "app.sleep", timeoutSeconds=1),
            function("allocator", "app.allocate", memorySize=128),
        ]}],
    }  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    engine = usable_engine()
    try:
        base = ensure_base_image(engine, STATE)
    except BaseImageUnavailable as error:
        pytest.skip(f"no local base image: {error}")
    work = tmp_path_factory.mktemp("local-images")
    context = work / "debian-ric"
    shutil.copytree(SAMPLE, context)
    wheels = STATE / "wheels" / PLATFORM_TAG
    if not any(wheels.glob("*.whl")):
        download_wheels(SAMPLE / "requirements.txt", wheels, platform_tag=PLATFORM_TAG)
    for wheel in wheels.glob("*.whl"):
        shutil.copy(wheel, context / "wheels")
    config = work / "functions.json"
    config.write_text(json.dumps(functions_config(context, base)))
    outdir = work / "cdk.out"
    app = App(
        outdir=str(outdir),
        context={**cdk_json_context(), "config": str(config),
                 "aws:cdk:enable-path-metadata": True},
    )  # fmt: skip
    register_compliance_packs(app)
    build_app(app).synth()
    build_images(engine, outdir)
    return engine, outdir


def call(built: tuple[Engine, Path], name: str, event: Any) -> Any:
    engine, outdir = built
    return invoke(engine, find_function(outdir, name), event, cache=STATE / "emulator")


def test_two_functions_share_the_image_with_different_commands(
    built: tuple[Engine, Path],
) -> None:
    greeter = call(built, "Consumer-workload/Functions/greeter", {"name": "Ada"})
    assert not greeter.function_error
    assert greeter.payload == {"message": "Hello, Ada!", "image": "debian-ric"}
    describer = call(built, "describer", {"k": 1})
    assert not describer.function_error
    # Environment and WorkingDirectory come from the template, not the image.
    assert describer.payload == {
        "handler": "describe",
        "greeting": "from the template",
        "cwd": "/tmp",
        "event": {"k": 1},
    }


def test_a_failing_handler_returns_lambdas_error_payload(built: tuple[Engine, Path]) -> None:
    result = call(built, "failing", {"k": 1})
    assert result.function_error
    assert result.payload["errorType"] == "ValueError"
    assert result.payload["errorMessage"] == "refusing event {'k': 1}"


def test_only_tmp_is_writable(built: tuple[Engine, Path]) -> None:
    outside = call(built, "writer", {"path": "/function/state.txt"})
    assert outside.function_error
    assert "Read-only file system" in outside.payload["errorMessage"]
    inside = call(built, "writer", {"path": "/tmp/state.txt"})
    assert inside.payload == {"written": "/tmp/state.txt"}


def test_the_timeout_is_enforced(built: tuple[Engine, Path]) -> None:
    assert call(built, "sleeper", {"seconds": 0.1}).payload == {"slept": 0.1}
    late = call(built, "sleeper", {"seconds": 5})
    assert late.function_error
    assert "timed out" in json.dumps(late.payload).lower(), late.payload


def test_the_memory_size_is_enforced(built: tuple[Engine, Path]) -> None:
    assert call(built, "allocator", {"megabytes": 16}).payload == {"allocated": 16}
    greedy = call(built, "allocator", {"megabytes": 400})
    assert greedy.function_error, greedy.payload


def test_cli_invokes_and_prints_the_response(
    built: tuple[Engine, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, outdir = built
    event = tmp_path / "event.json"
    event.write_text('{"name": "CLI"}')
    code = lambda_images(
        [
            "--assembly",
            str(outdir),
            "--state",
            str(STATE),
            "invoke",
            "greeter",
            "--event",
            str(event),
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["message"] == "Hello, CLI!"


def test_image_not_built_yet_is_a_clear_error(built: tuple[Engine, Path]) -> None:
    engine, outdir = built
    spec = find_function(outdir, "greeter")
    missing = FunctionSpec(
        **{**spec.__dict__, "image_uri": spec.image_uri.rsplit(":", 1)[0] + ":" + "0" * 64}
    )
    with pytest.raises(LocalRunError, match="is not built yet: run `lambda-images build`"):
        invoke(engine, missing, {}, cache=STATE / "emulator")


def test_unknown_function_and_bad_event_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No engine needed: both are refused before anything runs.
    app = build_app(
        App(
            outdir=str(tmp_path / "out"),
            context={**cdk_json_context(), "aws:cdk:enable-path-metadata": True},
        )
    )
    app.synth()
    event = tmp_path / "event.json"
    event.write_text("{not json")
    assert (
        lambda_images(
            ["--assembly", str(tmp_path / "out"), "invoke", "nope", "--event", str(event)]
        )
        == 2
    )
    assert "no function 'nope'" in capsys.readouterr().err
    assert (
        lambda_images(
            ["--assembly", str(tmp_path / "out"), "invoke", "greeter", "--event", str(event)]
        )
        == 2
    )
    assert "is not a JSON file" in capsys.readouterr().err


def test_run_arguments_follow_the_template() -> None:
    spec = FunctionSpec(
        stack="S", logical_id="Fn", construct_path=None, function_name="fn",
        image_uri="111111111111.dkr.ecr.us-east-1.amazonaws.com/r:tag", entrypoint=None,
        command=["app.describe"], working_directory=None, environment={"GREETING": "x"},
        memory_size=1024, ephemeral_storage=2048, timeout=60,
    )  # fmt: skip
    image_config = {
        "Entrypoint": ["/usr/bin/python3.11", "-m", "awslambdaric"],
        "Cmd": ["app.handler"],
        "WorkingDir": "/function",
    }
    arguments = run_arguments(
        spec,
        image_config,
        rie=Path("/rie"),
        image="img",
        name="n",
        emulator_port=1,
        runtime_api_port=2,
    )
    assert arguments[-4:] == ["/usr/bin/python3.11", "-m", "awslambdaric", "app.describe"]
    for expected in (
        ["--read-only"],
        ["--tmpfs", "/tmp:rw,size=2048m,mode=1777"],
        ["--user", "993:990"],
        ["--memory", "1024m"],
        ["--workdir", "/function"],
        ["--env", "AWS_LAMBDA_FUNCTION_TIMEOUT=60"],
        ["--env", "GREETING=x"],
    ):
        index = arguments.index(expected[0])
        assert arguments[index : index + len(expected)] == expected or expected[0] == "--env"
    assert "GREETING=x" in arguments and "AWS_LAMBDA_FUNCTION_TIMEOUT=60" in arguments


def test_an_unchanged_image_is_not_built_again(built: tuple[Engine, Path]) -> None:
    engine, outdir = built
    results = build_images(engine, outdir)
    assert results and all(not r.rebuilt for r in results)
