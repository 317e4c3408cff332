"""RegistryScanning: one scanning configuration per registry, and the RepositoryScanOnPush rule
counting the repositories it scans."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from lambda_image_constructs import (
    LambdaImageRepository,
    LambdaImageValidationError,
    RegistryScanning,
)
from lambda_image_constructs.nag import LambdaContainerImageChecks

from .cdk_harness import IMAGE_ACCOUNT, nag_findings, new_app, only_resource_of_type, template_of

US = Environment(account=IMAGE_ACCOUNT, region="us-east-1")
EU = Environment(account=IMAGE_ACCOUNT, region="eu-west-1")
SCAN_RULE = "LambdaContainerImage-RepositoryScanOnPush"


def test_the_configuration_reaches_the_template() -> None:
    stack = Stack(App(), "Registry", env=US)
    RegistryScanning(stack, "Scanning", repository_filters=["platform/*"])
    config = only_resource_of_type(template_of(stack), "AWS::ECR::RegistryScanningConfiguration")[
        "Properties"
    ]
    assert config == {
        "ScanType": "ENHANCED",
        "Rules": [
            {
                "ScanFrequency": "CONTINUOUS_SCAN",
                "RepositoryFilters": [{"Filter": "platform/*", "FilterType": "WILDCARD"}],
            }
        ],
    }


def test_one_per_account_and_region() -> None:
    app = App()
    RegistryScanning(Stack(app, "One", env=US), "Scanning")
    RegistryScanning(Stack(app, "OtherRegion", env=EU), "Scanning")  # another registry
    with pytest.raises(LambdaImageValidationError) as error:
        RegistryScanning(Stack(app, "Two", env=US), "Scanning", scan_type="BASIC")
    [problem] = error.value.problems
    assert problem.field == "RegistryScanning"
    assert "it already has One/Scanning" in problem.accepted


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"scan_type": "FULL"}, "scan_type"),
        ({"scan_type": "BASIC", "frequency": "CONTINUOUS_SCAN"}, "frequency"),
        ({"repository_filters": ["Platform/*"]}, "repository_filters[0]"),
        ({"repository_filters": []}, "repository_filters"),
        ({"repository_filters": "platform/*"}, "repository_filters"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any], field: str) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        RegistryScanning(Stack(App(), "Registry", env=US), "Scanning", **options)
    assert [p.field for p in error.value.problems] == [field]


def unscanned_repository(app: App, name: str = "platform/images") -> None:
    LambdaImageRepository(
        Stack(app, f"Repos-{name.replace('/', '-')}", env=US),
        "Repo",
        repository_name=name,
        scan_on_push=False,
    )


def test_a_repository_the_registry_scans_passes_the_rule_at_synth() -> None:
    app = new_app()  # the packs run at synth
    unscanned_repository(app)
    RegistryScanning(Stack(app, "Registry", env=US), "Scanning", repository_filters=["platform/*"])
    app.synth()  # fails on any finding


def test_the_rule_still_flags_what_the_registry_does_not_scan() -> None:
    app = App()
    unscanned_repository(app, "platform/images")
    unscanned_repository(app, "team/other")  # not matched by the filter
    LambdaImageRepository(
        Stack(app, "EuRepos", env=EU), "Repo", repository_name="platform/eu", scan_on_push=False
    )  # another Region's registry
    RegistryScanning(Stack(app, "Registry", env=US), "Scanning", repository_filters=["platform/*"])
    flagged = sorted(
        p for r, p in nag_findings(app, LambdaContainerImageChecks()) if r == SCAN_RULE
    )
    assert flagged == ["EuRepos/Repo/Resource/Resource", "Repos-team-other/Repo/Resource/Resource"]
