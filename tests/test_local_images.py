"""lambda-images: build the Debian sample for real with the machine's engine (Podman without a
daemon), then invoke functions that share the image the way Lambda runs them.

One image is built per session (``built``) and shared by every test here; the tests that run
the CLI as a user would run it in a project folder made by ``project``."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from app import build_app
from lambda_image_constructs.local.assembly import FunctionSpec, find_function, image_assets
from lambda_image_constructs.local.cli import main as lambda_images
from lambda_image_constructs.local.engine import (
    Engine,
    EngineUnavailable,
    detect_engine,
    podman_environment,
)
from lambda_image_constructs.local.runtime import (
    OWNER_LABEL,
    SAM_CLI_VERSION,
    SAM_CLI_WHEEL_SHA256,
    LocalRunError,
    build_images,
    emulator,
    host_architecture,
    image_size,
    invoke,
    parse_report,
    phase_durations,
    report_lines,
    run_arguments,
    this_process_owner,
)

from .cdk_harness import PROJECT_ROOT, cdk_json_context, register_compliance_packs

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from local_base_image import (
    BASE_IMAGE,
    BaseImageUnavailable,
    download_wheels,
    ensure_base_image,
)

STATE = PROJECT_ROOT / "build" / "containers"
SAMPLE = PROJECT_ROOT / "samples" / "debian-ric"
PLATFORM_TAG = {"x86_64": "x86_64", "arm64": "aarch64"}[host_architecture()]
BIN = Path(sys.executable).parent
# Handlers added to the test's copy of the sample: what a function can see of the host.
PROBES = """

def reach(event, context):
    \"\"\"Whether a TCP server of the host's loopback is reachable, or listed in
    /proc/net/tcp, from inside the function.\"\"\"
    import socket
    try:
        socket.create_connection(("127.0.0.1", event["port"]), timeout=2).close()
        reached = True
    except OSError:
        reached = False
    listed = f":{event['port']:04X} " in open("/proc/net/tcp").read()
    return {"reached": reached, "listed": listed}


def privileges(event, context):
    fields = dict(
        line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line
    )
    return {key: fields[key].strip() for key in ("CapEff", "CapBnd", "NoNewPrivs")}
