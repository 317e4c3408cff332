"""``lambda-images can-pull``: find the repository in the assembly and say, statement by
statement, why the principal can or cannot pull from it."""

from __future__ import annotations

import re
from pathlib import Path

from ..limits import ACCOUNT_ID
from ..local.assembly import AssemblyError
from .evaluate import Decision
from .pull import PullAnswer, PullCheck, can_pull, parse_principal
from .templates import RepositoryRecord, read_contents

_REPOSITORY_ARN = re.compile(
    rf"arn:[a-z-]+:ecr:(?P<region>[a-z0-9-]+):(?P<account>{ACCOUNT_ID.pattern}):repository/(?P<name>.+)"
)
_OUTCOMES = {
    "allowed": "allowed",
    "explicit deny": "denied by an explicit Deny",
    "implicit deny": "denied: no statement allows it",
    "unknown": "cannot tell",
}
EXIT = {True: 0, False: 1, None: 2}
"""Exit status of ``can-pull``: 0 allowed, 1 denied, 2 cannot tell (and usage or reading
errors)."""


def find_repository(repositories: list[RepositoryRecord], text: str) -> RepositoryRecord:
    """The repository named by an ARN, or by a name that only one repository has."""
    if match := _REPOSITORY_ARN.fullmatch(text):
        place = (match["account"], match["region"], match["name"])
        found = [r for r in repositories if (r.account, r.region, r.name) == place]
    else:
        found = [r for r in repositories if r.name == text]
    if len(found) == 1:
        return found[0]
    known = ", ".join(sorted(r.arn for r in repositories)) or "none"
    if found:
        raise AssemblyError(
            f"repository {text!r} is ambiguous: {len(found)} repositories have that name"
            f" ({', '.join(sorted(r.arn for r in found))}); give its ARN"
        )
    raise AssemblyError(f"repository {text!r} is not in the assembly; its repositories: {known}")


def _decision_lines(decision: Decision) -> list[str]:
    lines = []
    for verdict in decision.deciding:
        why = f": {verdict.reason}" if verdict.reason else ""
        lines.append(f"{verdict.label} ({verdict.effect}){why}")
    return lines


def _check_lines(check: PullCheck) -> list[str]:
    word = {True: "allowed", False: "denied", None: "cannot tell"}[check.allowed]
    lines = [f"  {check.subject}: {word}"]
    if check.note:
        lines.append(f"    note: {check.note}")
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for decision in check.decisions:
        key = (decision.outcome, tuple(_decision_lines(decision)))
        groups.setdefault(key, []).append(decision.action)
    for (outcome, statements), actions in groups.items():
        lines.append(f"    {', '.join(actions)}: {_OUTCOMES[outcome]}")
        lines.extend(f"      {statement}" for statement in statements)
    return lines


def describe(answer: PullAnswer) -> str:
    """The answer and every statement that decided it, one per line."""
    word = {True: "allowed", False: "denied", None: "cannot tell"}[answer.allowed]
    lines = [f"{word}: {answer.principal.arn} pulling from {answer.repository.arn}"]
    for check in answer.checks:
        lines.extend(_check_lines(check))
    return "\n".join(lines) + "\n"


def run_can_pull(
    assembly: Path, repository: str, principal: str, organization_id: str | None
) -> tuple[int, str]:
    """Exit status and report of ``lambda-images can-pull``."""
    try:
        who = parse_principal(principal)
    except ValueError as error:
        raise AssemblyError(str(error)) from None
    found = find_repository(read_contents(assembly).repositories, repository)
    answer = can_pull(found, who, organization_id)
    return EXIT[answer.allowed], describe(answer)
