"""A local base image for the Debian sample, for machines that cannot pull one: a Debian
bookworm root file system made with debootstrap (Python and pip included), imported into the
container engine. Also downloads the sample's wheels on the host, so its build needs no
network. Both are cached under the engine's state folder between runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from lambda_image_constructs.local.engine import Engine

BASE_IMAGE = "localhost/lambda-images-base:bookworm-python"
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = "python3,python3-pip,ca-certificates"
# The interpreter of the rootfs, whose wheels pip downloads on the host.
PYTHON_VERSION = "3.11"


class BaseImageUnavailable(RuntimeError):
    """The base image cannot be made here; the message says why."""


def ensure_base_image(engine: Engine, state: Path) -> str:
    if engine.image_exists(BASE_IMAGE):
        return BASE_IMAGE
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise BaseImageUnavailable("debootstrap is not installed (apt-get install debootstrap)")
    rootfs = state / f"rootfs-{SUITE}"
    done = rootfs / ".complete"
    if not done.exists():
        shutil.rmtree(rootfs, ignore_errors=True)
        made = subprocess.run(
            [debootstrap, "--variant=minbase", f"--include={PACKAGES}", SUITE, str(rootfs), MIRROR],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise BaseImageUnavailable(f"debootstrap failed: {made.stdout[-2000:]}{made.stderr}")
        done.touch()
    tar = subprocess.Popen(
        ["tar", "-C", str(rootfs), "--exclude=./.complete", "-c", "."], stdout=subprocess.PIPE
    )
    imported = subprocess.run(
        engine.command("import", "-", BASE_IMAGE),
        stdin=tar.stdout,
        capture_output=True,
        text=True,
        env={**os.environ, **engine.environment},
        check=False,
    )
    tar.wait()
    if imported.returncode != 0:
        raise BaseImageUnavailable(f"importing the rootfs failed: {imported.stderr}")
    return BASE_IMAGE


def download_wheels(requirements: Path, destination: Path, *, platform_tag: str) -> None:
    """The wheels of ``requirements`` for the rootfs's Python on ``platform_tag``."""
    destination.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
            "--python-version", PYTHON_VERSION, "--implementation", "cp",
            "--platform", f"manylinux2014_{platform_tag}",
            "--platform", f"manylinux_2_17_{platform_tag}",
            "--platform", f"manylinux_2_28_{platform_tag}",
            "--platform", f"manylinux1_{platform_tag}",
            "--dest", str(destination), "--requirement", str(requirements),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
