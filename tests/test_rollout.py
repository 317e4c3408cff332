"""Safe rollouts: versions that follow the image, an alias, CodeDeploy with alarms and rollback,
provisioned concurrency and SnapStart, and every bad value refused at synth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks

from lambda_image_constructs import (
    ConcurrencyScaling,
    Deployment,
    ImageFunction,
    ImageSource,
    LambdaImageValidationError,
)
from lambda_image_constructs.nag import LambdaContainerImageChecks

from .cdk_harness import (
    CONSUMER_ENV,
    DIGEST,
    IMAGE_URI,
    cdk_json_context,
    nag_findings,
    only_resource_of_type,
    resources_of_type,
    template_of,
)

URI = IMAGE_URI
ENV = CONSUMER_ENV


def rolled_out(stack: Stack, id: str = "Fn", uri: str = URI, **options: Any) -> ImageFunction:
    return ImageFunction(
        stack, id, image=ImageSource.from_image_uri(uri), architecture="arm64", **options
    )


@pytest.fixture(scope="module")
def canary() -> tuple[App, ImageFunction, dict[str, Any]]:
    app = App(context=dict(cdk_json_context()))  # the packs run in a test below
    stack = Stack(app, "Rollout", env=ENV)
    hook = rolled_out(stack, "PreTrafficCheck", function_name="CodeDeployHook_payments")
    fn = rolled_out(
        stack,
        deployment=Deployment.canary(percent=10, interval=5, pre_traffic_hook=hook),
        provisioned_concurrency=2,
        reserved_concurrent_executions=10,
    )
    return app, fn, template_of(stack)


def test_the_alias_follows_the_current_version_and_carries_codedeploys_update_policy(
    canary: tuple[App, ImageFunction, dict[str, Any]],
) -> None:
    _, fn, template = canary
    assert fn.alias is not None
    aliases = resources_of_type(template, "AWS::Lambda::Alias")
    [alias] = [a for k, a in aliases.items() if k.startswith("FnAlias")]
    assert alias["Properties"]["Name"] == "live"
    [version_id] = [k for k in resources_of_type(template, "AWS::Lambda::Version") if "Fn" in k]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    [group_id] = resources_of_type(template, "AWS::CodeDeploy::DeploymentGroup")
    assert update["DeploymentGroupName"] == {"Ref": group_id}
    assert update["BeforeAllowTrafficHook"] == {"Ref": next(
        k for k, f in resources_of_type(template, "AWS::Lambda::Function").items()
        if f["Properties"].get("FunctionName") == "CodeDeployHook_payments"
    )}  # fmt: skip
    assert alias["Properties"]["ProvisionedConcurrencyConfig"] == {
        "ProvisionedConcurrentExecutions": 2
    }


def test_the_deployment_group_has_the_configuration_alarms_and_rollback(
    canary: tuple[App, ImageFunction, dict[str, Any]],
) -> None:
    _, fn, template = canary
    group = only_resource_of_type(template, "AWS::CodeDeploy::DeploymentGroup")["Properties"]
    assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert set(group["AutoRollbackConfiguration"]["Events"]) == {
        "DEPLOYMENT_FAILURE",
        "DEPLOYMENT_STOP_ON_REQUEST",
        "DEPLOYMENT_STOP_ON_ALARM",
    }
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    watched = {a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]}
    assert watched == set(alarms) and len(alarms) == 3  # errors, throttles, dead letters
    metrics = {a["Properties"]["MetricName"] for a in alarms.values()}
    assert metrics == {"Errors", "Throttles", "NumberOfMessagesSent"}
    errors = next(a for a in alarms.values() if a["Properties"]["MetricName"] == "Errors")
    # on the new version, not on the function's $LATEST
    dimensions = {d["Name"] for d in errors["Properties"]["Dimensions"]}
    assert dimensions == {"FunctionName", "Resource", "ExecutedVersion"}
    assert len(fn.deployment_alarms) == 3


def test_the_codedeploy_role_is_least_privilege_and_every_pack_is_clean(
    canary: tuple[App, ImageFunction, dict[str, Any]],
) -> None:
    app, _, template = canary
    roles = resources_of_type(template, "AWS::IAM::Role")
    role_id, role = next((k, r) for k, r in roles.items() if "DeploymentRole" in k)
    assert "ManagedPolicyArns" not in role["Properties"]  # no AWSCodeDeployRoleForLambdaLimited
    policy = next(
        p["Properties"]
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Roles") == [{"Ref": role_id}]
    )
    statements = policy["PolicyDocument"]["Statement"]
    assert "*" not in json.dumps([s["Resource"] for s in statements]).replace(":*", "")
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str)
                                              else s["Action"])}  # fmt: skip
    assert actions == {
        "lambda:GetAlias",
        "lambda:UpdateAlias",
        "lambda:GetProvisionedConcurrencyConfig",
        "cloudwatch:DescribeAlarms",
        "lambda:InvokeFunction",  # the pre-traffic hook
    }
    packs = (AwsSolutionsChecks(), ServerlessChecks(), NIST80053R5Checks(),
             LambdaContainerImageChecks())  # fmt: skip
    assert nag_findings(app, *packs) == []


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (Deployment.all_at_once(), "CodeDeployDefault.LambdaAllAtOnce"),
        (Deployment.linear(percent=10, interval=Duration.minutes(1)),
         "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
        (Deployment.with_config(codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_30_MINUTES),
         "CodeDeployDefault.LambdaCanary10Percent30Minutes"),
    ],
)  # fmt: skip
def test_predefined_configurations(deployment: Deployment, expected: str) -> None:
    stack = Stack(App(), "Configs", env=ENV)
    rolled_out(stack, deployment=deployment)
    group = only_resource_of_type(template_of(stack), "AWS::CodeDeploy::DeploymentGroup")
    assert group["Properties"]["DeploymentConfigName"] == expected


def test_a_custom_configuration_is_made_once_per_stack() -> None:
    stack = Stack(App(), "Custom", env=ENV)
    for name in ("A", "B"):
        rolled_out(stack, name, deployment=Deployment.linear(percent=25, interval=4))
    template = template_of(stack)
    [config] = resources_of_type(template, "AWS::CodeDeploy::DeploymentConfig").values()
    routing = config["Properties"]["TrafficRoutingConfig"]
    assert routing == {
        "Type": "TimeBasedLinear",
        "TimeBasedLinear": {"LinearInterval": 4, "LinearPercentage": 25},
    }
    assert len(resources_of_type(template, "AWS::CodeDeploy::Application")) == 1


def test_your_own_alarms_join_the_functions_or_replace_them() -> None:
    stack = Stack(App(), "Alarms", env=ENV)
    mine = cloudwatch.Alarm(
        stack,
        "Latency",
        metric=cloudwatch.Metric(namespace="Payments", metric_name="Latency"),
        threshold=500,
        evaluation_periods=1,
    )
    rolled_out(stack, "Both", deployment=Deployment.all_at_once(alarms=[mine]))
    only_mine = rolled_out(
        stack, "Mine", deployment=Deployment.all_at_once(alarms=[mine], default_alarms=False)
    )
    assert len(only_mine.deployment_alarms) == 1
    groups = resources_of_type(template_of(stack), "AWS::CodeDeploy::DeploymentGroup").values()
    assert sorted(len(g["Properties"]["AlarmConfiguration"]["Alarms"]) for g in groups) == [1, 4]


def version_id(uri: str) -> str:
    stack = Stack(App(), "Versions", env=ENV)
    rolled_out(stack, uri=uri, deployment=Deployment.canary(percent=10, interval=5))
    [found] = resources_of_type(template_of(stack), "AWS::Lambda::Version")
    return found


def test_a_changed_image_gives_a_new_version_and_an_unchanged_app_the_same() -> None:
    assert version_id(URI) == version_id(URI)
    assert version_id(URI) != version_id(URI.replace(DIGEST, "sha256:" + "e" * 64))


def test_provisioned_concurrency_scales_on_utilization() -> None:
    stack = Stack(App(), "Scaling", env=ENV)
    rolled_out(
        stack,
        provisioned_concurrency=2,
        provisioned_concurrency_scaling=ConcurrencyScaling(max_capacity=10),
    )
    template = template_of(stack)
    target = only_resource_of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (2, 10)
    policy = only_resource_of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    tracking = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 0.7


def test_snap_start_reaches_the_template_with_a_published_version() -> None:
    stack = Stack(App(), "Snap", env=ENV)
    rolled_out(stack, alias="live", snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS)
    template = template_of(stack)
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert len(resources_of_type(template, "AWS::Lambda::Version")) == 1


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"deployment": Deployment("blue-green")}, "deployment.type",  # type: ignore[arg-type]
         "must be one of ['all-at-once', 'canary', 'linear']"),
        ({"deployment": Deployment.canary(percent=0, interval=5)}, "deployment.percent",
         "from 1 to 99"),
        ({"deployment": Deployment.linear(percent=100, interval=5)}, "deployment.percent",
         "from 1 to 99"),
        ({"deployment": Deployment.canary(percent=10, interval=Duration.seconds(90))},
         "deployment.interval", "whole number of minutes"),
        ({"deployment": Deployment.canary(percent=10, interval=0)}, "deployment.interval",
         "1 to 2,880 minutes"),
        ({"deployment": "canary"}, "deployment", "must be a Deployment"),
        ({"provisioned_concurrency": 20, "reserved_concurrent_executions": 10},
         "provisioned_concurrency", "at most reserved_concurrent_executions (10)"),
        ({"provisioned_concurrency": 2,
          "snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS},
         "provisioned_concurrency", "refused by Lambda with SnapStart"),
        ({"provisioned_concurrency": 0}, "provisioned_concurrency", "at least 1"),
        ({"provisioned_concurrency_scaling": ConcurrencyScaling(max_capacity=5)},
         "provisioned_concurrency_scaling", "needs provisioned_concurrency"),
        ({"provisioned_concurrency": 4,
          "provisioned_concurrency_scaling": ConcurrencyScaling(max_capacity=2)},
         "provisioned_concurrency_scaling.max_capacity", "at least provisioned_concurrency (4)"),
        ({"alias": "123"}, "alias", "not only digits"),
    ],
)  # fmt: skip
def test_bad_rollout_values_get_one_clear_error(
    options: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        rolled_out(Stack(App(), "Bad", env=ENV), **options)
    [problem] = error.value.problems
    assert problem.field == field
    assert words in problem.accepted
