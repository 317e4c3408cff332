"""Build the images of a cloud assembly and invoke its functions locally, the way Lambda runs
them, with the Lambda Runtime Interface Emulator."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import platform
import queue
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .assembly import AssemblyError, FunctionSpec, ImageAsset, image_assets, local_image_for_tag
from .engine import Engine

# The emulator ships as a static binary inside the AWS SAM CLI wheel; only that file is used,
# and only from the wheel whose sha256 is pinned here (the one PyPI serves for this version).
SAM_CLI_VERSION = "1.170.0"
SAM_CLI_WHEEL_SHA256 = "24ebaf5ecba38dc1758089968cb89ab61e124b84e92a344fc7a2771a47f4d0bf"
RIE_IN_WHEEL = "samcli/local/rapid/aws-lambda-rie-{arch}"
RIE_IN_CONTAINER = "/opt/lambda-images/aws-lambda-rie"
# Lambda runs functions as an unprivileged user (sbx_user1051).
LAMBDA_USER = "993:990"
INVOCATION_PATH = "/2015-03-31/functions/function/invocations"
RIE_ARCH = {"x86_64": "x86_64", "arm64": "arm64"}
# Inside the container's own network namespace: the emulator listens for the host (through a
# port published on the host's 127.0.0.1 only), the runtime API only on the container's loopback.
EMULATOR_PORT = 8080
RUNTIME_API_ADDRESS = "127.0.0.1:9001"
# Every container of a run carries these labels: the run, and the process that owns it
# ("<pid>:<start time>", so that a reused pid is not taken for the owner), so that what a killed
# run left behind is found and removed at the next start.
RUN_LABEL = "lambda-images.run"
OWNER_LABEL = "lambda-images.owner"
CGROUP_ROOT = Path("/sys/fs/cgroup")


class LocalRunError(RuntimeError):
    """An image cannot be built or a function cannot be invoked; the message says why."""


class Interrupted(BaseException):  # like KeyboardInterrupt: no `except Exception` swallows it
    """The run was stopped by a signal; raised from the handler so that cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# The stop signals received, kept beside the exception the handler raises: Python may deliver a
# signal while it runs a finalizer (a subprocess.Popen's __del__), where an exception is printed
# and dropped, so the long waits look here too and raise it again.
_STOPS: list[int] = []


