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
UNKNOWN = "\0"  # a part only CloudFormation knows (a parameter, an import)
_SUB = re.compile(r"\$\{([^}]+)\}")


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
    # The ``Rules`` of ``AWS::ECR::SigningConfiguration`` by (account, Region), for every
    # registry of the app (an empty tuple: none); None when not gathered.
    registry_signing: Mapping[tuple[str, str], tuple[Mapping[str, Any], ...]] | None = None


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


def image_uri_text(value: Any, account: str | None) -> str | None:
    """An ImageUri as text: literal, or ``Fn::Join`` / ``Fn::Sub`` of literals and pseudo
    parameters (the stack's account where known), other parts marked unknown."""
    pseudo = {"AWS::AccountId": account or UNKNOWN}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return pseudo.get(str(value["Ref"]), UNKNOWN)
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        texts = [image_uri_text(p, account) for p in parts] if isinstance(parts, list) else [None]
        return str(separator).join(t if t is not None else UNKNOWN for t in texts)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        template = value["Fn::Sub"]
        if isinstance(template, list):
            template = template[0]
        if isinstance(template, str):
            return _SUB.sub(lambda m: pseudo.get(m[1], UNKNOWN), template)
    return None
