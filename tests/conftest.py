from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import Stage
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from .cdk_harness import PULL_RULE_MARKER, check_pull_rule
from .snapshots import template_matcher

_exempt = [False]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{PULL_RULE_MARKER}(reason): a function refused by its repository on purpose"
    )


@pytest.fixture(autouse=True, scope="session")
def _pull_rule_on_every_synth() -> Iterator[None]:
    """Every assembly a test synthesizes passes the access rule (cdk_harness.check_pull_rule)."""
    original = Stage.synth

    def synth(self: Stage, **kwargs: Any) -> Any:
        assembly = original(self, **kwargs)
        check_pull_rule(assembly.directory, exempt=_exempt[0])
        return assembly

    Stage.synth = synth  # type: ignore[method-assign]
    yield
    Stage.synth = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _pull_rule_exemption(request: pytest.FixtureRequest) -> Iterator[None]:
    _exempt[0] = request.node.get_closest_marker(PULL_RULE_MARKER) is not None
    yield
    _exempt[0] = False


@pytest.fixture
def template_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """A JSON snapshot of a CloudFormation template with machine-specific values masked."""
    return snapshot.with_defaults(extension_class=JSONSnapshotExtension, matcher=template_matcher)
