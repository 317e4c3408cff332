from __future__ import annotations

from .common import (
    Compliance,
    Resource,
    RuleContext,
    condition_keys,
    principal_values,
    repository_statements,
)

ORGANISATION_KEYS = {"aws:principalorgid", "aws:principalorgpaths"}


def repository_no_open_principal(resource: Resource, context: RuleContext) -> Compliance:
    """No statement grants Principal ``*`` unless an organisation condition narrows it."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    for statement in repository_statements(resource):
        open_to_all = "*" in principal_values(statement, "AWS")
        if open_to_all and not condition_keys(statement) & ORGANISATION_KEYS:
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT
