"""ImageFunction is an aws_lambda.Function: aws-cdk-lib's idioms work on it, its options reach
the template, and what Lambda refuses for images is refused at synth with our error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import (
    App,
    CfnParameter,
    Duration,
    Environment,
    Size,
    Stack,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as alarm_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_ecr import Repository
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks

from lambda_image_constructs import ImageFunction, ImageSource, LambdaImageValidationError
from lambda_image_constructs.nag import LambdaContainerImageChecks

from .cdk_harness import (
    CONSUMER_A,
    CONSUMER_ENV,
    DIGEST,
    IMAGE_URI,
    acknowledgements,
    cdk_json_context,
    nag_findings,
    new_app,
    only_resource_of_type,
    resources_of_type,
    template_of,
)

URI = IMAGE_URI
ENV = CONSUMER_ENV


def image_function(stack: Stack, id: str = "Fn", **options: Any) -> ImageFunction:
    return ImageFunction(
        stack, id, image=ImageSource.from_image_uri(URI), architecture="arm64", **options
    )


def execution_policy(template: dict[str, Any]) -> list[dict[str, Any]]:
    return next(
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("Permissions")
    )


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        action = statement.get("Action", [])
        found.update(action if isinstance(action, list) else [action])
    return found


@pytest.fixture(scope="module")
def idioms() -> tuple[ImageFunction, dict[str, Any]]:
    """One function used the ways aws-cdk-lib users use a Function (read-only, one synth)."""
    app = App()
    stack = Stack(app, "Idioms", env=ENV)
    fn = image_function(stack)
    bucket = s3.Bucket(stack, "Reports")
    bucket.grant_read(fn)
    queue = sqs.Queue(stack, "Work")
    fn.add_event_source(sources.SqsEventSource(queue, batch_size=5))
    events.Rule(
        stack,
        "Nightly",
        schedule=events.Schedule.cron(hour="2", minute="0"),
        targets=[targets.LambdaFunction(fn)],
    )
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
    fn.add_alias("live")
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    fn.grant_invoke(caller)
    fn.add_environment("STAGE", "prod")
    alarm = cloudwatch.Alarm(
        stack,
        "Errors",
        metric=fn.metric_errors(period=Duration.minutes(1)),
        threshold=1,
        evaluation_periods=1,
    )
    alarm.add_alarm_action(alarm_actions.LambdaAction(fn))  # the function as an alarm target
    return fn, template_of(stack)


def test_it_is_an_aws_lambda_function(idioms: tuple[ImageFunction, dict[str, Any]]) -> None:
    fn, _ = idioms
    assert isinstance(fn, lambda_.Function)
    assert not hasattr(fn, "function")  # the deprecated alias is gone (0.x, CHANGELOG)


def test_a_grant_to_it_lands_in_its_own_managed_policy(
    idioms: tuple[ImageFunction, dict[str, Any]],
) -> None:
    _, template = idioms
    assert "s3:GetObject*" in actions_of(execution_policy(template))
    role_id, role = next(
        (k, r) for k, r in resources_of_type(template, "AWS::IAM::Role").items() if "Fn" in k
    )
    inline = [
        p
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
    ]
    assert inline == []
    arns = json.dumps(role["Properties"].get("ManagedPolicyArns", []))
    assert "arn:aws:iam::aws:policy" not in arns and "iam::aws:policy" not in arns


def test_an_sqs_event_source_maps_the_queue_and_grants_consuming(
    idioms: tuple[ImageFunction, dict[str, Any]],
) -> None:
    _, template = idioms
    mapping = only_resource_of_type(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["BatchSize"] == 5
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    assert mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    assert "sqs:ReceiveMessage" in actions_of(execution_policy(template))


def test_an_eventbridge_rule_invokes_it(idioms: tuple[ImageFunction, dict[str, Any]]) -> None:
    _, template = idioms
    rule = only_resource_of_type(template, "AWS::Events::Rule")
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    permissions = resources_of_type(template, "AWS::Lambda::Permission").values()
    principals = sorted(p["Properties"]["Principal"] for p in permissions)
    assert principals == ["events.amazonaws.com", "lambda.alarms.cloudwatch.amazonaws.com"]


def test_an_alarm_invokes_it(idioms: tuple[ImageFunction, dict[str, Any]]) -> None:
    _, template = idioms
    alarm = only_resource_of_type(template, "AWS::CloudWatch::Alarm")["Properties"]
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    assert alarm["AlarmActions"] == [{"Fn::GetAtt": [function_id, "Arn"]}]


def test_a_function_url_and_an_alias_on_the_current_version(
    idioms: tuple[ImageFunction, dict[str, Any]],
) -> None:
    _, template = idioms
    url = only_resource_of_type(template, "AWS::Lambda::Url")
    assert url["Properties"]["AuthType"] == "AWS_IAM"
    [version_id] = resources_of_type(template, "AWS::Lambda::Version")
    alias = only_resource_of_type(template, "AWS::Lambda::Alias")["Properties"]
    assert alias["Name"] == "live"
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_grant_invoke_adds_an_identity_policy_and_no_permission(
    idioms: tuple[ImageFunction, dict[str, Any]],
) -> None:
    _, template = idioms
    # the only AWS::Lambda::Permission is EventBridge's (checked above); the role's is a policy
    caller_policies = [
        p
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if "lambda:InvokeFunction" in json.dumps(p)
    ] + [
        r
        for r in resources_of_type(template, "AWS::IAM::Role").values()
        if "lambda:InvokeFunction" in json.dumps(r)
    ]
    assert caller_policies
    # EventBridge's and the alarm's only: none for the role
    assert len(resources_of_type(template, "AWS::Lambda::Permission")) == 2


def test_add_environment_and_metrics(idioms: tuple[ImageFunction, dict[str, Any]]) -> None:
    _, template = idioms
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["Environment"]["Variables"] == {"STAGE": "prod"}
    alarm = only_resource_of_type(template, "AWS::CloudWatch::Alarm")["Properties"]
    assert alarm["MetricName"] == "Errors" and alarm["Namespace"] == "AWS/Lambda"


def test_add_environment_is_checked_like_the_prop() -> None:
    fn = image_function(Stack(App(), "S", env=ENV), environment={"LARGE": "x" * 4000})
    with pytest.raises(LambdaImageValidationError, match=r"environment\['X'\]"):
        fn.add_environment("X", "one letter is too short for Lambda")
    with pytest.raises(LambdaImageValidationError, match="4,096-byte limit"):
        fn.add_environment("MORE", "x" * 200)
    with pytest.raises(LambdaImageValidationError, match="reserved by Lambda"):
        fn.add_environment("AWS_REGION", "us-east-1")


def version_logical_id(digest: str, **options: Any) -> str:
    stack = Stack(App(), "Versions", env=ENV)
    fn = ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(URI.replace(DIGEST, digest)),
        architecture="arm64",
        **options,
    )
    fn.add_alias("live")
    [version_id] = resources_of_type(template_of(stack), "AWS::Lambda::Version")
    return version_id


def test_a_new_image_or_configuration_publishes_a_new_version_and_nothing_else_does() -> None:
    first = version_logical_id(DIGEST)
    assert version_logical_id(DIGEST) == first  # unchanged app: no churn in cdk diff
    assert version_logical_id("sha256:" + "f" * 64) != first  # the image moved
    assert version_logical_id(DIGEST, memory_size=1024) != first  # its configuration changed


def vpc_stack(app: App, *, private: bool = True) -> tuple[Stack, ec2.Vpc]:
    stack = Stack(app, "InVpc", env=ENV)
    subnets = [ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)]
    if private:
        subnets.append(
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        )
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        subnet_configuration=subnets,
        nat_gateways=0,
        restrict_default_security_group=False,
    )
    return stack, vpc


def test_a_vpc_function_is_clean_under_every_pack_without_acknowledging_the_vpc_rule() -> None:
    app = App(context=dict(cdk_json_context()))  # packs run below, not at synth
    stack, vpc = vpc_stack(app)
    fn = image_function(stack, vpc=vpc)
    template = template_of(stack)
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert len(function["VpcConfig"]["SubnetIds"]) == 2
    assert len(fn.connections.security_groups) == 1
    assert not [k for k in acknowledgements(app) if "LambdaInsideVPC" in k]
    packs = (
        AwsSolutionsChecks(),
        ServerlessChecks(),
        NIST80053R5Checks(),
        LambdaContainerImageChecks(),
    )
    # the test's own VPC has findings of its own; the function and its resources have none
    ours = [f for f in nag_findings(app, *packs) if not f[1].startswith("InVpc/Vpc")]
    assert ours == []
    # Lambda creates the network interfaces with the function's role
    shared = next(
        p["Properties"]
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("Network interface")
    )
    assert "ec2:CreateNetworkInterface" in actions_of(shared["PolicyDocument"]["Statement"])


def test_a_vpc_without_private_subnets_is_refused_by_us() -> None:
    stack, vpc = vpc_stack(App(), private=False)
    with pytest.raises(LambdaImageValidationError, match="must select private subnets"):
        image_function(stack, vpc=vpc)


def test_public_subnets_are_refused_unless_allowed() -> None:
    stack, vpc = vpc_stack(App())
    public = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
    with pytest.raises(LambdaImageValidationError, match="vpc_subnets must select private"):
        image_function(stack, vpc=vpc, vpc_subnets=public)
    image_function(stack, "Allowed", vpc=vpc, vpc_subnets=public, allow_public_subnet=True)


def test_the_new_options_reach_the_template() -> None:
    app = App()
    stack = Stack(app, "Options", env=ENV)
    failures = sqs.Queue(stack, "Failures")
    image_function(
        stack,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel.DEBUG,
        system_log_level_v2=lambda_.SystemLogLevel.WARN,
        on_failure=destinations.SqsDestination(failures),
        max_event_age=Duration.hours(1),
        retry_attempts=0,
        recursive_loop=lambda_.RecursiveLoop.ALLOW,
        snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
        timeout=Duration.minutes(2),
        ephemeral_storage_size=Size.mebibytes(512),
        dead_letter_queue_enabled=False,
    )
    template = template_of(stack)
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"
    assert function["LoggingConfig"]["SystemLogLevel"] == "WARN"
    assert function["RecursiveLoop"] == "Allow"
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert function["Timeout"] == 120
    assert "DeadLetterConfig" not in function
    assert len(resources_of_type(template, "AWS::SQS::Queue")) == 1  # only the destination
    invoke = only_resource_of_type(template, "AWS::Lambda::EventInvokeConfig")["Properties"]
    assert invoke["MaximumEventAgeInSeconds"] == 3600
    assert invoke["MaximumRetryAttempts"] == 0
    assert "OnFailure" in invoke["DestinationConfig"]


def test_a_role_and_a_log_group_of_your_own_are_used_as_they_are() -> None:
    from aws_cdk import aws_logs as logs

    stack = Stack(App(), "Own", env=ENV)
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group = logs.LogGroup(stack, "MyLogs", retention=logs.RetentionDays.ONE_MONTH)
    fn = image_function(stack, role=role, log_group=log_group)
    template = template_of(stack)
    assert list(resources_of_type(template, "AWS::IAM::Role")) == [
        stack.resolve(role.node.default_child.logical_id)  # type: ignore[union-attr]
    ]
    assert len(resources_of_type(template, "AWS::Logs::LogGroup")) == 1
    [policy] = resources_of_type(template, "AWS::IAM::Policy").values()  # the role's own
    assert {"logs:CreateLogStream", "logs:PutLogEvents"} <= actions_of(
        policy["Properties"]["PolicyDocument"]["Statement"]
    )
    assert fn.role is not None


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("layers", [object()]),
        ("code_signing_config", object()),
        ("runtime_management_mode", object()),
        ("insights_version", object()),
        ("adot_instrumentation", object()),
        ("params_and_secrets", object()),
        ("profiling", True),
        ("log_retention_role", object()),
    ],
)
def test_options_lambda_refuses_for_images_are_refused_by_us(option: str, value: Any) -> None:
    stack = Stack(App(), "Refused", env=ENV)
    with pytest.raises(LambdaImageValidationError, match=rf"{option} must not be set"):
        image_function(stack, **{option: value})


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"timeout": Duration.millis(1500)}, "timeout", "whole number of seconds"),
        ({"timeout": "30"}, "timeout", "a Duration (e.g. Duration.seconds(30)) or a whole number"),
        ({"timeout": None}, "timeout", "a Duration (e.g. Duration.seconds(30)) or a whole number"),
        ({"timeout": Duration.minutes(16)}, "timeout", "between 1 and 900"),
        ({"ephemeral_storage_size": None}, "ephemeral_storage_size", "a Size"),
        ({"ephemeral_storage_size": Size.gibibytes(11)}, "ephemeral_storage_size", "10,240"),
        ({"reserved_concurrent_executions": True}, "reserved_concurrent_executions", "whole"),
        ({"reserved_concurrent_executions": 10**12}, "reserved_concurrent_executions", "between"),
        ({"retry_attempts": 3}, "retry_attempts", "between 0 and 2"),
        ({"max_event_age": Duration.seconds(30)}, "max_event_age", "between 60"),
        ({"security_groups": [object()]}, "security_groups[0]", "an aws_ec2.ISecurityGroup"),
        (
            {
                "snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
                "ephemeral_storage_size": 1024,
            },
            "snap_start",
            "more than 512 MB of /tmp",
        ),
        ({"description": "x" * 300}, "description", "at most 256"),
    ],
)
def test_bad_options_get_one_clear_error(options: dict[str, Any], field: str, words: str) -> None:
    stack = Stack(App(), "Bad", env=ENV)
    with pytest.raises(LambdaImageValidationError) as error:
        image_function(stack, **options)
    [problem] = error.value.problems
    assert problem.field == field
    assert words in problem.accepted


def test_an_architecture_that_is_not_one_is_refused() -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        ImageFunction(
            Stack(App(), "Bad", env=ENV),
            "Fn",
            image=ImageSource.from_image_uri(URI),
            architecture="arm65",  # type: ignore[arg-type]
        )
    [problem] = error.value.problems
    assert (problem.field, problem.value) == ("architecture", "arm65")


def test_tokens_are_accepted_and_their_checks_skipped_with_a_warning() -> None:
    app = App()
    stack = Stack(app, "Tokens", env=ENV)
    memory = CfnParameter(stack, "Memory", type="Number", default=512)
    image_function(stack, memory_size=memory.value_as_number)
    function = only_resource_of_type(template_of(stack), "AWS::Lambda::Function")
    assert function["Properties"]["MemorySize"] == {"Ref": "Memory"}
    warnings_ = [
        m.entry.data
        for m in app.synth().get_stack_by_name("Tokens").messages
        if m.level.value == "warning" or "warning" in str(m.level).lower()
    ]
    assert any("memory_size" in str(w) and "not checked" in str(w) for w in warnings_)


def test_token_image_uri_and_reserved_concurrency_pass_every_pack_with_a_warning() -> None:
    from aws_cdk import aws_ssm as ssm

    app = new_app()  # all four packs run at synth
    stack = Stack(app, "Tokens", env=ENV)
    reserved = CfnParameter(stack, "Reserved", type="Number", default=5)
    uri = ssm.StringParameter.value_for_string_parameter(stack, "/images/payments/uri")
    ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(uri),
        architecture="arm64",
        reserved_concurrent_executions=reserved.value_as_number,
    )
    assembly = app.synth().get_stack_by_name("Tokens")
    function = only_resource_of_type(assembly.template, "AWS::Lambda::Function")["Properties"]
    assert function["ReservedConcurrentExecutions"] == {"Ref": "Reserved"}
    assert "Ref" in function["Code"]["ImageUri"]
    [warning] = [
        str(m.entry.data)
        for m in assembly.messages
        if "only known at deploy time" in str(m.entry.data)
    ]
    assert "reserved_concurrent_executions" in warning and "image (its account" in warning


def test_a_built_in_acknowledgement_can_be_reworded_or_dropped() -> None:
    app = new_app()
    stack = Stack(app, "Reasons", env=ENV)
    image_function(
        stack,
        acknowledgements={
            "NIST.800.53.R5-LambdaInsideVPC": "Payments runs outside a VPC by design review 42.",
            "NIST.800.53.R5-LambdaConcurrency": None,
        },
    )
    found = acknowledgements(app)
    assert found["Reasons/Fn/Resource NIST.800.53.R5-LambdaInsideVPC"] == (
        "Payments runs outside a VPC by design review 42."
    )
    assert "Reasons/Fn/Resource NIST.800.53.R5-LambdaConcurrency" not in found
    assert ("NIST.800.53.R5-LambdaConcurrency", "Reasons/Fn/Resource") in nag_findings(
        app, NIST80053R5Checks()
    )


def test_the_function_never_changes_a_repository_policy() -> None:
    app = App()
    images = Stack(app, "Images", env=Environment(account=CONSUMER_A, region="us-east-1"))
    repository = Repository(images, "Repo")
    image_function(images, "Fn")
    ImageFunction(
        images,
        "FromRepo",
        image=ImageSource.from_repository(repository, DIGEST),
        architecture="arm64",
    )
    repo = only_resource_of_type(template_of(images), "AWS::ECR::Repository")
    assert "RepositoryPolicyText" not in repo.get("Properties", {})
