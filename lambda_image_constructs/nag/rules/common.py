"""What every rule shares: its verdicts, its context, and readers of policy documents."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ...limits import ACCOUNT_ID

Resource = Mapping[str, Any]
IMAGE_PLATFORM_METADATA = "lambda-image-constructs:image-platform"
LAMBDA_SERVICE = "lambda.amazonaws.com"
ACCOUNT_IN_ARN = re.compile(rf"^arn:[^:]+:iam::({ACCOUNT_ID.pattern}):")


class Compliance(Enum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class RuleContext:
    """The resource's stack account (None when only known at deploy time), and the registry
    scanning rules (``Rules`` of ``AWS::ECR::RegistryScanningConfiguration``) of its account
    and Region in the same app."""

    account: str | None
    registry_scanning: tuple[Mapping[str, Any], ...] = ()


def properties(resource: Resource) -> Mapping[str, Any]:
    value = resource.get("Properties") or {}
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def repository_statements(resource: Resource) -> Iterator[Mapping[str, Any]]:
    policy = properties(resource).get("RepositoryPolicyText")
    if isinstance(policy, Mapping):
        for statement in as_list(policy.get("Statement")):
            if isinstance(statement, Mapping) and statement.get("Effect", "Allow") == "Allow":
                yield statement


def principal_values(statement: Mapping[str, Any], kind: str) -> list[Any]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"] if kind == "AWS" else []
    if isinstance(principal, Mapping):
        return as_list(principal.get(kind))
    return []


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for operator_block in (statement.get("Condition") or {}).values():
        if isinstance(operator_block, Mapping):
            keys.update(str(key).lower() for key in operator_block)
    return keys