def stop_on_signal(signum: int, frame: object) -> None:
    """A signal handler: note the stop, then raise it as :class:`Interrupted`."""
    _STOPS.append(signum)
    raise Interrupted(signum)


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` for a stop signal that arrived, even one an exception
    handler or finalizer swallowed."""
    if _STOPS:
        raise Interrupted(_STOPS[0])


@dataclass(frozen=True)
class BuildResult:
    asset: ImageAsset
    seconds: float
    rebuilt: bool


@dataclass(frozen=True)
class Report:
    """What Lambda's REPORT line says of an invocation. Every ``lambda-images invoke`` starts a
    new container, so each one is a cold start with an init duration.

    Where each field comes from: the emulator's REPORT line gives the billed duration only (its
    ``Init Duration`` is near zero and its ``Duration`` holds the init, since it starts the
    runtime on the first invocation; its memory fields are a fixed 3008 MB); init duration and
    duration are parsed from the emulator's own phase log (``INIT REPORT(durationMs: ...)`` and
    ``INVOKE RTDONE(... duration: ...ms)``), as Lambda splits them; the memory size is the
    template's; max memory used is measured: the container's peak memory (cgroup
    ``memory.max_usage_in_bytes`` or ``memory.peak``), page cache included, so it can read
    higher than Lambda's figure for the same code."""

    init_duration_ms: float | None
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int | None

    def line(self) -> str:
        """The REPORT line as Lambda writes it (tab-separated)."""
        fields = []
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        fields += [
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
        ]
        if self.max_memory_used_mb is not None:
            fields.append(f"Max Memory Used: {self.max_memory_used_mb} MB")
        return "REPORT " + "\t".join(fields)


# "REPORT RequestId: <id>\tInit Duration: 1.23 ms\tDuration: 4.56 ms\tBilled Duration: 5 ms..."
_REPORT_FIELD = re.compile(r"([A-Za-z ]+): ([0-9.]+) (ms|MB)")


_INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([0-9.]+)\)")
_INVOKE_DONE = re.compile(r"INVOKE RTDONE\(.*?duration: ([0-9.]+)ms\)")


def phase_durations(logs: str) -> tuple[float | None, list[float]]:
    """The emulator's init duration (ms; None if it logged none) and each invocation's
    duration (ms), from its phase log."""
    init = _INIT_REPORT.search(logs)
    return (float(init[1]) if init else None), [float(d) for d in _INVOKE_DONE.findall(logs)]


def report_lines(logs: str) -> list[str]:
    """The REPORT lines of a container's log, in order."""
    return [line for line in logs.splitlines() if line.startswith("REPORT RequestId:")]


def parse_report(line: str) -> dict[str, float]:
    """The fields of one REPORT line (name -> number)."""
    return {name.strip(): float(value) for name, value, _ in _REPORT_FIELD.findall(line)}


@dataclass(frozen=True)
class Invocation:
    status: int
    payload: Any
    function_error: bool
    logs: str
    seconds: float
    report: Report | None = None


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


@dataclass(frozen=True)
class Layer:
    size_bytes: int
    created_by: str  # the instruction that made it, as the engine's history gives it


@dataclass(frozen=True)
class ImageSize:
    """An image's size as the engine stores it (uncompressed: what Lambda's 10 GB limit
    counts), and its layers, largest first."""

    image: str
    size_bytes: int
    layers: tuple[Layer, ...]

    def summary(self, largest: int = 3) -> str:
        shown = "; ".join(
            f"{megabytes(layer.size_bytes)} {_instruction(layer.created_by)}"
            for layer in self.layers[:largest]
        )
        return (
            f"{self.image}: {megabytes(self.size_bytes)} in {len(self.layers)} layers;"
            f" largest: {shown}"
        )


def megabytes(size: int) -> str:
    return f"{size / 10**6:.1f} MB"


def _instruction(created_by: str, width: int = 70) -> str:
    """A layer's instruction, shell prefix dropped, cut to ``width`` characters."""
    text = " ".join(
        created_by.replace("/bin/sh -c #(nop) ", "").replace("/bin/sh -c ", "RUN ").split()
    )
    return text if len(text) <= width else text[: width - 3] + "..."


def image_size(engine: Engine, image: str) -> ImageSize:
    """The size of a built image and of its layers (empty layers left out)."""
    inspected = engine.run(["image", "inspect", "--format", "{{.Size}}", image], check=False)
    if inspected.returncode != 0:
        raise LocalRunError(f"image {image} is not built: {inspected.stderr.strip()[-300:]}")
    if engine.name == "podman":
        history = engine.run(["history", "--no-trunc", "--format", "json", image], check=False)
        rows = json.loads(history.stdout or "[]")
        layers = [
            Layer(int(r.get("size") or 0), str(r.get("CreatedBy") or r.get("createdBy") or ""))
            for r in rows
        ]
    else:
        history = engine.run(
            ["history", "--no-trunc", "--human=false", "--format", "{{json .}}", image],
            check=False,
        )
        rows = [json.loads(line) for line in history.stdout.splitlines() if line.strip()]
        layers = [Layer(int(r.get("Size") or 0), str(r.get("CreatedBy") or "")) for r in rows]
    kept = sorted(
        (layer for layer in layers if layer.size_bytes > 0), key=lambda layer: -layer.size_bytes
    )
    return ImageSize(image, int(inspected.stdout.strip() or 0), tuple(kept))


def download_sam_cli(destination: Path) -> Path:
    """The pinned SAM CLI wheel, downloaded with pip (no dependencies) into ``destination``."""
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", str(destination),
             f"aws-sam-cli=={SAM_CLI_VERSION}"],
            check=True,
            capture_output=True,
            text=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        reason = (error.stderr.strip().splitlines() or ["no reason given"])[-1][:300]
        raise LocalRunError(
            f"pip could not download aws-sam-cli=={SAM_CLI_VERSION} for the emulator: {reason}"
        ) from None
    wheels = sorted(destination.glob("aws_sam_cli-*.whl"))
    if len(wheels) != 1:
        raise LocalRunError(
            f"pip download of aws-sam-cli=={SAM_CLI_VERSION} left {len(wheels)} wheels, not one"
        )
    return wheels[0]


def verify_sha256(path: Path, expected: str) -> None:
    """Refuse ``path`` unless its sha256 is ``expected``."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise LocalRunError(
            f"{path.name} has sha256 {digest}, not the pinned {expected}"
            " (SAM_CLI_WHEEL_SHA256): refusing to take the emulator from it"
        )


def emulator(
    cache: Path,
    arch: str,
    *,
    download: Callable[[Path], Path] = download_sam_cli,
    sha256: str = SAM_CLI_WHEEL_SHA256,
) -> Path:
    """The Runtime Interface Emulator binary for ``arch``, taken out of the pinned SAM CLI
    wheel (downloaded once, its sha256 checked before anything is taken out of it)."""
    # The name holds the wheel's hash: a binary cached from another (or an unchecked) wheel is
    # never used.
    target = cache / f"aws-lambda-rie-{arch}-{SAM_CLI_VERSION}-{sha256[:16]}"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download_folder:
        wheel = download(Path(download_folder))
        verify_sha256(wheel, sha256)
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(RIE_IN_WHEEL.format(arch=RIE_ARCH[arch]))
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.write_bytes(data)
    partial.chmod(0o755)
    partial.replace(target)
    return target


# What an image holds, read once per process: a local image is tagged with its asset's content
# hash, so what a tag names does not change (each read is a Podman process or two).
_IMAGE_FACTS: dict[tuple[str, ...], Any] = {}


def _image_key(engine: Engine, *parts: str) -> tuple[str, ...]:
    return (engine.executable, engine.environment.get("CONTAINERS_STORAGE_CONF", ""), *parts)


def image_config(engine: Engine, image: str) -> dict[str, Any]:
    key = _image_key(engine, "config", image)
    if key in _IMAGE_FACTS:
        return dict(_IMAGE_FACTS[key])
    process = engine.run(["image", "inspect", image], check=False)
    if process.returncode != 0:
        raise LocalRunError(
            f"image {image} is not built yet: run `lambda-images build` on this assembly first"
        )
    [inspected] = json.loads(process.stdout)
    config: dict[str, Any] = inspected.get("Config") or {}
    _IMAGE_FACTS[key] = config
    return dict(config)


def _entrypoint_is_symlink(engine: Engine, image: str, path: str) -> bool | None:
    key = _image_key(engine, "symlink", image, path)
    if key not in _IMAGE_FACTS:
        _IMAGE_FACTS[key] = _is_symlink_in_image(engine, image, path)
    answer: bool | None = _IMAGE_FACTS[key]
    return answer


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


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), or None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return ""  # no /proc here: the pid alone has to do
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    return stat.rsplit(")", 1)[1].split()[19]


def this_process_owner() -> str:
    return f"{os.getpid()}:{_process_start(os.getpid()) or ''}"


def _owner_alive(owner: str) -> bool:
    pid, _, start = owner.partition(":")
    if not pid.isdigit():
        return False
    current = _process_start(int(pid))
    if current is None:
        return False
    if current == "" or start == "":
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return current == start


def container_name(owner: str) -> str:
    """A container name that holds its owner, read back by :func:`remove_leftovers`."""
    return f"lambda-images-{owner.replace(':', '-')}-{uuid.uuid4().hex[:8]}"


def remove_leftovers(engine: Engine) -> list[str]:
    """Remove the containers of runs whose process is gone (killed before it could clean up);
    return their names. Containers of runs still going are left alone."""
    listed = engine.run(
        ["ps", "--all", "--filter", f"label={OWNER_LABEL}", "--format", "{{.Names}}"],
        check=False,
    )
    removed = []
    for name in listed.stdout.split():
        parts = name.split("-")  # lambda-images-<pid>-<start>-<random>
        if len(parts) != 5 or _owner_alive(f"{parts[2]}:{parts[3]}"):
            continue
        remove_container(engine, name)
        removed.append(name)
    return removed


def run_arguments(
    function: FunctionSpec,
    config: Mapping[str, Any],
    *,
    rie: Path,
    image: str,
    name: str,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """``<engine> run`` arguments that start ``function`` the way Lambda does: the template's
    ImageConfig over the image's own, a read-only root file system with only /tmp writable
    (sized from EphemeralStorage), an unprivileged user without capabilities or a way to gain
    privileges, a network namespace of its own, the memory size (no swap) and the timeout.

    The emulator's port is published on the host's 127.0.0.1 only, on a port the engine
    chooses (``<engine> port`` tells which)."""
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
        "--publish", f"127.0.0.1::{EMULATOR_PORT}",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        "--read-only",
        "--tmpfs", f"/tmp:rw,size={function.ephemeral_storage}m,mode=1777",
        "--user", LAMBDA_USER,
        "--workdir", working_directory,
        "--volume", f"{Path(rie).absolute()}:{RIE_IN_CONTAINER}:ro",
        "--entrypoint", RIE_IN_CONTAINER,
        "--memory", f"{function.memory_size}m",
        "--memory-swap", f"{function.memory_size}m",
    ]  # fmt: skip
    for key, value in sorted((labels or {}).items()):
        arguments += ["--label", f"{key}={value}"]
    for key, value in sorted(environment.items()):
        arguments += ["--env", f"{key}={value}"]
    return [
        *arguments,
        image,
        "--runtime-interface-emulator-address", f"0.0.0.0:{EMULATOR_PORT}",
        "--runtime-api-address", RUNTIME_API_ADDRESS,
        *entrypoint,
        *command,
    ]  # fmt: skip


def _post(url: str, body: bytes, timeout: float) -> tuple[int, bytes, bool]:
    """POST from a helper thread while this one waits in short slices, so a stop signal
    ends the wait at once, even one whose exception was swallowed."""
    answers: queue.Queue[tuple[int, bytes, bool] | BaseException] = queue.Queue(maxsize=1)

    def send() -> None:
        try:
            answers.put(_send(url, body, timeout))
        except BaseException as failure:  # handed to the waiting thread, raised there
            answers.put(failure)

    threading.Thread(target=send, name="lambda-images-invoke", daemon=True).start()
    while True:
        raise_if_stopped()
        try:
            answer = answers.get(timeout=0.2)
        except queue.Empty:
            continue
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _send(url: str, body: bytes, timeout: float) -> tuple[int, bytes, bool]:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            error = bool(response.headers.get("X-Amz-Function-Error"))
            return response.status, response.read(), error
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read(), True


CATCHABLE_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold stop signals back while cleaning up (they arrive after): a second Ctrl-C or
    SIGTERM must not cut a removal short."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, CATCHABLE_STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def remove_container(engine: Engine, name: str) -> None:
    """Remove a container at once (Podman would wait 10 s for a graceful stop first)."""
    now = ["--time", "0"] if engine.name == "podman" else []
    engine.run(["rm", "--force", *now, name], check=False)


@contextlib.contextmanager
def _container(engine: Engine, arguments: list[str], name: str) -> Iterator[None]:
    """A started container, removed afterwards whatever happens: a failed start (which can
    leave it "Created"), an error, or a signal turned into an exception."""
    try:
        started = engine.run(arguments, check=False)
        if started.returncode != 0:
            raise LocalRunError(f"the container did not start:\n{started.stderr[-4000:]}")
        yield
    finally:
        with _signals_held():
            remove_container(engine, name)


def _published_port(engine: Engine, name: str) -> int:
    mapped = engine.run(["port", name, f"{EMULATOR_PORT}/tcp"], check=False)
    # "127.0.0.1:43567" (one line per address; only 127.0.0.1 is published)
    for line in mapped.stdout.split():
        host, _, port = line.rpartition(":")
        if host == "127.0.0.1" and port.isdigit():
            return int(port)
    logs = engine.run(["logs", name], check=False)
    reason = mapped.stderr.strip()[-300:] or "no port published"
    raise LocalRunError(
        f"the container stopped as soon as it started ({reason}):"
        f"\n{(logs.stdout + logs.stderr)[-4000:]}"
    )


def invoke(
    engine: Engine,
    function: FunctionSpec,
    event: Any,
    *,
    cache: Path,
) -> Invocation:
    """Run ``function``'s image as Lambda would, send ``event``, return the response or error
    payload, and remove the container."""
    [invocation] = invoke_repeatedly(engine, function, event, cache=cache, times=1)
    return invocation


def invoke_repeatedly(
    engine: Engine, function: FunctionSpec, event: Any, *, cache: Path, times: int
) -> list[Invocation]:
    """Send ``event`` ``times`` times to one container of ``function``'s image: the first
    invocation is a cold start, the others are warm, as in one Lambda execution environment."""
    image = function_image(function)
    config = image_config(engine, image)
    entrypoint = function.entrypoint or config.get("Entrypoint") or []
    if entrypoint and _entrypoint_is_symlink(engine, image, entrypoint[0]):
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
    owner = this_process_owner()
    name = container_name(owner)
    arguments = run_arguments(
        function, config, rie=rie, image=image, name=name,
        labels={RUN_LABEL: name, OWNER_LABEL: owner},
    )  # fmt: skip
    body = json.dumps(event).encode()
    invocations = []
    with _container(engine, arguments, name):
        url = f"http://127.0.0.1:{_published_port(engine, name)}{INVOCATION_PATH}"
        for number in range(1, times + 1):
            started = time.monotonic()
            status, payload, error = _post_when_up(engine, name, url, body, function.timeout)
            seconds = time.monotonic() - started
            logs, fields = _logs_with_report(engine, name, number)
            peak = peak_memory_mb(engine, name)
            init, durations = phase_durations(logs)
            if fields is not None:  # the emulator's phase log splits init from the invocation
                if len(durations) >= number:
                    fields["Duration"] = durations[number - 1]
                fields.pop("Init Duration", None)
                if number == 1 and init is not None:
                    fields["Init Duration"] = init
            invocations.append(
                _invocation(function, status, payload, error, logs, seconds, fields, peak)
            )
    return invocations


def _post_when_up(
    engine: Engine, name: str, url: str, body: bytes, timeout: int
) -> tuple[int, bytes, bool]:
    """POST to the emulator, waiting up to 30 s for it to listen."""
    deadline = time.monotonic() + 30
    while True:
        raise_if_stopped()
        try:
            return _post(url, body, timeout=timeout + 10)
        except (ConnectionError, urllib.error.URLError, OSError) as failure:
            if time.monotonic() > deadline:
                logs = engine.run(["logs", name], check=False)
                raise LocalRunError(
                    f"the emulator did not answer ({failure}):\n{logs.stdout}{logs.stderr}"
                ) from failure
            time.sleep(0.1)


def _invocation(
    function: FunctionSpec,
    status: int,
    payload: bytes,
    error: bool,
    logs: str,
    seconds: float,
    fields: dict[str, float] | None,
    peak: int | None,
) -> Invocation:
    try:
        decoded: Any = json.loads(payload) if payload else None
    except json.JSONDecodeError:
        decoded = payload.decode(errors="replace")
        if decoded.startswith("Task timed out"):
            # The emulator answers a timeout in plain text; Lambda reports it as an error.
            decoded = {"errorType": "Sandbox.Timedout", "errorMessage": decoded}
    function_error = error or (isinstance(decoded, dict) and "errorType" in decoded)
    report = None
    if fields is not None and "Duration" in fields:
        report = Report(
            init_duration_ms=fields.get("Init Duration"),
            duration_ms=fields["Duration"],
            billed_duration_ms=int(fields.get("Billed Duration", math.ceil(fields["Duration"]))),
            memory_size_mb=function.memory_size,
            max_memory_used_mb=peak,
        )
    return Invocation(status, decoded, function_error, logs, seconds, report)


def _logs_with_report(
    engine: Engine, name: str, number: int = 1
) -> tuple[str, dict[str, float] | None]:
    """The container's log and the fields of its ``number``-th REPORT line; the emulator writes
    that line just after it answers, so the log is read again for a moment until it is there."""
    deadline = time.monotonic() + 2
    while True:
        read = engine.run(["logs", name], check=False)
        logs = read.stdout + read.stderr
        reports = report_lines(logs)
        if len(reports) >= number or time.monotonic() > deadline:
            return logs, parse_report(reports[number - 1]) if len(reports) >= number else None
        time.sleep(0.05)


def peak_memory_mb(engine: Engine, name: str) -> int | None:
    """The container's peak memory use in MB (rounded up), from its cgroup on the host (v1
    ``memory.max_usage_in_bytes`` or v2 ``memory.peak``); None when it cannot be read."""
    found = engine.run(["inspect", "--format", "{{.State.CgroupPath}}", name], check=False)
    path = found.stdout.strip().lstrip("/") if found.returncode == 0 else ""
    if not path or path == "<no value>":
        return None
    for candidate in (
        CGROUP_ROOT / "memory" / path / "memory.max_usage_in_bytes",
        CGROUP_ROOT / path / "memory.peak",
    ):
        try:
            return math.ceil(int(candidate.read_text().strip()) / 2**20)
        except (OSError, ValueError):
            continue
    return None


def function_image(function: FunctionSpec) -> str:
    try:
        return local_image_for_tag(function.image_tag)
    except AssemblyError as error:
        raise LocalRunError(str(error)) from error