"""


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
        "repositories": [{"name": "platform/lambda-images", "consumers": ["workload-a"]}],
        "images": [{
            "name": "debian", "repository": "platform/lambda-images", "directory": str(context),
            "architecture": host_architecture(),
            "buildArgs": {"BASE_IMAGE": base,
                          "PIP_INSTALL_OPTIONS": "--no-index --find-links=/function/wheels"},
        }],
        # Named as in docs/local.md, so that its documented commands run here as written.
        "consumerAccounts": [{"name": "workload-a", "account": "222222222222", "functions": [
            function("greeter", "app.handler"),
            # The handler module stays importable through PYTHONPATH when cwd moves to /tmp.
            function("describer", "app.describe", workingDirectory="/tmp",
                     environment={"GREETING": "from the template", "PYTHONPATH": "/function"}),
            function("failing", "app.fail"),
            function("writer", "app.write_outside_tmp", ephemeralStorageSize=600),
            function("sleeper", "app.sleep", timeoutSeconds=1),
            function("allocator", "app.allocate", memorySize=128),
            function("prober", "app.reach"),
            function("privileges", "app.privileges"),
            function("napper", "app.sleep", timeoutSeconds=120),
        ]}],
    }  # fmt: skip


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    engine = usable_engine()
    try:
        base = ensure_base_image(engine, STATE)
    except BaseImageUnavailable as error:
        pytest.skip(f"no local base image: {error}")
    work = tmp_path_factory.mktemp("local-images")
    context = work / "debian-ric"
    shutil.copytree(SAMPLE, context)
    with (context / "app.py").open("a") as handlers:
        handlers.write(PROBES)
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
    # A project folder as a user has it: cdk.json and cdk.out (run_cli names the engine state).
    (work / "cdk.json").write_text((PROJECT_ROOT / "cdk.json").read_text())
    return engine, outdir


@pytest.fixture
def project(built: tuple[Engine, Path]) -> Path:
    """The project folder of the built assembly (cdk.out inside), with an event.json."""
    folder = built[1].parent
    (folder / "event.json").write_text('{"name": "README"}')
    return folder


def run_cli(project: Path, *arguments: str, **popen: Any) -> subprocess.Popen[str]:
    """``lambda-images ...`` started as a user starts it: the console script, in the project,
    with SIGINT as a terminal gives it (a test run in the background inherits it ignored), and
    the tests' engine state (which already holds the base image and the built image)."""
    return subprocess.Popen(
        ["lambda-images", *arguments],
        cwd=project,
        env={
            **os.environ,
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "LAMBDA_IMAGES_STATE": str(STATE),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **popen,
    )


def containers_of(engine: Engine, pid: int) -> list[str]:
    """The containers (in any state) of the lambda-images process ``pid``."""
    listed = engine.run(
        ["ps", "--all", "--filter", f"label={OWNER_LABEL}", "--format", "{{.Names}}"]
    )
    return [name for name in listed.stdout.split() if name.startswith(f"lambda-images-{pid}-")]


def call(built: tuple[Engine, Path], name: str, event: Any) -> Any:
    engine, outdir = built
    return invoke(engine, find_function(outdir, name), event, cache=STATE / "emulator")


def test_two_functions_share_the_image_with_different_commands(
    built: tuple[Engine, Path],
) -> None:
    greeter = call(built, "Consumer-workload-a/Functions/greeter", {"name": "Ada"})
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


REPORT_LINE = re.compile(
    r"REPORT Init Duration: [0-9]+\.[0-9]{2} ms\tDuration: [0-9]+\.[0-9]{2} ms"
    r"\tBilled Duration: [0-9]+ ms\tMemory Size: [0-9]+ MB\tMax Memory Used: [0-9]+ MB"
)


def test_invoke_reports_what_lambdas_report_line_reports(built: tuple[Engine, Path]) -> None:
    # GIVEN a function of 128 MB that allocates 64 MB
    result = call(built, "allocator", {"megabytes": 64})
    assert result.payload == {"allocated": 64}
    report = result.report
    # THEN its report has every field of Lambda's REPORT line: each local invoke is a cold start
    assert report is not None, result.logs[-2000:]
    # (the runtime's start: Python and its imports take tens of milliseconds at least)
    assert report.init_duration_ms is not None and report.init_duration_ms > 10
    assert 0 < report.duration_ms < result.seconds * 1000
    # Billed as the emulator bills a cold start of an image: init and invocation together
    assert report.billed_duration_ms >= int(report.init_duration_ms + report.duration_ms)
    assert report.memory_size_mb == 128  # the template's
    # AND max memory used is what the container used at its peak: the 64 MB and the runtime
    assert report.max_memory_used_mb is not None
    assert 64 <= report.max_memory_used_mb <= 128
    assert REPORT_LINE.fullmatch(report.line()), report.line()


def test_the_report_line_is_read_field_by_field() -> None:
    # GIVEN a log with two invocations' REPORT lines (Lambda's order of fields differs by runtime)
    logs = (
        "START RequestId: a Version: $LATEST\nEND RequestId: a\n"
        "REPORT RequestId: a\tInit Duration: 138.39 ms\tDuration: 102.25 ms\t"
        "Billed Duration: 103 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n"
        "REPORT RequestId: b\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\n"
    )
    first, second = report_lines(logs)
    assert parse_report(first) == {
        "Init Duration": 138.39,
        "Duration": 102.25,
        "Billed Duration": 103,
        "Memory Size": 3008,
        "Max Memory Used": 3008,
    }
    assert parse_report(second) == {"Duration": 1.5, "Billed Duration": 2, "Memory Size": 128}
    # AND the emulator's phase log splits the init from each invocation, as Lambda does
    phases = (
        "[INFO] (rapid) INIT REPORT(durationMs: 305.654000)\n"
        "[INFO] (rapid) INVOKE RTDONE(status: success, produced bytes: 0, duration: 12.174000ms)\n"
        "[INFO] (rapid) INVOKE RTDONE(status: success, produced bytes: 0, duration: 1.193000ms)\n"
    )
    assert phase_durations(phases) == (305.654, [12.174, 1.193])
    assert phase_durations("") == (None, [])


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


def documented_commands(start: str) -> list[list[str]]:
    """The lines of docs/local.md that start with ``start``, split as a shell does."""
    lines = (PROJECT_ROOT / "docs" / "local.md").read_text().splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.startswith(start)]


