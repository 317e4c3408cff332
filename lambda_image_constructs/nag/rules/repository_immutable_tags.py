from __future__ import annotations

from .common import Compliance, Resource, RuleContext, properties

IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}


def repository_immutable_tags(resource: Resource, context: RuleContext) -> Compliance:
    """Tags cannot be overwritten, so a tag a function runs always names the same image."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    if properties(resource).get("ImageTagMutability") in IMMUTABLE:
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
