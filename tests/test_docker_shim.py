"""lambda-images-docker turns default attestations off for the builds CDK runs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_image_constructs.docker_shim import rewrite


def test_build_gets_attestations_off() -> None:
    assert rewrite(["build", "--tag", "x", "."], attestation_flags=True) == [
        "build",
        "--provenance=false",
        "--sbom=false",
        "--tag",
        "x",
        ".",
    ]


def test_explicit_flags_and_other_commands_are_left_alone() -> None:
    assert rewrite(["build", "--provenance=true", "."], attestation_flags=True) == [
        "build",
        "--sbom=false",
        "--provenance=true",
        ".",
    ]
    assert rewrite(["push", "repo:tag"], attestation_flags=True) == ["push", "repo:tag"]
    assert rewrite(["build", "."], attestation_flags=False) == ["build", "."]


@pytest.fixture
def fake_docker(tmp_path: Path) -> Path:
    """A `docker` on PATH that records its arguments and environment, with buildx."""
    script = tmp_path / "docker"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = buildx ]; then exit 0; fi\n'
        'echo "$@" > "$(dirname "$0")/args"\n'
        'echo "$BUILDX_NO_DEFAULT_ATTESTATIONS" > "$(dirname "$0")/env"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def test_shim_runs_the_engine_with_attestations_off(fake_docker: Path) -> None:
    env = {**os.environ, "PATH": f"{fake_docker}:{os.environ['PATH']}"}
    env.pop("LAMBDA_IMAGES_ENGINE", None)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "lambda_image_constructs.docker_shim",
            "build",
            "--platform",
            "linux/arm64",
            ".",
        ],
        env=env,
        check=True,
    )
    assert (fake_docker / "args").read_text().split() == [
        "build",
        "--provenance=false",
        "--sbom=false",
        "--platform",
        "linux/arm64",
        ".",
    ]
    assert (fake_docker / "env").read_text().strip() == "1"


def test_shim_says_when_the_engine_is_missing(tmp_path: Path) -> None:
    env = {**os.environ, "LAMBDA_IMAGES_ENGINE": "no-such-engine"}
    result = subprocess.run(
        [sys.executable, "-m", "lambda_image_constructs.docker_shim", "version"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 127
    assert "'no-such-engine' is not on PATH" in result.stderr


def test_without_a_docker_daemon_the_shim_builds_with_podman(tmp_path: Path) -> None:
    # GIVEN a docker client whose daemon does not answer, and a podman
    (tmp_path / "docker").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "podman").write_text(
        '#!/bin/sh\necho "$@" > "$(dirname "$0")/podman-args"\n'
        'echo "$CONTAINERS_STORAGE_CONF" > "$(dirname "$0")/podman-storage"\n'
    )
    for tool in ("docker", "podman"):
        path = tmp_path / tool
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    env.pop("LAMBDA_IMAGES_ENGINE", None)
    # WHEN CDK asks the shim to build
    subprocess.run(
        [
            sys.executable,
            "-m",
            "lambda_image_constructs.docker_shim",
            "build",
            "--platform",
            "linux/amd64",
            ".",
        ],
        env=env,
        cwd=tmp_path,
        check=True,
    )
    # THEN podman builds, with the project-local storage and no buildx-only flags
    assert (tmp_path / "podman-args").read_text().split() == [
        "build",
        "--platform",
        "linux/amd64",
        ".",
    ]
    assert (
        (tmp_path / "podman-storage").read_text().strip().endswith("build/containers/storage.conf")
    )
