"""Build the images of a cloud assembly and invoke its functions locally, the way Lambda runs
them, with the Lambda Runtime Interface Emulator."""

from __future__ import annotations

import contextlib
import io
import json
import platform
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .assembly import AssemblyError, FunctionSpec, ImageAsset, image_assets, local_image_for_tag
from .engine import Engine

# The emulator ships as a static binary inside the AWS SAM CLI wheel; only that file is used.
SAM_CLI_VERSION = "1.170.0"
RIE_IN_WHEEL = "samcli/local/rapid/aws-lambda-rie-{arch}"
RIE_IN_CONTAINER = "/opt/lambda-images/aws-lambda-rie"
# Lambda runs functions as an unprivileged user (sbx_user1051).
LAMBDA_USER = "993:990"
INVOCATION_PATH = "/2015-03-31/functions/function/invocations"
RIE_ARCH = {"x86_64": "x86_64", "arm64": "arm64"}


class LocalRunError(RuntimeError):
    """An image cannot be built or a function cannot be invoked; the message says why."""


@dataclass(frozen=True)
class BuildResult:
    asset: ImageAsset
    seconds: float
    rebuilt: bool


@dataclass(frozen=True)
class Invocation:
    status: int
    payload: Any
    function_error: bool
    logs: str
    seconds: float


def host_architecture() -> str:
    machine = platform.machine().lower()
    return "arm64" if machine in ("arm64", "aarch64") else "x86_64"


def build_images(
    engine: Engine, outdir: Path, *, only: set[str] | None = None, force: bool = False
) -> list[BuildResult]:
    """Build every image asset of the assembly (or the tags in ``only``) with the arguments
    cdk-assets would pass, tagged ``localhost/lambda-images:<asset hash>``.

    The tag is the asset's content hash, so an image that exists is up to date and is not
    built again (as cdk-assets skips an image already in its repository), unless ``force``.
    """
    assets = image_assets(outdir)
    if not assets:
        raise LocalRunError(f"{outdir} has no Docker image assets")
    results = []
    for asset in assets:
        if only is not None and asset.image_tag not in only:
            continue
        arguments = asset.build_arguments()
        if engine.name == "podman":
            # Base images come from local storage; nothing is pulled.
            arguments.insert(1, "--pull=never")
        started = time.monotonic()
        if not force and engine.image_exists(asset.local_image):
            results.append(BuildResult(asset, time.monotonic() - started, False))
            continue
        process = engine.run(arguments, check=False)
        if process.returncode != 0:
            raise LocalRunError(
                f"building {asset.asset_id} ({asset.directory}) failed:\n"
                + (process.stderr or process.stdout)[-4000:]
            )
        results.append(BuildResult(asset, time.monotonic() - started, True))
    return results


def emulator(cache: Path, arch: str) -> Path:
    """The Runtime Interface Emulator binary for ``arch``, taken out of the pinned SAM CLI
    wheel (downloaded once with pip, without its dependencies)."""
    target = cache / f"aws-lambda-rie-{arch}"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--dest", download, f"aws-sam-cli=={SAM_CLI_VERSION}"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        [wheel] = Path(download).glob("aws_sam_cli-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(RIE_IN_WHEEL.format(arch=RIE_ARCH[arch]))
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.chmod(0o755)
    partial.replace(target)
    return target


def image_config(engine: Engine, image: str) -> dict[str, Any]:
    process = engine.run(["image", "inspect", image], check=False)
    if process.returncode != 0:
        raise LocalRunError(
            f"image {image} is not built yet: run `lambda-images build` on this assembly first"
        )
    [inspected] = json.loads(process.stdout)
    config: dict[str, Any] = inspected.get("Config") or {}
    return config


