from __future__ import annotations

from .common import Compliance, Resource, RuleContext, properties


def repository_retained(resource: Resource, context: RuleContext) -> Compliance:
    """Deleting the stack keeps the repository and the images functions run."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    retained = resource.get("DeletionPolicy") == "Retain"
    if retained and not properties(resource).get("EmptyOnDelete"):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
