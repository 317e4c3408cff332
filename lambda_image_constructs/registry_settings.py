"""What registry-level settings share: ECR keeps some of them once per registry (an account in
a Region), so a second one in the same app is refused at synth; and the repository name filters
their rules take."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from aws_cdk import Annotations, Stack
from constructs import Construct, IConstruct

from .errors import Problems
from .limits import REPOSITORY_FILTER, REPOSITORY_FILTER_MAX_CHARS
from .tokens import is_unresolved
from .tree import root_of

# Per app and kind of setting, where each (account, Region) has its one: the construct path.
_CLAIMED: weakref.WeakKeyDictionary[IConstruct, dict[tuple[str, str, str], str]] = (
    weakref.WeakKeyDictionary()
)


class RegistryClaim:
    """The claim of ``construct`` on its stack's registry for one ``kind`` of setting: checked
    at once (``problems``), recorded by :meth:`commit` once the construct is valid."""

    def __init__(self, construct: Construct, kind: str, problems: Problems) -> None:
        stack = Stack.of(construct)
        self.account, self.region = stack.account, stack.region
        self._construct, self._kind = construct, kind
        self.known = not is_unresolved(self.account) and not is_unresolved(self.region)
        claimed = _CLAIMED.setdefault(root_of(construct), {})
        key = (kind, self.account, self.region)
        if self.known and key in claimed:
            problems.add(
                kind,
                construct.node.path,
                f"must be the only {kind} of account {self.account} in {self.region} (ECR keeps"
                f" one per registry); it already has {claimed[key]}",
            )
        if not self.known:
            Annotations.of(construct).add_warning_v2(
                f"lambda-image-constructs:{kind}-place-unknown",
                f"The stack has no account or Region, so it cannot be checked that this is the"
                f" only {kind} of its registry; ECR keeps one.",
            )

    def commit(self) -> None:
        if self.known:
            key = (self._kind, self.account, self.region)
            _CLAIMED.setdefault(root_of(self._construct), {})[key] = self._construct.node.path


def check_repository_filters(
    problems: Problems, field: str, filters: Sequence[Any] | str, *, at_most: int
) -> tuple[str, ...]:
    """ECR repository name filters (``*`` for any characters): a non-empty list of at most
    ``at_most``; returns them as a tuple (empty when refused)."""
    listed = list(filters) if not isinstance(filters, str) else None
    if not listed or len(listed) > at_most:
        problems.add(field, filters, f"must be a list of 1 to {at_most} repository name filters")
        return ()
    for index, value in enumerate(listed):
        if (
            not isinstance(value, str)
            or not REPOSITORY_FILTER.fullmatch(value)
            or len(value) > REPOSITORY_FILTER_MAX_CHARS
        ):
            problems.add(
                f"{field}[{index}]",
                value,
                "must be a repository name filter: lowercase letters, digits, '.', '_', '-',"
                f" '/' and '*' for any characters (at most {REPOSITORY_FILTER_MAX_CHARS})",
            )
    return tuple(listed)
