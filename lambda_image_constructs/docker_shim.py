"""``lambda-images-docker``: the container CLI that CDK's asset publishing runs (``CDK_DOCKER``).

cdk-assets builds an image with ``$CDK_DOCKER build ...`` and pushes it. Recent Docker
(buildx) attaches a provenance attestation by default, which turns the pushed image into an
OCI index that Lambda refuses ("image manifest ... media type is not supported").
DockerImageAsset has no option for that, so this shim runs the real CLI with default
attestations turned off:

* ``BUILDX_NO_DEFAULT_ATTESTATIONS=1`` for every command (buildx reads it; others ignore it);
* for ``build``, ``--provenance=false --sbom=false`` when the engine is Docker with buildx.

Point CDK at it with ``export CDK_DOCKER=lambda-images-docker`` (the Makefile does).
The engine is ``$LAMBDA_IMAGES_ENGINE`` if set, else Docker when its daemon answers, else
Podman with the project-local configuration of ``lambda-images`` (so ``cdk deploy`` can build
and push images on a machine without a Docker daemon): ``$LAMBDA_IMAGES_STATE``, else
``build/containers`` of the project (the nearest folder up from here with a ``cdk.json``, since
cdk-assets runs builds inside ``cdk.out``), else of the current folder.

It imports nothing of aws_cdk (nor jsii), so it runs without Node on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .local.engine import Engine, EngineUnavailable, detect_engine

ATTESTATIONS_OFF = ("--provenance=false", "--sbom=false")
STATE = Path("build/containers")
STATE_VARIABLE = "LAMBDA_IMAGES_STATE"


def state_folder(cwd: Path | None = None) -> Path:
    """Where the engine's project-local state is (absolute)."""
    given = os.environ.get(STATE_VARIABLE)
    if given:
        return Path(given).absolute()
    here = (cwd or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / "cdk.json").is_file():
            return folder / STATE
    return here / STATE


def supports_attestation_flags(executable: str) -> bool:
    """Whether ``executable build`` is buildx, which knows --provenance/--sbom."""
    if os.path.basename(executable) != "docker":
        return False
    probe = subprocess.run(
        [executable, "buildx", "version"], capture_output=True, check=False, timeout=30
    )
    return probe.returncode == 0


def rewrite(arguments: Sequence[str], *, attestation_flags: bool) -> list[str]:
    """The arguments with attestations turned off for a build."""
    arguments = list(arguments)
    if attestation_flags and arguments[:1] == ["build"]:
        given = {a.split("=", 1)[0] for a in arguments}
        extra = [f for f in ATTESTATIONS_OFF if f.split("=", 1)[0] not in given]
        return ["build", *extra, *arguments[1:]]
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = os.environ.get("LAMBDA_IMAGES_ENGINE")
    if chosen and chosen not in ("docker", "podman"):
        # Any other CLI named explicitly is run as it is.
        executable = shutil.which(chosen)
        if executable is None:
            print(f"lambda-images-docker: {chosen!r} is not on PATH", file=sys.stderr)
            return 127
        selected = Engine(chosen, executable)
    else:
        try:
            selected = detect_engine(state_folder(), chosen)
        except EngineUnavailable as error:
            print(f"lambda-images-docker: {error}", file=sys.stderr)
            return 127
    flags = arguments[:1] == ["build"] and supports_attestation_flags(selected.executable)
    environ = {**os.environ, **selected.environment, "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}
    return subprocess.run(
        [selected.executable, *rewrite(arguments, attestation_flags=flags)],
        env=environ,
        check=False,
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