def _is_symlink_in_image(engine: Engine, image: str, path: str) -> bool | None:
    """Whether ``path`` is a symbolic link in the image (None when it cannot be told)."""
    if engine.name == "podman":
        mounted = engine.run(["image", "mount", image], check=False)
        if mounted.returncode != 0:
            return None
        try:
            return (Path(mounted.stdout.strip()) / path.lstrip("/")).is_symlink()
        finally:
            engine.run(["image", "unmount", image], check=False)
    container = engine.run(["create", image], check=False)
    if container.returncode != 0:
        return None
    name = container.stdout.strip()
    try:
        exported = subprocess.run(engine.command("export", name), capture_output=True, check=False)
        with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as archive:
            member = archive.getmember(path.lstrip("/"))
            return member.issym()
    except (KeyError, tarfile.TarError):
        return None
    finally:
        engine.run(["rm", "-f", name], check=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_arguments(
    function: FunctionSpec,
    config: Mapping[str, Any],
    *,
    rie: Path,
    image: str,
    name: str,
    emulator_port: int,
    runtime_api_port: int,
    memory_limit: bool = True,
) -> list[str]:
    """``<engine> run`` arguments that start ``function`` the way Lambda does: the template's
    ImageConfig over the image's own, a read-only root file system with only /tmp writable
    (sized from EphemeralStorage), an unprivileged user, the memory size and the timeout."""
    entrypoint = function.entrypoint or config.get("Entrypoint") or []
    command = function.command if function.command is not None else (config.get("Cmd") or [])
    working_directory = function.working_directory or config.get("WorkingDir") or "/"
    if not entrypoint and not command:
        raise LocalRunError(
            f"{function.logical_id}: neither the template nor the image says what to run"
        )
    environment = {
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name or function.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **function.environment,
    }
    arguments = [
        "run", "--detach", "--name", name,
        "--network", "host",
        "--read-only",
        "--tmpfs", f"/tmp:rw,size={function.ephemeral_storage}m,mode=1777",
        "--user", LAMBDA_USER,
        "--workdir", working_directory,
        "--volume", f"{rie}:{RIE_IN_CONTAINER}:ro",
        "--entrypoint", RIE_IN_CONTAINER,
    ]  # fmt: skip
    if memory_limit:
        arguments += ["--memory", f"{function.memory_size}m"]
    for key, value in sorted(environment.items()):
        arguments += ["--env", f"{key}={value}"]
    return [
        *arguments,
        image,
        "--runtime-interface-emulator-address", f"127.0.0.1:{emulator_port}",
        "--runtime-api-address", f"127.0.0.1:{runtime_api_port}",
        *entrypoint,
        *command,
    ]  # fmt: skip


def _post(url: str, body: bytes, timeout: float) -> tuple[int, bytes, bool]:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            error = bool(response.headers.get("X-Amz-Function-Error"))
            return response.status, response.read(), error
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read(), True


@contextlib.contextmanager
def _container(engine: Engine, arguments: list[str], name: str) -> Iterator[None]:
    started = engine.run(arguments, check=False)
    if started.returncode != 0:
        raise LocalRunError(f"the container did not start:\n{started.stderr[-4000:]}")
    try:
        yield
    finally:
        engine.run(["rm", "--force", name], check=False)


def invoke(
    engine: Engine,
    function: FunctionSpec,
    event: Any,
    *,
    cache: Path,
    memory_limit: bool = True,
) -> Invocation:
    """Run ``function``'s image as Lambda would, send ``event``, return the response or error
    payload, and stop the container."""
    image = function_image(function)
    config = image_config(engine, image)
    entrypoint = function.entrypoint or config.get("Entrypoint") or []
    if entrypoint and _is_symlink_in_image(engine, image, entrypoint[0]):
        raise LocalRunError(
            f"{function.logical_id}: the entry point {entrypoint[0]} is a symbolic link in the"
            " image; Lambda does not run symlinked entry points, name the real file"
        )
    arch = function.architectures[0]
    if arch != host_architecture():
        raise LocalRunError(
            f"{function.logical_id} runs on {arch}; this machine runs {host_architecture()}"
            " images only (no emulation is set up)"
        )
    rie = emulator(cache, arch)
    name = f"lambda-images-{uuid.uuid4().hex[:12]}"
    emulator_port, runtime_api_port = _free_port(), _free_port()
    arguments = run_arguments(
        function, config, rie=rie, image=image, name=name, emulator_port=emulator_port,
        runtime_api_port=runtime_api_port, memory_limit=memory_limit,
    )  # fmt: skip
    url = f"http://127.0.0.1:{emulator_port}{INVOCATION_PATH}"
    body = json.dumps(event).encode()
    started = time.monotonic()
    with _container(engine, arguments, name):
        deadline = time.monotonic() + 30
        while True:
            try:
                status, payload, error = _post(url, body, timeout=function.timeout + 10)
                break
            except (ConnectionError, urllib.error.URLError, OSError) as failure:
                if time.monotonic() > deadline:
                    logs = engine.run(["logs", name], check=False)
                    raise LocalRunError(
                        f"the emulator did not answer ({failure}):\n{logs.stdout}{logs.stderr}"
                    ) from failure
                time.sleep(0.1)
        seconds = time.monotonic() - started
        logs = engine.run(["logs", name], check=False)
    try:
        decoded: Any = json.loads(payload) if payload else None
    except json.JSONDecodeError:
        decoded = payload.decode(errors="replace")
        if decoded.startswith("Task timed out"):
            # The emulator answers a timeout in plain text; Lambda reports it as an error.
            decoded = {"errorType": "Sandbox.Timedout", "errorMessage": decoded}
    function_error = error or (isinstance(decoded, dict) and "errorType" in decoded)
    return Invocation(status, decoded, function_error, logs.stdout + logs.stderr, seconds)


def function_image(function: FunctionSpec) -> str:
    try:
        return local_image_for_tag(function.image_tag)
    except AssemblyError as error:
        raise LocalRunError(str(error)) from error
