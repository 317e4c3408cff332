"""`sam local invoke` (cold) and `sam local start-lambda` (warm) on the same image folder and
build arguments as lambda-images, for benchmarks/local_images.py. With Podman, SAM talks to
Podman's Docker-compatible socket (`podman system service`), started here with the project's
Podman configuration and stopped afterwards; AWS keys are kept out of SAM's environment (with
dummy keys each invoke waits on STS)."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_

from lambda_image_constructs.local.assembly import ImageAsset
from lambda_image_constructs.local.engine import Engine
from lambda_image_constructs.local.runtime import parse_report, phase_durations, report_lines

EVENT = '{"name": "bench"}'
PLATFORMS = {
    "linux/amd64": ecr_assets.Platform.LINUX_AMD64,
    "linux/arm64": ecr_assets.Platform.LINUX_ARM64,
}


def _one_stack_app(context: Path, asset: ImageAsset, outdir: Path) -> tuple[Path, str]:
    """A stack with one DockerImageFunction of the same folder and build arguments (SAM finds
    its image through the asset metadata only when the asset is in the function's stack)."""
    app = App(outdir=str(outdir), context={"aws:cdk:enable-asset-metadata": True})
    stack = Stack(app, "SamBench")
    function = lambda_.DockerImageFunction(
        stack,
        "Greeter",
        code=lambda_.DockerImageCode.from_image_asset(
            str(context),
            build_args=dict(asset.build_args),
            platform=PLATFORMS[asset.platform],
            cmd=["app.handler"],
        ),
        memory_size=512,
        timeout=Duration.seconds(30),
    )
    app.synth()
    logical_id = stack.resolve(function.node.default_child.logical_id)  # type: ignore[union-attr]
    return outdir / "SamBench.template.json", str(logical_id)


@contextlib.contextmanager
def _docker_host(engine: Engine, folder: Path) -> Iterator[dict[str, str]]:
    """The environment SAM runs in: Docker's own, or a Podman socket of the project's storage."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k == "AWS_REGION"
    }
    environment.update(SAM_CLI_TELEMETRY="0", AWS_DEFAULT_REGION="us-east-1")
    if engine.name == "docker":
        yield environment
        return
    sock = folder / "podman.sock"
    service = subprocess.Popen(
        [engine.executable, "system", "service", "--time=0", f"unix://{sock}"],
        env={**os.environ, **engine.environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        yield {**environment, **engine.environment, "DOCKER_HOST": f"unix://{sock}"}
    finally:
        service.terminate()
        service.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms ({min(values):.1f}-{max(values):.1f})"


def _warm(sam: str, logical_id: str, times: int, cwd: Path, env: dict[str, str]) -> list[float]:
    """Wall times (ms) of ``times`` requests to `sam local start-lambda`, warm containers."""
    port = _free_port()
    server = subprocess.Popen(
        [sam, "local", "start-lambda", "--warm-containers", "EAGER", "-p", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/{logical_id}/invocations"
    walls = []
    try:
        deadline = time.monotonic() + 300
        for number in range(times + 1):
            while True:
                started = time.monotonic()
                try:
                    request = urllib.request.Request(url, data=EVENT.encode(), method="POST")
                    urllib.request.urlopen(request, timeout=120).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            if number:  # the first one waits for the container
                walls.append((time.monotonic() - started) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return walls


def sam_figures(
    engine: Engine, sam: str, context: Path, asset: ImageAsset, times: int, scratch: Path
) -> list[str]:
    """Lines of figures: `sam local invoke` cold starts and start-lambda warm invokes."""
    folder = scratch / "sam"
    folder.mkdir()
    template, logical_id = _one_stack_app(context, asset, folder / "cdk.out")
    (folder / "event.json").write_text(EVENT)
    version = subprocess.run([sam, "--version"], capture_output=True, text=True).stdout.strip()
    with _docker_host(engine, folder) as env:
        started = time.monotonic()
        built = subprocess.run(
            [sam, "build", "-t", str(template)], cwd=folder, env=env, capture_output=True, text=True
        )
        if built.returncode != 0:
            return [f"sam build failed: {(built.stderr or built.stdout)[-1500:]}"]
        build_seconds = time.monotonic() - started
        walls, inits, durations = [], [], []
        for _ in range(times):
            started = time.monotonic()
            ran = subprocess.run(
                [sam, "local", "invoke", logical_id, "-e", "event.json"],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
            )
            walls.append((time.monotonic() - started) * 1000)
            if ran.returncode != 0 or "Hello, bench!" not in ran.stdout:
                return [f"sam local invoke failed: {(ran.stderr or ran.stdout)[-1500:]}"]
            # As lambda-images reads them: init and duration from the emulator's phase log
            init, invoked = phase_durations(ran.stderr + ran.stdout)
            inits += [init] if init is not None else []
            durations += invoked[-1:]
            if not invoked:  # no phase log: the REPORT line, whose Duration holds the init
                for line in report_lines(ran.stderr + ran.stdout)[-1:]:
                    durations += [parse_report(line).get("Duration", 0.0)]
        warm = _warm(sam, logical_id, times, folder, env)
    lines = [
        f"{version}, sam build of the same folder: {build_seconds:.1f} s",
        f"sam local invoke, cold (a new container each), {times} runs:",
        f"  wall, command start to exit: {_spread(walls)}",
    ]
    if inits:
        lines.append(f"  REPORT Init Duration: {_spread(inits)}")
    if durations:
        lines.append(f"  REPORT Duration: {_spread(durations)}")
    lines += [
        f"sam local start-lambda --warm-containers EAGER, warm, {times} runs:",
        f"  wall, request to response: {_spread(warm)}",
    ]
    return lines
