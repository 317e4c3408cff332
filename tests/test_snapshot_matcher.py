"""The shared snapshot matcher masks machine-specific values and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from .snapshots import MASKED_ASSET_HASH, MASKED_BOOTSTRAP, template_matcher

HASH = "0123456789abcdef" * 4


def path_of(*keys: str) -> tuple[tuple[str, type], ...]:
    return tuple((key, dict) for key in keys)


def test_masks_asset_hash_inside_image_uri() -> None:
    value = f"111111111111.dkr.ecr.us-east-1.${{AWS::URLSuffix}}/cdk-assets:{HASH}"
    masked = template_matcher(
        data=value, path=path_of("Resources", "Fn", "Properties", "Code", "ImageUri", "Fn::Sub")
    )
    assert masked.endswith(f"cdk-assets:{MASKED_ASSET_HASH}")


def test_masks_asset_hash_in_s3_key() -> None:
    assert template_matcher(data=f"{HASH}.zip", path=path_of("Code", "S3Key")) == (
        f"{MASKED_ASSET_HASH}.zip"
    )


def test_masks_the_hash_tag_of_an_image_uri_anywhere() -> None:
    uri = f"111111111111.dkr.ecr.us-east-1.amazonaws.com/platform/images:{HASH}"
    masked = template_matcher(data=uri, path=path_of("Resources", "Param", "Properties", "Value"))
    assert (
        masked
        == f"111111111111.dkr.ecr.us-east-1.amazonaws.com/platform/images:{MASKED_ASSET_HASH}"
    )


def test_masks_bootstrap_parameter_and_rule() -> None:
    assert template_matcher(
        data={"Type": "AWS::SSM"}, path=path_of("Parameters", "BootstrapVersion")
    ) == (MASKED_BOOTSTRAP)
    assert template_matcher(data={}, path=path_of("Rules", "CheckBootstrapVersion")) == (
        MASKED_BOOTSTRAP
    )


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        (
            HASH,
            ("Resources", "Repo", "Properties", "RepositoryName"),
        ),  # a hash outside an asset key
        ("arn:aws:iam::222222222222:root", ("Principal", "AWS")),
        ({"Type": "String"}, ("Parameters", "Other")),
    ],
)
def test_leaves_everything_else_alone(value: Any, keys: tuple[str, ...]) -> None:
    assert template_matcher(data=value, path=path_of(*keys)) == value


def test_fixture_applies_the_matcher(template_snapshot: SnapshotAssertion) -> None:
    template = {
        "Parameters": {"BootstrapVersion": {"Default": "/cdk-bootstrap/abc/version"}},
        "Resources": {"Fn": {"Properties": {"Code": {"ImageUri": f"repo:{HASH}"}}}},
    }
    assert template == template_snapshot
