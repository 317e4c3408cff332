"""Pure-Python checks of user input (no jsii), shared by the constructs.

Each check adds to a :class:`~lambda_image_constructs.errors.Problems` list instead of raising,
so a construct reports every problem at once. Unresolved tokens are skipped: they can only be
checked at deploy time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Problems
from .limits import (
    ACCOUNT_ID,
    BOOTSTRAP_QUALIFIER,
    FUNCTION_NAME_PATTERN,
    ORGANIZATION_ID,
    REPOSITORY_NAME,
    REPOSITORY_NAME_LENGTH,
    TAG_EXCLUSION_FILTER,
)
from .tokens import is_unresolved


def check_account_id(problems: Problems, field: str, value: Any) -> None:
    if is_unresolved(value):
        return
    if not isinstance(value, str) or not ACCOUNT_ID.fullmatch(value):
        problems.add(field, value, "must be a 12-digit AWS account ID such as '123456789012'")


def check_organization_id(problems: Problems, field: str, value: Any) -> None:
    if is_unresolved(value):
        return
    if not isinstance(value, str) or not ORGANIZATION_ID.fullmatch(value):
        problems.add(
            field,
            value,
            "must be an AWS Organizations ID: 'o-' followed by 10 to 32 lowercase letters"
            " or digits",
        )


def check_repository_name(problems: Problems, field: str, value: Any) -> None:
    if value is None or is_unresolved(value):
        return
    low, high = REPOSITORY_NAME_LENGTH
    if not isinstance(value, str) or not (low <= len(value) <= high):
        problems.add(field, value, f"must be an ECR repository name of {low} to {high} characters")
    elif not REPOSITORY_NAME.fullmatch(value):
        problems.add(
            field,
            value,
            "must be an ECR repository name: lowercase letters and digits, separated by single"
            " '.', '_', '-' or '/' (for example 'platform/payments-api')",
        )


def check_function_name_pattern(problems: Problems, field: str, value: Any) -> None:
    if is_unresolved(value):
        return
    if not isinstance(value, str) or not FUNCTION_NAME_PATTERN.fullmatch(value):
        problems.add(
            field,
            value,
            "must be a Lambda function name pattern of 1 to 64 letters, digits, '-', '_' and the"
            " wildcards '*' and '?' (for example 'payments-*')",
        )


def check_int_range(
    problems: Problems, field: str, value: Any, low: int, high: int, unit: str
) -> None:
    if is_unresolved(value):
        return
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        problems.add(field, value, f"must be a whole number from {low} to {high} {unit}")


def check_tag_exclusion_filter(problems: Problems, field: str, value: Any) -> None:
    if not isinstance(value, str) or not TAG_EXCLUSION_FILTER.fullmatch(value):
        problems.add(
            field,
            value,
            "must be a tag wildcard pattern of 1 to 128 letters, digits, '.', '_', '-' and '*'",
        )


def check_qualifier(problems: Problems, qualifier: object) -> None:
    """A CDK bootstrap qualifier, when one is given."""
    if qualifier is not None and not (
        isinstance(qualifier, str) and BOOTSTRAP_QUALIFIER.fullmatch(qualifier)
    ):
        problems.add("qualifier", qualifier,
                     "must be a CDK bootstrap qualifier: 1 to 10 lowercase letters and digits,"
                     " as given to cdk bootstrap --qualifier")  # fmt: skip


def check_names_given(
    problems: Problems, field: str, given: Mapping[str, Any], needed: Mapping[str, str]
) -> None:
    """Each name of ``needed`` is a key of ``given`` (what is given by name: images,
    repositories, account IDs); ``needed`` maps each name to what refers to it."""
    for name, needed_by in needed.items():
        if name not in given:
            problems.add(f"{field}[{name!r}]", None, f"must be given: {needed_by} names it")
