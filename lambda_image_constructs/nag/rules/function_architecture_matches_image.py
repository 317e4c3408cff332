from __future__ import annotations

from ...architecture import LambdaArchitecture
from .common import IMAGE_PLATFORM_METADATA, Compliance, Resource, RuleContext, properties

PLATFORM_OF = {a.lambda_name: a.docker_platform for a in LambdaArchitecture}


def function_architecture_matches_image(resource: Resource, context: RuleContext) -> Compliance:
    """The function's architecture is the platform its image asset was built for (recorded by
    ImageFunction in the resource's metadata)."""
    if resource.get("Type") != "AWS::Lambda::Function":
        return Compliance.NOT_APPLICABLE
    platform = (resource.get("Metadata") or {}).get(IMAGE_PLATFORM_METADATA)
    if platform is None:
        return Compliance.NOT_APPLICABLE
    architectures = properties(resource).get("Architectures") or ["x86_64"]
    if [PLATFORM_OF.get(a) for a in architectures] == [platform]:
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
