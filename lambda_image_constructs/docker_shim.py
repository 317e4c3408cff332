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
Podman with the configuration and storage of ``lambda-images`` (so ``cdk deploy`` can build
and push images on a machine without a Docker daemon), in the folder
:func:`~lambda_image_constructs.local.state.state_folder` names: ``$LAMBDA_IMAGES_STATE``, else
the user's cache folder, never the app's.

It imports nothing of aws_cdk (nor jsii), so it runs without Node on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from .local.engine import Engine, EngineUnavailable, detect_engine
from .local.state import state_folder

ATTESTATIONS_OFF = ("--provenance=false", "--sbom=false")


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
