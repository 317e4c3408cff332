"""register_compliance_packs: all four packs, or the ones a user names."""

from __future__ import annotations

import pytest
from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_s3 as s3

from lambda_image_constructs import LambdaImageValidationError
from lambda_image_constructs.compliance import PACKS, register_compliance_packs


def app_with_a_bucket(acknowledge: bool = False) -> tuple[App, s3.Bucket]:
    # A bucket that AwsSolutions flags (no access logs, AwsSolutions-S1), that NIST 800-53 R5
    # flags several times, and that our LambdaContainerImage pack has nothing to say about.
    app = App()
    bucket = s3.Bucket(
        Stack(app, "Data"),
        "Reports",
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
    )
    if acknowledge:
        Validations.of(bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1", reason="Reports are rebuilt nightly from the source."
            )
        )
    return app, bucket


def test_one_pack_alone_checks_only_its_rules() -> None:
    app, _ = app_with_a_bucket()
    register_compliance_packs(app, packs=["LambdaContainerImage"])
    app.synth()  # the bucket is no concern of this pack


def test_an_unacknowledged_finding_of_a_chosen_pack_fails_synth() -> None:
    app, _ = app_with_a_bucket()
    register_compliance_packs(app, packs=["AwsSolutions"])
    with pytest.raises(RuntimeError, match="AwsSolutions-S1"):
        app.synth()


def test_an_acknowledged_finding_passes_and_reaches_the_template() -> None:
    app, bucket = app_with_a_bucket(acknowledge=True)
    register_compliance_packs(app, packs=["AwsSolutions"])
    template = app.synth().get_stack_by_name("Data").template
    logical_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
    suppressed = template["Resources"][logical_id]["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert {"id": "AwsSolutions-S1", "reason": "Reports are rebuilt nightly from the source."} in [
        {"id": s["id"], "reason": s["reason"]} for s in suppressed
    ]


def test_all_four_is_the_default() -> None:
    app, _ = app_with_a_bucket(acknowledge=True)
    register_compliance_packs(app)
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    assert "NIST.800.53.R5-S3BucketLoggingEnabled" in str(raised.value)
    assert list(PACKS) == ["AwsSolutions", "Serverless", "NIST.800.53.R5", "LambdaContainerImage"]


def test_an_unknown_pack_is_refused_with_the_names_accepted() -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        register_compliance_packs(App(), packs=["AwsSolution", "Serverless"])
    (problem,) = raised.value.problems
    assert problem.field == "packs[0]" and problem.value == "AwsSolution"
    assert "'NIST.800.53.R5'" in problem.accepted
