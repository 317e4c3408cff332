from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from .snapshots import template_matcher


@pytest.fixture
def template_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """A JSON snapshot of a CloudFormation template with machine-specific values masked."""
    return snapshot.with_defaults(extension_class=JSONSnapshotExtension, matcher=template_matcher)
