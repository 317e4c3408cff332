from __future__ import annotations

from .common import (
    ACCOUNT_IN_ARN,
    LAMBDA_SERVICE,
    Compliance,
    Resource,
    RuleContext,
    condition_keys,
    principal_values,
    repository_statements,
)

SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid"}


def lambda_pull_source_condition(resource: Resource, context: RuleContext) -> Compliance:
    """A repository shared with other accounts lets the Lambda service pull only through
    statements conditioned on ``aws:sourceARN`` / ``aws:SourceAccount`` / ``aws:SourceOrgID``:
    every one of them, since a single unconditioned statement lets Lambda pull for functions
    of any account and makes the others' conditions restrict nothing."""
    if resource.get("Type") != "AWS::ECR::Repository":
        return Compliance.NOT_APPLICABLE
    statements = list(repository_statements(resource))
    shared = False
    for statement in statements:
        for principal in principal_values(statement, "AWS"):
            match = ACCOUNT_IN_ARN.match(principal) if isinstance(principal, str) else None
            if principal == "*" or (match and match.group(1) != context.account):
                shared = True
    if not shared:
        return Compliance.NOT_APPLICABLE
    lambda_statements = [s for s in statements if LAMBDA_SERVICE in principal_values(s, "Service")]
    if lambda_statements and all(condition_keys(s) & SOURCE_KEYS for s in lambda_statements):
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
