"""Every acknowledgement an ImageFunction makes passes through one door: ``acknowledgements=``
rewords or drops any of them, on every kind of resource it makes, and refuses a rule ID that is
not one of them; ``fn.acknowledge`` reaches what the function made; an EFS function is clean
under the four packs; the typed alias; CDK's asset metadata for SAM CLI."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnWaitConditionHandle, Environment, Stack, Stage
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks
from constructs import Construct

from lambda_image_constructs import (
    Deployment,
    ImageFunction,
    ImageSource,
    LambdaImageValidationError,
)
from lambda_image_constructs.function import BUILT_IN_ACKNOWLEDGEMENTS
from lambda_image_constructs.nag import LambdaContainerImageChecks

from .cdk_harness import CONSUMER_ENV, IMAGE_URI, acknowledgements, template_of
from .test_image_function import asset_app

# The image-digest acknowledgement is made only for a LambdaImage in an immutable repository
# (test_image_function.py reads it); every other built-in is made by this function.
MADE_HERE = sorted(
    set(BUILT_IN_ACKNOWLEDGEMENTS) - {"LambdaContainerImage-CrossAccountImageDigest"}
)


def packs() -> list[Any]:
    return [
        AwsSolutionsChecks(),
        ServerlessChecks(),
        NIST80053R5Checks(),
        LambdaContainerImageChecks(),
    ]


def findings(scope: Construct) -> list[tuple[str, str]]:
    return sorted(
        (violation.rule_name, resource.construct_path)
        for pack in packs()
        for violation in pack.validate_scope(scope).violations
        for resource in violation.violating_resources
    )


def rolled_out(acknowledged: dict[str, str | None]) -> tuple[App, Construct]:
    """A traced function with its own log group, queue and rollback alarms, in ``Service``."""
    app = App()
    service = Construct(Stack(app, "Stack", env=CONSUMER_ENV), "Service")
    ImageFunction(
        service,
        "Fn",
        image=ImageSource.from_image_uri(IMAGE_URI, architecture="arm64"),
        deployment=Deployment.canary(percent=10, interval=5),
        acknowledgements=acknowledged,
    )
    return app, service


@pytest.fixture(scope="module")
def reworded() -> tuple[App, Construct]:
    return rolled_out({rule: f"Reworded: {rule}" for rule in MADE_HERE})


@pytest.fixture(scope="module")
def dropped() -> tuple[App, Construct]:
    return rolled_out(dict.fromkeys(MADE_HERE))


def test_every_built_in_acknowledgement_can_be_reworded(reworded: tuple[App, Construct]) -> None:
    # GIVEN every built-in rule reworded WHEN the function is made THEN each is acknowledged
    # somewhere (function, log group, queue, alarms, shared policy) with the new reason only
    made = acknowledgements(reworded[0])
    by_rule: dict[str, set[str]] = {}
    for place, reason in made.items():
        rule = place.split(" ", 1)[1]
        if rule in BUILT_IN_ACKNOWLEDGEMENTS:
            by_rule.setdefault(rule, set()).add(reason)
    assert sorted(by_rule) == MADE_HERE
    assert all(reasons == {f"Reworded: {rule}"} for rule, reasons in by_rule.items())


def test_every_built_in_acknowledgement_can_be_dropped(dropped: tuple[App, Construct]) -> None:
    # GIVEN every built-in rule dropped THEN none is acknowledged, and each is reported
    app = dropped[0]
    assert not any(p.split(" ", 1)[1] in BUILT_IN_ACKNOWLEDGEMENTS for p in acknowledgements(app))
    reported = {rule for rule, _ in findings(app)}
    assert set(MADE_HERE) <= reported, sorted(set(MADE_HERE) - reported)


def test_the_built_in_acknowledgements_leave_the_function_clean() -> None:
    _, service = rolled_out({})
    assert findings(service) == []


@pytest.mark.parametrize(
    "rule",
    [
        "NIST.800.53.R5-LambdaDLQ",  # a rule of the function's own type
        "NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod",  # of the log group
        "AwsSolutions-SQS4",  # of the queue
        "NIST.800.53.R5-CloudWatchAlarmActions",  # near miss of the alarms'
        "AwsSolutions-IAM5",  # the shared policies' without its finding
        "LambdaContainerImage-CrossAccountImageDigests",  # near miss of our pack's
    ],
)
def test_a_rule_id_that_is_not_built_in_is_refused(rule: str) -> None:
    stack = Stack(App(), "Stack", env=CONSUMER_ENV)
    with pytest.raises(LambdaImageValidationError) as error:
        ImageFunction(
            stack,
            "Fn",
            image=ImageSource.from_image_uri(IMAGE_URI, architecture="arm64"),
            acknowledgements={rule: "a reason"},
        )
    [problem] = error.value.problems
    assert problem.field == "acknowledgements" and problem.value == rule
    assert all(built_in in problem.accepted for built_in in BUILT_IN_ACKNOWLEDGEMENTS)


def efs_function(scope: Construct, stack: Stack) -> ImageFunction:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    file_system = efs.FileSystem(stack, "Files", vpc=vpc)
    access_point = file_system.add_access_point("Data", path="/data")
    return ImageFunction(
        scope,
        "Fn",
        image=ImageSource.from_image_uri(IMAGE_URI, architecture="arm64"),
        vpc=vpc,
        filesystem=lambda_.FileSystem.from_efs_access_point(access_point, "/mnt/data"),
        reserved_concurrent_executions=10,
    )


def test_an_efs_function_is_clean_under_the_four_packs() -> None:
    # GIVEN a function with an EFS access point, in a scope of its own
    stack = Stack(App(), "Stack", env=CONSUMER_ENV)
    service = Construct(stack, "Service")
    efs_function(service, stack)
    # THEN its resources have no finding, and no acknowledgement of the user's was needed
    assert findings(service) == []
    statements = [
        statement
        for resource in template_of(stack)["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if "elasticfilesystem:ClientMount" in str(statement["Action"])
    ]
    # the mount is granted on the access point's file system only, still through the access point
    assert [s["Resource"] for s in statements] != [] and all(
        s["Resource"] != "*" for s in statements
    )
    assert all("elasticfilesystem:AccessPointArn" in str(s["Condition"]) for s in statements)


def test_acknowledge_reaches_the_role_and_policy_the_function_made() -> None:
    # GIVEN a function that was granted read on a bucket (IAM5 findings on its policy)
    stack = Stack(App(), "Stack", env=CONSUMER_ENV)
    service = Construct(stack, "Service")
    fn = ImageFunction(
        service, "Fn", image=ImageSource.from_image_uri(IMAGE_URI, architecture="arm64")
    )
    s3.Bucket(stack, "Reports").grant_read(fn)
    wildcard = sorted(
        {rule for rule, _ in findings(service) if rule.startswith("AwsSolutions-IAM5")}
    )
    assert wildcard, "the grant should have IAM5 findings"
    # WHEN each is acknowledged on the function THEN none is left
    for rule in wildcard:
        fn.acknowledge(rule, "Reads every report of the bucket, by design.")
    assert [rule for rule, _ in findings(service) if rule.startswith("AwsSolutions-IAM5")] == []


def test_acknowledge_wants_a_rule_and_a_reason() -> None:
    fn = ImageFunction(
        Stack(App(), "Stack", env=CONSUMER_ENV),
        "Fn",
        image=ImageSource.from_image_uri(IMAGE_URI, architecture="arm64"),
    )
    with pytest.raises(LambdaImageValidationError, match="reason"):
        fn.acknowledge("AwsSolutions-IAM5[Resource::*]", " ")
    # a wrong type and an empty text are reported together
    with pytest.raises(LambdaImageValidationError) as error:
        fn.acknowledge(5, "")  # type: ignore[arg-type]
    assert [p.field for p in error.value.problems] == ["rule_id", "reason"]


def test_current_alias_is_the_alias_typed_and_refused_without_one() -> None:
    stack = Stack(App(), "Stack", env=CONSUMER_ENV)
    image = ImageSource.from_image_uri(IMAGE_URI, architecture="arm64")
    with_alias = ImageFunction(stack, "Live", image=image, alias="live")
    assert with_alias.current_alias is with_alias.alias
    without = ImageFunction(stack, "Plain", image=image)
    assert without.alias is None
    with pytest.raises(LambdaImageValidationError, match="current_alias"):
        _ = without.current_alias


def function_metadata(stack: Stack) -> dict[str, Any]:
    [function] = [
        r for r in template_of(stack)["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    ]
    return function["Metadata"]  # type: ignore[no-any-return]


def test_an_asset_function_carries_cdks_asset_metadata_for_sam() -> None:
    # GIVEN asset metadata on, as the CDK CLI has it by default
    _, image, stack = asset_app(**{"aws:cdk:enable-asset-metadata": True})
    ImageFunction(stack, "Fn", image=ImageSource.from_asset(image))
    metadata = function_metadata(stack)
    # THEN the function says where its image's build context and Dockerfile are
    assert metadata["aws:asset:property"] == "Code.ImageUri"
    assert metadata["aws:asset:path"] == f"asset.{image.asset.asset_hash}"
    assert metadata["aws:asset:dockerfile-path"] == "Dockerfile"


def test_an_asset_function_of_another_stage_gets_the_path_from_its_own_assembly() -> None:
    app, image, unused = asset_app(**{"aws:cdk:enable-asset-metadata": True})
    CfnWaitConditionHandle(unused, "Placeholder")
    stage = Stage(
        app, "Consumer", env=Environment(account=CONSUMER_ENV.account, region="us-east-1")
    )
    stack = Stack(stage, "Functions")
    ImageFunction(stack, "Fn", image=ImageSource.from_asset(image))
    app.synth()
    template = stage.synth().get_stack_by_name(stack.stack_name).template
    [function] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    # cdk.out/assembly-Consumer/ holds the template, cdk.out/ the image's build context
    assert function["Metadata"]["aws:asset:path"] == f"../asset.{image.asset.asset_hash}"


def test_without_asset_metadata_the_function_has_none() -> None:
    _, image, stack = asset_app(**{"aws:cdk:enable-asset-metadata": False})
    ImageFunction(stack, "Fn", image=ImageSource.from_asset(image))
    assert not any(key.startswith("aws:asset:") for key in function_metadata(stack))
