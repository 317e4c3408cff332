"""A resource policy (here: an ECR repository policy) decided for one request, as IAM decides
it (IAM User Guide, "Policy evaluation logic"): an explicit ``Deny`` that applies wins; else an
``Allow`` that applies allows; else the request is implicitly denied.

A statement applies when its principal, action, resource and condition all match. Each of them
is True, False or None ("cannot tell": something this module does not understand, such as an
unresolved intrinsic function, an unknown condition key or operator). A statement that may
apply keeps the decision open: an unknown Deny blocks an Allow, an unknown Allow blocks an
implicit deny, and the decision is then ``unknown``, naming what was not understood.

Only what a resource policy says is decided: identity policies, permission boundaries, SCPs and
session policies are not in a cloud assembly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..limits import ACCOUNT_ID
from .conditions import Answer, Context, evaluate_condition, glob_match

_ACCOUNT_ID = ACCOUNT_ID
_ACCOUNT_ROOT = re.compile(rf"arn:(?P<partition>[^:]+):iam::(?P<account>{ACCOUNT_ID.pattern}):root")

Outcome = Literal["allowed", "explicit deny", "implicit deny", "unknown"]


@dataclass(frozen=True)
class Request:
    """One request to the resource: who makes it, the action, and what IAM knows of it.

    ``principal`` is an IAM ARN (an account's ``...:root``, a role or a user) or, with
    ``service``, a service principal such as ``lambda.amazonaws.com``. ``resource`` is the
    resource's ARN, or None when it is not known.
    """

    action: str
    principal: str
    context: Context
    resource: str | None = None
    service: bool = False
    account: str | None = None
    partition: str = "aws"


@dataclass(frozen=True)
class StatementVerdict:
    """Whether one statement applies to the request, and why not when it does not."""

    label: str
    effect: str
    applies: Answer
    reason: str


@dataclass(frozen=True)
class Decision:
    """The outcome for one action and the statements that decided it: the applying Deny
    statements, the applying Allow statements, or (implicit deny) every statement, each with
    why it does not apply."""

    action: str
    outcome: Outcome
    deciding: tuple[StatementVerdict, ...]

    @property
    def allowed(self) -> Answer:
        return None if self.outcome == "unknown" else self.outcome == "allowed"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _any(answers: Iterable[Answer]) -> Answer:
    seen = list(answers)
    return True if True in seen else None if None in seen else False


def _not(answer: Answer) -> Answer:
    return None if answer is None else not answer


def _aws_entry(entry: Any, request: Request) -> Answer:
    if entry == "*":
        # Whether {"AWS": "*"} takes in service principals differs by service.
        return None if request.service else True
    if not isinstance(entry, str) or "*" in entry or "?" in entry:
        return None
    if request.service:
        return False
    if _ACCOUNT_ID.fullmatch(entry):
        return entry == request.account
    if root := _ACCOUNT_ROOT.fullmatch(entry):
        return root["account"] == request.account and root["partition"] == request.partition
    if entry.startswith("arn:"):
        return entry == request.principal
    return None  # a unique ID (AROA..., AIDA...) of a deleted principal, or something else


def _principal_entry(kind: str, entry: Any, request: Request) -> Answer:
    if kind == "AWS":
        return _aws_entry(entry, request)
    if kind == "Service":
        if not isinstance(entry, str):
            return None
        return request.service and entry.lower() == request.principal.lower()
    if kind in ("Federated", "CanonicalUser"):
        return False  # never the principal of the requests decided here
    return None


def principal_matches(element: Any, request: Request) -> Answer:
    """Whether a ``Principal`` element names the request's principal."""
    if element == "*":
        return True
    if not isinstance(element, Mapping) or not element:
        return None
    return _any(
        _principal_entry(str(kind), entry, request)
        for kind, entries in element.items()
        for entry in _as_list(entries)
    )


def _names_match(patterns: Any, value: str | None, *, ignore_case: bool) -> Answer:
    answers: list[Answer] = []
    for pattern in _as_list(patterns):
        if not isinstance(pattern, str) or "${" in pattern or value is None:
            answers.append(None)
        else:
            answers.append(glob_match(pattern, value, ignore_case=ignore_case))
    return _any(answers)


def _element(statement: Mapping[str, Any], name: str, request: Request) -> tuple[Answer, str]:
    """Principal/NotPrincipal, Action/NotAction or Resource/NotResource of a statement."""
    positive, negative = name, f"Not{name}"
    if (positive in statement) == (negative in statement):
        if name == "Resource" and positive not in statement:
            return True, ""  # repository policies leave the resource out: the repository
        return None, f"needs exactly one of {positive} and {negative}"
    raw = statement.get(positive, statement.get(negative))
    if name == "Principal":
        answer = principal_matches(raw, request)
    elif name == "Action":
        answer = _names_match(raw, request.action, ignore_case=True)
    else:
        answer = _names_match(raw, request.resource, ignore_case=False)
    if negative in statement:
        answer = _not(answer)
    who = request.principal if name == "Principal" else (
        request.action if name == "Action" else request.resource
    )  # fmt: skip
    word = positive if positive in statement else negative
    if answer is None:
        return None, f"{word} {raw!r} is not understood"
    return answer, "" if answer else f"{word} {raw!r} does not take in {who}"


def _statement(index: int, statement: Any, request: Request) -> StatementVerdict:
    if not isinstance(statement, Mapping):
        return StatementVerdict(f"statement {index}", "?", None, "is not an object")
    label = str(statement.get("Sid") or f"statement {index}")
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        return StatementVerdict(label, str(effect), None, f"Effect {effect!r} is not understood")
    unknown: list[str] = []
    for name in ("Action", "Principal", "Resource"):
        answer, reason = _element(statement, name, request)
        if answer is False:
            return StatementVerdict(label, effect, False, reason)
        if answer is None:
            unknown.append(reason)
    verdict = evaluate_condition(statement.get("Condition"), request.context)
    if verdict.answer is False:
        return StatementVerdict(label, effect, False, verdict.reason)
    if verdict.answer is None:
        unknown.append(verdict.reason)
    return StatementVerdict(label, effect, None if unknown else True, "; ".join(unknown))


class PolicyError(ValueError):
    """A policy that is not a policy document: not JSON, or without statements."""


def statements_of(policy: Any) -> Sequence[Any]:
    """The statements of a policy given as an object or as JSON text (None: no policy)."""
    if policy is None:
        return []
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as failure:
            raise PolicyError(f"the policy text is not JSON: {failure.msg}") from None
    if not isinstance(policy, Mapping) or "Statement" not in policy:
        raise PolicyError(f"the policy has no Statement: {str(policy)[:80]!r}")
    statements = policy["Statement"]
    return statements if isinstance(statements, list) else [statements]


def decide(policy: Any, request: Request) -> Decision:
    """The outcome of ``request`` under the resource policy ``policy``."""
    try:
        statements = statements_of(policy)
    except PolicyError as error:
        return Decision(
            request.action, "unknown", (StatementVerdict("policy", "?", None, str(error)),)
        )
    verdicts = [_statement(i, s, request) for i, s in enumerate(statements)]
    odd = tuple(v for v in verdicts if v.effect not in ("Allow", "Deny"))
    if odd:  # IAM refuses the whole policy
        return Decision(request.action, "unknown", odd)
    for effect, wanted, outcome in (
        ("Deny", True, "explicit deny"),
        ("Deny", None, "unknown"),
        ("Allow", True, "allowed"),
        ("Allow", None, "unknown"),
    ):
        found = tuple(v for v in verdicts if v.effect == effect and v.applies is wanted)
        if found:
            return Decision(request.action, outcome, found)  # type: ignore[arg-type]
    return Decision(request.action, "implicit deny", tuple(verdicts))