def test_the_documented_invoke_commands_run_as_written(
    built: tuple[Engine, Path], project: Path
) -> None:
    # GIVEN the `lambda-images invoke` lines of docs/local.md, word for word
    documented = documented_commands("lambda-images invoke ")
    assert len(documented) >= 2, documented
    for command in documented:
        # WHEN each runs in the project folder, with its defaults (relative cdk.out, state)
        process = run_cli(project, *command[1:])
        out, err = process.communicate(timeout=120)
        # THEN the function answers
        assert process.returncode == 0, (command, err)
        assert json.loads(out) == {"message": "Hello, README!", "image": "debian-ric"}


def test_a_base_image_is_loaded_from_an_archive_as_documented(
    built: tuple[Engine, Path], project: Path
) -> None:
    # GIVEN the docs' build line for base images without network, word for word
    documented = documented_commands("lambda-images build ")
    assert documented == [["lambda-images", "build", "--base-image-archive", "base.tar"]]
    # AND base.tar in the project: the base image saved under a name the engine then forgets
    engine, _ = built
    name = f"localhost/lambda-images-archived:{os.getpid()}"
    engine.run(["tag", BASE_IMAGE, name])
    try:
        engine.run(["save", "--output", str(project / "base.tar"), name])
        engine.run(["rmi", name])  # the name only: the layers stay, under BASE_IMAGE
        assert not engine.image_exists(name)
        # WHEN it runs in the project folder
        process = run_cli(project, *documented[0][1:])
        out, err = process.communicate(timeout=600)
        # THEN the archive's image is there again, and the build went on
        assert process.returncode == 0, err
        assert engine.image_exists(name)
        assert out.startswith("loaded base.tar"), out
        assert "built localhost/lambda-images:" in out
    finally:
        engine.run(["rmi", name], check=False)
        (project / "base.tar").unlink(missing_ok=True)


def test_a_function_cannot_reach_the_hosts_loopback(built: tuple[Engine, Path]) -> None:
    # GIVEN a server listening on the host's 127.0.0.1
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        # WHEN a function tries to connect to it, and looks for it in /proc/net/tcp
        result = call(built, "prober", {"port": port})
    # THEN it neither reaches nor sees it: the function has a network namespace of its own
    assert result.payload == {"reached": False, "listed": False}


def test_a_function_runs_without_capabilities_or_a_way_to_gain_them(
    built: tuple[Engine, Path],
) -> None:
    result = call(built, "privileges", {})
    assert result.payload == {
        "CapEff": "0000000000000000",
        "CapBnd": "0000000000000000",
        "NoNewPrivs": "1",
    }


def start_napping(engine: Engine, project: Path, tmp_path: Path) -> subprocess.Popen[str]:
    """``lambda-images invoke`` of a function that sleeps for a minute, once it runs."""
    event = tmp_path / "nap.json"
    event.write_text('{"seconds": 60}')
    process = run_cli(project, "invoke", "napper", "--event", str(event))
    wait_for_container(engine, process)
    return process


def wait_for_container(engine: Engine, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        running = engine.run(
            ["ps", "--filter", f"label={OWNER_LABEL}", "--format", "{{.Names}}"]
        ).stdout.split()
        mine = [name for name in running if name.startswith(f"lambda-images-{process.pid}-")]
        if mine:
            return mine[0]
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    raise AssertionError("the invoked function's container never ran")


@pytest.mark.parametrize(
    "stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT], ids=lambda s: s.name
)
def test_a_stop_signal_during_invoke_removes_the_container(
    built: tuple[Engine, Path], project: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    engine, _ = built
    # GIVEN an invoke whose function is still running
    process = start_napping(engine, project, tmp_path)
    # WHEN the CLI gets a stop signal
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    # THEN it says so in one line, exits with 128 + the signal, and leaves no container
    assert process.returncode == 128 + stop, err
    assert "Traceback" not in err
    said = "interrupted (SIGINT)" if stop == signal.SIGINT else f"stopped by {stop.name}"
    assert err.strip() == f"lambda-images: {said}; nothing left running"
    assert containers_of(engine, process.pid) == []


def test_the_leftover_of_a_killed_invoke_is_removed_at_the_next_start(
    built: tuple[Engine, Path], project: Path, tmp_path: Path
) -> None:
    engine, _ = built
    process = start_napping(engine, project, tmp_path)
    # GIVEN an invoke killed with SIGKILL, which no program can catch: its container stays
    process.kill()
    process.communicate(timeout=30)
    assert len(containers_of(engine, process.pid)) == 1
    # WHEN lambda-images starts again
    again = run_cli(project, "build")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    # THEN the leftover is gone
    assert containers_of(engine, process.pid) == []


def test_a_failed_start_leaves_no_container(built: tuple[Engine, Path]) -> None:
    engine, outdir = built
    # GIVEN a WorkingDirectory the image does not have: on a read-only root file system the
    # engine creates the container, then cannot start it
    spec = find_function(outdir, "greeter")
    missing = FunctionSpec(**{**spec.__dict__, "working_directory": "/no/such/folder"})
    owner = this_process_owner()
    # WHEN it is invoked, THEN the error says so and no container is left "Created"
    with pytest.raises(LocalRunError, match="the container did not start"):
        invoke(engine, missing, {}, cache=STATE / "emulator")
    listed = engine.run(
        ["ps", "--all", "--filter", f"label={OWNER_LABEL}={owner}", "--format", "{{.Names}}"]
    )
    assert listed.stdout.split() == []


def test_the_emulator_wheel_is_refused_when_its_hash_differs(tmp_path: Path) -> None:
    # GIVEN a download that is not the pinned wheel (same name, other bytes)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr(f"samcli/local/rapid/aws-lambda-rie-{host_architecture()}", "evil")
    tampered = data.getvalue()

    def download(folder: Path) -> Path:
        wheel = folder / f"aws_sam_cli-{SAM_CLI_VERSION}-py3-none-any.whl"
        wheel.write_bytes(tampered)
        return wheel

    # WHEN the emulator is taken from it
    cache = tmp_path / "emulator"
    with pytest.raises(LocalRunError) as refused:
        emulator(cache, host_architecture(), download=download)
    # THEN it is refused, naming both hashes, and nothing is cached
    message = str(refused.value)
    assert hashlib.sha256(tampered).hexdigest() in message
    assert SAM_CLI_WHEEL_SHA256 in message
    assert "refusing" in message
    assert not any(cache.iterdir())


SINGLE_IMAGE_MANIFESTS = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}


def test_what_cdk_assets_pushes_is_one_image_manifest_for_the_asset_platform(
    built: tuple[Engine, Path], tmp_path: Path
) -> None:
    _, outdir = built
    [asset] = image_assets(outdir)
    assert asset.platform == f"linux/{'amd64' if host_architecture() == 'x86_64' else 'arm64'}"
    local_tag = f"cdkasset-{asset.asset_id.lower()}"
    shim = [str(BIN / "lambda-images-docker")]
    # The tests' engine state, which holds the base image (a user's is in their cache folder).
    environment = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "LAMBDA_IMAGES_STATE": str(STATE),
    }
    environment.pop("LAMBDA_IMAGES_ENGINE", None)
    # GIVEN the image built through the shim with the arguments cdk-assets passes, from
    # inside the asset's folder in cdk.out
    build = [
        "build",
        *[a for k, v in asset.build_args.items() for a in ("--build-arg", f"{k}={v}")],
        "--tag", local_tag,
        "--file", asset.dockerfile,
        "--platform", asset.platform,
        ".",
    ]  # fmt: skip
    subprocess.run(shim + build, cwd=asset.directory, env=environment, check=True)
    # WHEN it is pushed (here to an OCI layout on disk rather than ECR)
    layout = tmp_path / "pushed"
    subprocess.run(
        [*shim, "push", local_tag, f"oci:{layout}:{asset.image_tag}"],
        cwd=asset.directory,
        env=environment,
        check=True,
        capture_output=True,
    )

    def blob(digest: str) -> Any:
        algorithm, _, hexdigest = digest.partition(":")
        return json.loads((layout / "blobs" / algorithm / hexdigest).read_text())

    # THEN what was pushed is one image manifest, not an index, for the asset's platform
    [descriptor] = json.loads((layout / "index.json").read_text())["manifests"]
    assert descriptor["mediaType"] in SINGLE_IMAGE_MANIFESTS
    manifest = blob(descriptor["digest"])
    assert manifest.get("mediaType", descriptor["mediaType"]) in SINGLE_IMAGE_MANIFESTS
    assert "manifests" not in manifest
    config = blob(manifest["config"]["digest"])
    assert f"{config['os']}/{config['architecture']}" == asset.platform


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
    printed = capsys.readouterr()
    assert json.loads(printed.out)["message"] == "Hello, CLI!"
    # AND the REPORT line goes to standard error, as Lambda writes it to the log
    [report] = [line for line in printed.err.splitlines() if line.startswith("REPORT ")]
    assert REPORT_LINE.fullmatch(report), report


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
    assert "is not valid JSON" in capsys.readouterr().err


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
    arguments = run_arguments(spec, image_config, rie=Path("/rie"), image="img", name="n")
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
    # A network namespace of its own, the emulator published on the host's loopback only, no
    # capabilities, no privilege gain, no swap past the memory size.
    assert "host" not in arguments and not any(a.startswith("--network") for a in arguments)
    for expected in (
        ["--publish", "127.0.0.1::8080"],
        ["--cap-drop=ALL"],
        ["--security-opt=no-new-privileges"],
        ["--memory-swap", "1024m"],
    ):
        index = arguments.index(expected[0])
        assert arguments[index : index + len(expected)] == expected
    assert arguments[arguments.index("img") + 1 : arguments.index("img") + 3] == [
        "--runtime-interface-emulator-address",
        "0.0.0.0:8080",
    ]


