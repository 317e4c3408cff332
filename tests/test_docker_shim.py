"""lambda-images-docker turns default attestations off for the builds CDK runs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_image_constructs.docker_shim import rewrite
from lambda_image_constructs.local.state import state_folder


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
    fake_tool(
        tmp_path,
        "docker",
        'if [ "$1" = buildx ]; then exit 0; fi\n'
        'echo "$@" > "$(dirname "$0")/args"\n'
        'echo "$BUILDX_NO_DEFAULT_ATTESTATIONS" > "$(dirname "$0")/env"\n',
    )
    return tmp_path


def fake_tool(folder: Path, name: str, body: str) -> None:
    script = folder / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def run_shim(*arguments: str, path: Path, cwd: Path | None = None) -> None:
    # The engine state defaults to the user's cache folder: here one of the test's own.
    env = {**os.environ, "PATH": f"{path}:{os.environ['PATH']}", "XDG_CACHE_HOME": str(path)}
    env.pop("LAMBDA_IMAGES_ENGINE", None)
    env.pop("LAMBDA_IMAGES_STATE", None)
    command = [sys.executable, "-m", "lambda_image_constructs.docker_shim", *arguments]
    subprocess.run(command, env=env, cwd=cwd, check=True)


def test_shim_runs_the_engine_with_attestations_off(fake_docker: Path) -> None:
    run_shim("build", "--platform", "linux/arm64", ".", path=fake_docker)
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
    fake_tool(tmp_path, "docker", "exit 1\n")
    fake_tool(
        tmp_path,
        "podman",
        'echo "$@" > "$(dirname "$0")/podman-args"\n'
        'echo "$CONTAINERS_STORAGE_CONF" > "$(dirname "$0")/podman-storage"\n',
    )
    # WHEN CDK asks the shim to build
    run_shim("build", "--platform", "linux/amd64", ".", path=tmp_path, cwd=tmp_path)
    # THEN podman builds, with lambda-images' storage and no buildx-only flags
    assert (tmp_path / "podman-args").read_text().split() == [
        "build",
        "--platform",
        "linux/amd64",
        ".",
    ]
    storage = (tmp_path / "podman-storage").read_text().strip()
    assert storage == str(tmp_path / "lambda-image-constructs/containers/storage-vfs.conf")


def test_the_shim_runs_without_node_and_never_imports_aws_cdk(tmp_path: Path) -> None:
    # GIVEN a PATH with no node (and no python): only a docker without daemon and a podman
    fake_tool(tmp_path, "docker", "exit 1\n")
    fake_tool(tmp_path, "podman", 'echo "$@" > "${0%/*}/podman-args"\n')  # no dirname here
    shim = Path(sys.executable).parent / "lambda-images-docker"
    # WHEN CDK runs the installed console script
    result = subprocess.run(
        [str(shim), "build", "--tag", "cdkasset-x", "."],
        env={**os.environ, "PATH": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it builds with podman, and neither it nor lambda-images loads aws_cdk or jsii
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "podman-args").read_text().split() == ["build", "--tag", "cdkasset-x", "."]
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, lambda_image_constructs.docker_shim, lambda_image_constructs.local.cli;"
         " print(sorted({m.split('.')[0] for m in sys.modules} & {'aws_cdk', 'jsii'}))"],
        env={**os.environ, "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    assert loaded.stdout.strip() == "[]"


def test_the_shim_keeps_engine_state_out_of_the_project_when_cdk_assets_builds_in_cdk_out(
    tmp_path: Path,
) -> None:
    # GIVEN a project (cdk.json) whose asset cdk-assets builds from inside cdk.out
    (tmp_path / "cdk.json").write_text("{}")
    asset = tmp_path / "cdk.out" / "asset.0123"
    asset.mkdir(parents=True)
    fake_tool(tmp_path, "docker", "exit 1\n")
    fake_tool(
        tmp_path, "podman", 'echo "$CONTAINERS_STORAGE_CONF" > "$(dirname "$0")/podman-storage"\n'
    )
    # WHEN it runs the shim there
    run_shim("build", "--tag", "cdkasset-0123", ".", path=tmp_path, cwd=asset)
    # THEN the engine uses the user's cache folder, and writes nothing into the project
    assert (tmp_path / "podman-storage").read_text().strip() == str(
        tmp_path / "lambda-image-constructs" / "containers" / "storage-vfs.conf"
    )
    assert not (tmp_path / "build").exists()
    assert [p.name for p in asset.iterdir()] == []


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"LAMBDA_IMAGES_STATE": "given", "XDG_CACHE_HOME": "/cache"}, "{cwd}/given"),
        ({"XDG_CACHE_HOME": "/cache"}, "/cache/lambda-image-constructs/containers"),
        # The XDG specification: a relative XDG_CACHE_HOME is ignored.
        ({"XDG_CACHE_HOME": "relative"}, "{home}/.cache/lambda-image-constructs/containers"),
        ({}, "{home}/.cache/lambda-image-constructs/containers"),
    ],
)
def test_the_state_folder_is_the_users_cache_unless_given(
    environment: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for key in ("LAMBDA_IMAGES_STATE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    assert state_folder() == Path(expected.format(cwd=tmp_path, home=tmp_path / "home"))
