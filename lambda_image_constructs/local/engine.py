"""The container engine that builds and runs images on this machine: Docker when a daemon
answers, else Podman (daemonless) with a project-local configuration."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Podman as it works without a daemon, without systemd and inside an unprivileged sandbox:
# runc, cgroupfs, vfs storage under the project, chroot isolation for builds, and explicit
# ulimits (Podman's defaults ask for more than such a sandbox grants, and runc then fails with
# "error setting rlimit"). The ulimits are Lambda's own: 1,024 open files and processes.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]
netns = "host"
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
LAMBDA_FILE_DESCRIPTORS = 1_024
LAMBDA_PROCESSES = 1_024
STORAGE_CONF = """\
[storage]
driver = "vfs"
graphroot = "{root}/storage"
runroot = "{root}/run"
"""


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


def podman_environment(state: Path) -> dict[str, str]:
    """Write the project-local Podman configuration under ``state`` and return the variables
    that point Podman (and Buildah) at it."""
    state.mkdir(parents=True, exist_ok=True)
    containers = state / "containers.conf"
    storage = state / "storage.conf"
    containers.write_text(
        CONTAINERS_CONF.format(
            nofile=_limit(resource.RLIMIT_NOFILE, LAMBDA_FILE_DESCRIPTORS),
            nproc=_limit(resource.RLIMIT_NPROC, LAMBDA_PROCESSES),
        )
    )
    storage.write_text(STORAGE_CONF.format(root=state.resolve()))
    return {
        "CONTAINERS_CONF": str(containers.resolve()),
        "CONTAINERS_STORAGE_CONF": str(storage.resolve()),
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
        return Engine("podman", podman, podman_environment(state))
    reasons = []
    if docker:
        reasons.append("docker is installed but no daemon answers `docker info`")
    else:
        reasons.append("docker is not installed")
    if not podman:
        reasons.append("podman is not installed (apt-get install podman buildah runc)")
    raise EngineUnavailable("no container engine: " + "; ".join(reasons))
