"""The container engine that builds and runs images on this machine: Docker when a daemon
answers, else Podman (daemonless) with a project-local configuration."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Podman as it works without a daemon, without systemd and inside an unprivileged sandbox:
# runc, cgroupfs, storage under the project, chroot isolation for builds, and explicit ulimits
# (Podman's defaults ask for more than such a sandbox grants, and runc then fails with "error
# setting rlimit"). The ulimits are Lambda's own: 1,024 open files and processes. Containers
# get Podman's default network, a namespace of their own: never the host's.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
LAMBDA_FILE_DESCRIPTORS = 1_024
LAMBDA_PROCESSES = 1_024
# Overlay shares an image's layers between containers; vfs copies the whole image for each
# container and build step (several times slower), but works on any file system. Each driver
# has its own folders: Podman refuses storage made by another driver.
STORAGE_CONF = """\
[storage]
driver = "{driver}"
graphroot = "{root}/{graph}"
runroot = "{root}/{run}"
"""
STORAGE_FOLDERS = {"overlay": ("storage-overlay", "run-overlay"), "vfs": ("storage", "run")}
STORAGE_DRIVER_VARIABLE = "LAMBDA_IMAGES_STORAGE_DRIVER"


class EngineUnavailable(RuntimeError):
    """No container engine can build or run images here; the message says why."""


@dataclass(frozen=True)
class Engine:
    name: str  # "docker" or "podman"
    executable: str
    environment: Mapping[str, str] = field(default_factory=dict)

    def command(self, *arguments: str) -> list[str]:
        return [self.executable, *arguments]

    def run(
        self, arguments: Sequence[str], *, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*arguments),
            env={**os.environ, **self.environment},
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def image_exists(self, image: str) -> bool:
        return self.run(["image", "inspect", image], check=False).returncode == 0


def _limit(kind: int, wanted: int) -> int:
    hard = resource.getrlimit(kind)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step: a concurrent Podman never reads half a file."""
    if path.is_file() and path.read_text() == text:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    partial.replace(path)


def storage_driver(state: Path, podman: str) -> str:
    """``overlay`` where it works (probed once, the answer kept in ``state``), else ``vfs``,
    saying so once; ``$LAMBDA_IMAGES_STORAGE_DRIVER`` forces one."""
    forced = os.environ.get(STORAGE_DRIVER_VARIABLE)
    if forced:
        if forced not in STORAGE_FOLDERS:
            raise EngineUnavailable(
                f"{STORAGE_DRIVER_VARIABLE} must be one of {sorted(STORAGE_FOLDERS)},"
                f" got {forced[:80]!r}"
            )
        return forced
    decided = state / "storage-driver"
    if decided.is_file() and decided.read_text().strip() in STORAGE_FOLDERS:
        return decided.read_text().strip()
    graph, run = STORAGE_FOLDERS["overlay"]
    probe_conf = state / ".storage-probe.conf"
    _write_atomically(
        probe_conf, STORAGE_CONF.format(driver="overlay", root=state, graph=graph, run=run)
    )
    try:
        probe = subprocess.run(
            [podman, "info", "--format", "{{.Store.GraphDriverName}}"],
            env={
                **os.environ,
                "CONTAINERS_CONF": str(state / "containers.conf"),
                "CONTAINERS_STORAGE_CONF": str(probe_conf),
            },
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        works = probe.returncode == 0 and probe.stdout.strip() == "overlay"
        reason = (probe.stderr.strip().splitlines() or ["no reason given"])[-1][:200]
    except (OSError, subprocess.TimeoutExpired) as error:
        works, reason = False, str(error)[:200]
    driver = "overlay" if works else "vfs"
    if not works:
        print(
            f"lambda-images: overlay storage does not work here ({reason}); using vfs, which"
            " copies each image per container and is slower",
            file=sys.stderr,
        )
    _write_atomically(decided, driver + "\n")
    return driver


def podman_environment(state: Path, podman: str = "podman") -> dict[str, str]:
    """Write the project-local Podman configuration under ``state`` and return the variables
    that point Podman (and Buildah) at it."""
    # Absolute: Podman reads a relative path in a --volume as a named volume, and the
    # configuration must hold wherever the engine is run from.
    state = state.resolve()
    state.mkdir(parents=True, exist_ok=True)
    containers = state / "containers.conf"
    _write_atomically(
        containers,
        CONTAINERS_CONF.format(
            nofile=_limit(resource.RLIMIT_NOFILE, LAMBDA_FILE_DESCRIPTORS),
            nproc=_limit(resource.RLIMIT_NPROC, LAMBDA_PROCESSES),
        ),
    )
    driver = storage_driver(state, podman)
    graph, run = STORAGE_FOLDERS[driver]
    # One file per driver: a run that forces the other driver never rewrites this one's.
    storage = state / f"storage-{driver}.conf"
    _write_atomically(storage, STORAGE_CONF.format(driver=driver, root=state, graph=graph, run=run))
    return {
        "CONTAINERS_CONF": str(containers),
        "CONTAINERS_STORAGE_CONF": str(storage),
        "BUILDAH_ISOLATION": "chroot",
    }


def docker_daemon_answers(docker: str) -> bool:
    try:
        probe = subprocess.run([docker, "info"], capture_output=True, check=False, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def detect_engine(state: Path, preferred: str | None = None) -> Engine:
    """Docker if its daemon answers, else Podman; ``preferred`` (or $LAMBDA_IMAGES_ENGINE)
    forces one."""
    choice = preferred or os.environ.get("LAMBDA_IMAGES_ENGINE")
    docker = shutil.which("docker")
    if choice in (None, "docker") and docker and docker_daemon_answers(docker):
        return Engine("docker", docker)
    podman = shutil.which("podman")
    if choice in (None, "podman") and podman:
        try:
            environment = podman_environment(state, podman)
        except OSError as error:
            raise EngineUnavailable(
                f"the engine state folder {state} cannot be used: {error.strerror or error}"
            ) from None
        return Engine("podman", podman, environment)
    reasons = []
    if docker:
        reasons.append("docker is installed but no daemon answers `docker info`")
    else:
        reasons.append("docker is not installed")
    if not podman:
        reasons.append("podman is not installed (apt-get install podman buildah runc)")
    raise EngineUnavailable("no container engine: " + "; ".join(reasons))