def test_the_engine_configuration_keeps_containers_off_the_host_network(tmp_path: Path) -> None:
    environment = podman_environment(tmp_path / "state", podman="false")
    conf = Path(environment["CONTAINERS_CONF"]).read_text()
    assert "netns" not in conf and "host" not in conf
    assert Path(environment["CONTAINERS_CONF"]).is_absolute()


def test_without_overlay_the_engine_falls_back_to_vfs_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a podman whose overlay probe fails (`false` answers nothing, exit 1)
    environment = podman_environment(tmp_path / "state", podman="false")
    # THEN vfs is used, in its own folders, and the user is told why it is slower
    storage = Path(environment["CONTAINERS_STORAGE_CONF"]).read_text()
    assert 'driver = "vfs"' in storage
    assert f'graphroot = "{tmp_path / "state" / "storage"}"' in storage
    assert "overlay storage does not work here" in capsys.readouterr().err
    # and the answer is kept: the probe is not run (nor the message repeated) next time
    podman_environment(tmp_path / "state", podman="false")
    assert capsys.readouterr().err == ""


def test_an_unchanged_image_is_not_built_again(built: tuple[Engine, Path]) -> None:
    engine, outdir = built
    results = build_images(engine, outdir)
    assert results and all(not r.rebuilt for r in results)


def test_build_reports_the_image_size_and_its_largest_layers(
    built: tuple[Engine, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, outdir = built
    [asset] = image_assets(outdir)
    size = image_size(engine, asset.local_image)
    # The layers are the image's, largest first, and add up to its size
    assert size.size_bytes > 10**7  # a Debian root file system with Python
    assert [layer.size_bytes for layer in size.layers] == sorted(
        (layer.size_bytes for layer in size.layers), reverse=True
    )
    assert abs(sum(layer.size_bytes for layer in size.layers) - size.size_bytes) < 10**6
    # AND `lambda-images build` prints it
    assert lambda_images(["--assembly", str(outdir), "--state", str(STATE), "build"]) == 0
    out = capsys.readouterr().out
    assert f"size {asset.local_image}: " in out and " layers; largest: " in out
