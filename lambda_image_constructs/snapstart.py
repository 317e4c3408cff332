"""SnapStart for container images: what AWS documents, checked at synth in pure Python.

Lambda supports SnapStart for container-image functions (AWS Lambda Developer Guide,
"Implementing SnapStart hooks for container images", SNAPSTART_IMAGES_DOC):

* Lambda's base images for Java 11+, Python 3.12+ and .NET 8+ run SnapStart's lifecycle
  themselves;
* any other image (its own base, a runtime interface client, or Lambda's provided.al2023,
  Node.js or Ruby base images) must either implement the SnapStart runtime API
  (``/runtime/restore/next``) or set ``LABEL com.amazonaws.lambda.feature.snapstart="Allow"``;
  with neither, publishing a version fails.

And for every function (the SnapStart page of the guide, SNAPSTART_DOC): published versions
only (an alias or version, never ``$LATEST``); not with provisioned concurrency, Amazon EFS or
more than 512 MB of ephemeral storage (checked where those options are: ``ImageFunction`` and
the configuration's rollout settings); not in Asia Pacific (New Zealand) or (Taipei).

aws-cdk-lib accepts ``snap_start`` on an image function (``Runtime.FROM_IMAGE``) from the
library's floor, 2.269.0, on (aws/aws-cdk pull request 38680).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

from dockerfile_parse import DockerfileParser

from .dockerfile_checks import BaseKind, classify_base, stage_chain
from .errors import Problems

SNAPSTART_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html"
SNAPSTART_IMAGES_DOC = (
    "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-custom.html"
)
SNAPSTART_LABEL = "com.amazonaws.lambda.feature.snapstart"
SNAPSTART_LABEL_VALUE = "Allow"
# Lambda base images that run SnapStart's lifecycle: runtime family -> lowest version.
MANAGED_LIFECYCLE = {"java": (11,), "python": (3, 12), "dotnet": (8,)}
UNSUPPORTED_REGIONS = {
    "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-east-2": "Asia Pacific (Taipei)",
}
_RUNTIME = re.compile(r"(java|python|dotnet)([0-9]+(?:\.[0-9]+)?)")


def check_snap_start_region(problems: Problems, field: str, region: str | None) -> None:
    """SnapStart is not offered in every Region (None: only known at deploy)."""
    if region in UNSUPPORTED_REGIONS:
        problems.add(
            field,
            True,
            f"is not available in {region} ({UNSUPPORTED_REGIONS[region]}): Lambda offers"
            f" SnapStart in every commercial Region but these ({SNAPSTART_DOC})",
        )


def _runs_lifecycle(runtime: str | None) -> bool:
    match = _RUNTIME.fullmatch(runtime or "")
    if match is None:
        return False
    version = tuple(int(part) for part in match[2].split("."))
    return version >= MANAGED_LIFECYCLE[match[1]]


def _labels(value: str) -> dict[str, str]:
    """``LABEL a=b "c"="d e"`` -> {"a": "b", "c": "d e"}."""
    pairs = re.findall(r"""("[^"]*"|'[^']*'|[^\s=]+)=("[^"]*"|'[^']*'|\S*)""", value)
    return {key.strip("\"'"): found.strip("\"'") for key, found in pairs}


def snap_start_ready(
    dockerfile: str, *, build_args: Mapping[str, str] | None = None, target: str | None = None
) -> str | None:
    """Why the image Lambda runs (the final stage, or ``target``) may take SnapStart, or None
    when its Dockerfile shows neither way that AWS documents."""
    parser = DockerfileParser(fileobj=io.StringIO(dockerfile), build_args=dict(build_args or {}))
    chain = stage_chain(parser, target)
    if not chain:
        return None
    for stage in chain:
        for instruction in stage.instructions:
            if instruction["instruction"] == "LABEL":
                labels = _labels(str(instruction["value"]))
                if labels.get(SNAPSTART_LABEL) == SNAPSTART_LABEL_VALUE:
                    return f'it sets LABEL {SNAPSTART_LABEL}="{SNAPSTART_LABEL_VALUE}"'
    kind, runtime = classify_base(chain[-1].base)
    if kind is BaseKind.AWS_BASE and _runs_lifecycle(runtime):
        return f"its base, {chain[-1].base}, runs SnapStart's lifecycle"
    return None


def check_snap_start_image(
    problems: Problems,
    field: str,
    dockerfile: str,
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
) -> None:
    check_snap_start_readiness(
        problems, field, snap_start_ready(dockerfile, build_args=build_args, target=target)
    )


def check_snap_start_readiness(problems: Problems, field: str, ready: str | None) -> None:
    """``ready``: :func:`snap_start_ready`'s answer for the image."""
    if ready is None:
        problems.add(
            field,
            True,
            "needs an image Lambda can snapshot: FROM a Lambda base image for Java 11+,"
            f' Python 3.12+ or .NET 8+, or LABEL {SNAPSTART_LABEL}="{SNAPSTART_LABEL_VALUE}"'
            " in the stage Lambda runs (or a runtime implementing /runtime/restore/next);"
            f" otherwise publishing the version fails ({SNAPSTART_IMAGES_DOC})",
        )
