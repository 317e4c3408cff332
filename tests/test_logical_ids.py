"""Our logical IDs equal aws-cdk-lib's for the same paths, tricky ones included."""

from __future__ import annotations

import pytest
from aws_cdk import App, CfnResource, Stack
from constructs import Construct

from lambda_image_constructs.logical_ids import logical_id

PATHS = [
    ["Fn", "LogGroup", "Resource"],
    ["fn-000-001", "DeadLetterQueue", "Policy", "Resource"],
    ["Outer", "Default", "Inner"],
    ["Single-Name_1"],
    ["Repeat", "RepeatRepeat", "Repeat"],
    ["Resource", "Resource"],
    ["a" * 150, "b" * 150, "Resource"],
    ["x" * 300],
]


@pytest.fixture(scope="module")
def allocated() -> dict[tuple[str, ...], str]:
    stack = Stack(App(), "Stack")
    found = {}
    for path in PATHS:
        scope: Construct = stack
        *parents, last = path
        for part in parents:
            scope = scope.node.try_find_child(part) or Construct(scope, part)  # type: ignore[assignment]
        resource = CfnResource(scope, last, type="Test::Resource::Type")
        found[tuple(path)] = stack.get_logical_id(resource)
    return found


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(p)[:40])
def test_equals_aws_cdk_lib(path: list[str], allocated: dict[tuple[str, ...], str]) -> None:
    assert logical_id(*path) == allocated[tuple(path)]


def test_an_empty_path_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one path component"):
        logical_id("Default")
