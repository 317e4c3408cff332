from __future__ import annotations

from .common import (
    Compliance,
    Resource,
    RuleContext,
    as_list,
    principal_values,
    repository_statements,
)


def service_principal_wildcard_action(resource: Resource, context: RuleContext) -> Compliance:
    """A repository policy grants AWS services only named actions: a wildcard (``ecr:*``,
    ``ecr:Batch*``) lets the service (Lambda, for any function that can name the repository)
    push, delete or change the policy as well as pull."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    granted = [s for s in repository_statements(resource) if principal_values(s, "Service")]
    if not granted:
        return Compliance.NOT_APPLICABLE
    for statement in granted:
        actions = as_list(statement.get("Action"))
        if "NotAction" in statement or any(isinstance(a, str) and "*" in a for a in actions):
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT
