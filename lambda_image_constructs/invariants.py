"""Safety invariants that hold whether or not the compliance packs are registered.

The packs report findings only when an app registers them; these refuse, at synth, what is
dangerous or cannot deploy in any app: a shared repository with a statement that lets the Lambda
service pull for any account's functions, a pull by ``*`` without an organisation condition,
a KMS key of another Region, a name
used twice in one account and Region, more alarms than CodeDeploy takes, scaling bounds past
Lambda's and a fractional size.

Pure Python apart from reading the ``env`` of a resource. (Regions that do not exist or belong to
another partition are refused where Regions are read: ``limits.partition_of``.)
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from constructs import Construct, IConstruct

from .errors import Problems
from .limits import DEPLOYMENT_MAX_ALARMS, RESERVED_CONCURRENCY
from .policies import LAMBDA_SERVICE_PRINCIPAL
from .tokens import is_unresolved
from .tree import root_of

CODEDEPLOY_MAX_ALARMS = DEPLOYMENT_MAX_ALARMS
LAMBDA_MAX_CONCURRENCY = RESERVED_CONCURRENCY[1]
# Condition keys that tie a Lambda service pull to functions (aws:sourceARN, aws:SourceAccount)
# or an organisation (aws:SourceOrgID, or its units: aws:SourceOrgPaths); keys are
# case-insensitive.
_LAMBDA_SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid"})
_ORGANIZATION_KEYS = frozenset(
    {"aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths"}
)


# -- repository policies ----------------------------------------------------------------------


def check_repository_policy(
    problems: Problems, field: str, policy: Mapping[str, Any] | None, *, shared: bool
) -> None:
    """A repository policy's statements against the two invariants: no unconditioned Lambda
    service statement on a ``shared`` repository, no ``*`` principal without an organisation
    condition. ``field`` names the option or method that wrote the statement."""
    for statement in (policy or {}).get("Statement", ()):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        keys = _condition_keys(statement.get("Condition"))
        if shared and _names_lambda_service(statement) and not keys & _LAMBDA_SOURCE_KEYS:
            problems.add(
                field,
                _sid(statement),
                "must not let the Lambda service pull without an aws:sourceARN condition on a"
                " repository shared with other accounts: it would pull for functions of any"
                " account. Use ImageSource.from_repository (it writes the conditioned"
                " statements), or keep same_account_source_arn_condition at its default",
            )
        if _names_everyone(statement) and not keys & _ORGANIZATION_KEYS:
            problems.add(
                field,
                _sid(statement),
                "must not let everyone ('*') pull: give organization_id='o-...' (pulls by the"
                " accounts of that organisation) or grant the accounts or roles that pull",
            )


def _principals(statement: Mapping[str, Any]) -> list[Any]:
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, Mapping):
        found: list[Any] = []
        for value in principal.values():
            found.extend(value if isinstance(value, list) else [value])
        return found
    return []


def _names_lambda_service(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    services = principal.get("Service") if isinstance(principal, Mapping) else None
    listed = services if isinstance(services, list) else [services]
    return any(isinstance(s, str) and s.lower() == LAMBDA_SERVICE_PRINCIPAL for s in listed)


def _names_everyone(statement: Mapping[str, Any]) -> bool:
    return any(p == "*" for p in _principals(statement))


def _condition_keys(condition: Any) -> frozenset[str]:
    if not isinstance(condition, Mapping):
        return frozenset()
    return frozenset(
        str(key).lower()
        for block in condition.values()
        if isinstance(block, Mapping)
        for key in block
    )


def _sid(statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    principal = statement.get("Principal")
    return f"statement {sid!r}" if sid else f"a statement for {principal!r}"


# -- Regions ----------------------------------------------------------------------------------


def check_same_region(problems: Problems, field: str, resource: Any, region: str) -> None:
    """A Region-bound resource (a KMS key) given to a construct is in the construct's Region."""
    if resource is None or is_unresolved(region):
        return
    env = getattr(resource, "env", None)
    theirs = getattr(env, "region", None)
    if isinstance(theirs, str) and not is_unresolved(theirs) and theirs != region:
        problems.add(
            field,
            f"a key in {theirs}",
            f"must be in the same Region as what it encrypts ({region}): KMS keys are regional",
        )


# -- names unique per account and Region ------------------------------------------------------

_CLAIMS: weakref.WeakKeyDictionary[IConstruct, dict[tuple[str, str, str, str], str]] = (
    weakref.WeakKeyDictionary()
)


def claim_name(
    problems: Problems,
    field: str,
    construct: Construct,
    *,
    kind: str,
    name: Any,
    account: Any,
    region: Any,
    path: str | None = None,
) -> None:
    """Record that ``construct`` (or the child at ``path`` of it) takes ``name`` for a ``kind``
    (``'ECR repository'``) in an account and Region of its app; a second construct taking it
    there is a problem. Names, accounts or Regions known only at deploy time are not compared."""
    if not all(isinstance(v, str) and not is_unresolved(v) for v in (name, account, region)):
        return
    claims = _CLAIMS.setdefault(root_of(construct), {})
    key = (kind, account, region, name)
    path = path or construct.node.path
    holder = claims.setdefault(key, path)
    if holder != path:
        problems.add(
            field,
            name,
            f"must be unique among the {kind} names of account {account} in {region}:"
            f" {holder} has it already",
        )


# -- counts, bounds and sizes -----------------------------------------------------------------


def check_alarm_count(problems: Problems, field: str, alarms: Sequence[Any], own: int) -> None:
    """CodeDeploy takes at most 10 alarms per deployment group: ``alarms`` of the user plus
    ``own`` alarms the construct adds."""
    total = len(alarms) + own
    if total > CODEDEPLOY_MAX_ALARMS:
        problems.add(
            field,
            f"{len(alarms)} alarms" + (f" and {own} of the function's own" if own else ""),
            f"must be at most {CODEDEPLOY_MAX_ALARMS} alarms in all, CodeDeploy's limit per"
            " deployment group" + ("; drop some, or set default_alarms=False" if own else ""),
        )


def check_concurrency_bounds(problems: Problems, values: Iterable[tuple[str, Any]]) -> None:
    """Concurrency settings (reserved, provisioned, scaling capacities) within Lambda's."""
    for field, value in values:
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not is_unresolved(value)
            and value > LAMBDA_MAX_CONCURRENCY
        ):
            problems.add(
                field, value, f"must be at most {LAMBDA_MAX_CONCURRENCY:,}, Lambda's bound"
            )


def check_function(problems: Problems, options: Mapping[str, Any], scope: Construct,
                   path: str, account: str | None, region: str | None) -> None:  # fmt: skip
    """An ``ImageFunction``'s options against the invariants: its name unique in its account
    and Region, CodeDeploy's alarm limit, Lambda's concurrency bounds."""
    name = options.get("function_name")
    claim_name(problems, "function_name", scope, kind="Lambda function", name=name,
               account=account, region=region, path=path)  # fmt: skip
    deployment = options.get("deployment")
    alarms = getattr(deployment, "alarms", None)
    if isinstance(alarms, Sequence) and not isinstance(alarms, str):
        with_queue = options.get("dead_letter_queue") is not None or (
            options.get("dead_letter_queue_enabled") is not False
            and options.get("dead_letter_topic") is None
        )
        own = (3 if with_queue else 2) if getattr(deployment, "default_alarms", True) else 0
        check_alarm_count(problems, "deployment.alarms", alarms, own)
    scaling = options.get("provisioned_concurrency_scaling")
    check_concurrency_bounds(problems, [
        ("provisioned_concurrency", options.get("provisioned_concurrency")),
        ("provisioned_concurrency_scaling.max_capacity", getattr(scaling, "max_capacity", None)),
        ("provisioned_concurrency_scaling.min_capacity", getattr(scaling, "min_capacity", None)),
    ])  # fmt: skip


def whole_mebibytes(problems: Problems, field: str, mebibytes: float) -> int | None:
    """A size in MiB, refused when it is not a whole number (``Size.mebibytes(512.5)``)."""
    if not math.isfinite(mebibytes) or mebibytes != int(mebibytes):
        problems.add(field, f"{mebibytes} MiB", "must be a whole number of MiB")
        return None
    return int(mebibytes)
