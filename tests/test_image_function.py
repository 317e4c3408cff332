"""ImageFunction: image sources, image configuration, defaults, validation, cross-account."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnElement, CfnWaitConditionHandle, Duration, Environment, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda import Tracing
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from syrupy.assertion import SnapshotAssertion

from lambda_image_constructs import (
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
    RegistrySigning,
    image_publishing_synthesizer,
)

from .cdk_harness import (
    CONSUMER_A,
    CONSUMER_B,
    IMAGE_ACCOUNT,
    SAMPLE,
    acknowledgements,
    nag_findings,
    new_app,
    new_stack,
    only_resource_of_type,
    resolve_intrinsics,
    resources_of_type,
    template_of,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4
REPOSITORY = "platform/lambda-images"
URI = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}@{DIGEST}"


def lambda_function(stack: Stack) -> dict[str, Any]:
    return only_resource_of_type(template_of(stack), "AWS::Lambda::Function")["Properties"]


def test_image_uri_source_by_digest() -> None:
    stack = new_stack(account=CONSUMER_A)
    ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(URI),
        architecture="arm64",
        entrypoint=["/usr/bin/python3", "-m", "awslambdaric"],
        command=["app.describe"],
        working_directory="/function",
    )
    function = lambda_function(stack)
    assert function["PackageType"] == "Image"
    assert function["Code"] == {"ImageUri": URI}
    assert function["Architectures"] == ["arm64"]
    assert function["ImageConfig"] == {
        "EntryPoint": ["/usr/bin/python3", "-m", "awslambdaric"],
        "Command": ["app.describe"],
        "WorkingDirectory": "/function",
    }
    assert "Handler" not in function and "Runtime" not in function


def test_owned_repository_source_in_the_same_account() -> None:
    stack = new_stack()
    repository = LambdaImageRepository(stack, "Repo", repository_name=REPOSITORY)
    ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_repository(repository, "v1.2.3"),
        architecture="x86_64",
        command=["app.handler"],
    )
    function = lambda_function(stack)
    assert function["Code"] == {
        "ImageUri": f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:v1.2.3"
    }
    assert function["Architectures"] == ["x86_64"]
    assert function["ImageConfig"] == {"Command": ["app.handler"]}
    # the function changed nothing in the repository's policy
    repository_resource = only_resource_of_type(template_of(stack), "AWS::ECR::Repository")
    sids = [
        s["Sid"] for s in repository_resource["Properties"]["RepositoryPolicyText"]["Statement"]
    ]
    assert sids == ["LambdaECRImageRetrievalPolicy"]


def test_any_repository_source_by_digest() -> None:
    stack = new_stack()
    imported = ecr.Repository.from_repository_name(stack, "Imported", "team/images")
    ImageFunction(
        stack, "Fn", image=ImageSource.from_repository(imported, DIGEST), architecture="arm64"
    )
    uri = resolve_intrinsics(
        lambda_function(stack)["Code"]["ImageUri"], {"AWS::URLSuffix": "amazonaws.com"}
    )
    assert uri == f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team/images@{DIGEST}"
    assert "ImageConfig" not in lambda_function(stack)


def asset_app(**context: Any) -> tuple[Any, LambdaImage, Stack]:
    app = new_app(**context)
    env = Environment(account=IMAGE_ACCOUNT, region="us-east-1")
    repository_stack = Stack(app, "Repository", env=env)
    repository = LambdaImageRepository(
        repository_stack, "Images", repository_name=REPOSITORY, consumer_accounts=[CONSUMER_A]
    )
    repository.allow_cdk_asset_publishing()
    RegistrySigning(repository_stack, "Signing")  # images used across accounts are signed
    images = Stack(app, "Images", env=env, synthesizer=image_publishing_synthesizer(REPOSITORY))
    CfnWaitConditionHandle(images, "Placeholder")
    image = LambdaImage(
        images, "Image", directory=SAMPLE, architecture="arm64", repository=repository
    )
    return (
        app,
        image,
        Stack(app, "Functions", env=Environment(account=CONSUMER_A, region="us-east-1")),
    )


def test_asset_source_two_functions_share_the_image(template_snapshot: SnapshotAssertion) -> None:
    _, image, stack = asset_app()
    for name, command in (("Greeter", ["app.handler"]), ("Describer", ["app.describe"])):
        ImageFunction(
            stack,
            name,
            image=ImageSource.from_asset(image),
            architecture="arm64",
            command=command,
            environment={"GREETING": name.lower()},
        )
    template = template_of(stack)
    functions = {
        k: v["Properties"] for k, v in resources_of_type(template, "AWS::Lambda::Function").items()
    }
    uris = {f["Code"]["ImageUri"] for f in functions.values()}
    assert uris == {image.image_uri}
    assert image.image_uri.startswith(
        f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:"
    )
    assert sorted(f["ImageConfig"]["Command"][0] for f in functions.values()) == [
        "app.describe",
        "app.handler",
    ]
    assert template == template_snapshot


class _NumberedIds(Stack):
    """A stack that names its resources its own way (some teams do, to keep IDs stable)."""

    def _allocate_logical_id(self, cfn_element: CfnElement) -> str:
        return "Res" + hashlib.sha256(cfn_element.node.path.encode()).hexdigest()[:12]


def test_acknowledgements_hold_in_a_stack_that_names_resources_its_own_way() -> None:
    app, image, unused = asset_app()
    CfnWaitConditionHandle(unused, "Placeholder")
    stack = _NumberedIds(app, "Numbered", env=Environment(account=CONSUMER_A, region="us-east-1"))
    ImageFunction(stack, "Fn", image=ImageSource.from_asset(image), architecture="arm64")
    # the pack's template check cannot guess these IDs, so it looks the function up in the
    # tree, where its acknowledgement of the tag (a content hash, immutable) is found
    template = template_of(stack)
    [function_id] = resources_of_type(template, "AWS::Lambda::Function")
    assert function_id.startswith("Res")


def test_defaults_of_a_careful_platform_team() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    template = template_of(stack)
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["MemorySize"] == 512
    assert function["EphemeralStorage"] == {"Size": 512}
    assert function["Timeout"] == 30
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert "DeadLetterConfig" in function
    log_group = only_resource_of_type(template, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["RetentionInDays"] == 365
    assert log_group["DeletionPolicy"] == "Retain"
    queue = only_resource_of_type(template, "AWS::SQS::Queue")["Properties"]
    assert queue["KmsMasterKeyId"] == "alias/aws/sqs"
    role_id, role = next(iter(resources_of_type(template, "AWS::IAM::Role").items()))
    assert "Policies" not in role["Properties"]
    assert resources_of_type(template, "AWS::IAM::Policy") == {}  # no inline policy
    managed = resources_of_type(template, "AWS::IAM::ManagedPolicy")
    policies = {
        p["Properties"]["Description"].split()[0]: p["Properties"] for p in managed.values()
    }
    assert sorted(policies) == ["Permissions", "X-Ray"]
    # its own policy names the role; the stack's X-Ray policy is attached by the role
    assert policies["Permissions"]["Roles"] == [{"Ref": role_id}]
    [tracing_id] = [k for k, p in managed.items() if "Roles" not in p["Properties"]]
    assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": tracing_id}]
    function_resource = only_resource_of_type(template, "AWS::Lambda::Function")
    execution_id = next(k for k in managed if k != tracing_id)
    # the role and its ExecutionPolicy first: Lambda checks at creation that the role may send
    # to the dead-letter queue
    assert sorted(function_resource["DependsOn"]) == sorted([execution_id, role_id])
    assert function_resource["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    statements = policies["Permissions"]["PolicyDocument"]["Statement"]
    logs = next(s for s in statements if "logs:PutLogEvents" in s["Action"])
    log_group_id = next(iter(resources_of_type(template, "AWS::Logs::LogGroup")))
    assert logs["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    assert all(s["Resource"] != "*" for s in statements)
    [xray] = policies["X-Ray"]["PolicyDocument"]["Statement"]
    assert sorted(xray["Action"]) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert fn.resource.node.path == "TestStack/Fn/Resource"


def test_cdk_nag_reports_nothing_on_a_default_image_function() -> None:
    app = new_app()
    stack = Stack(app, "OnlyAFunction", env=Environment(account=CONSUMER_A, region="us-east-1"))
    ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    assert nag_findings(app, AwsSolutionsChecks(), ServerlessChecks()) == []


def test_only_unavoidable_findings_are_acknowledged_each_with_a_reason() -> None:
    app = new_app()
    stack = Stack(app, "OnlyAFunction", env=Environment(account=CONSUMER_A, region="us-east-1"))
    ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    found = acknowledgements(app)
    # AwsSolutions and Serverless: only what AWS makes unavoidable
    assert sorted(k for k in found if "NIST" not in k) == [
        "OnlyAFunction/FnDeadLetterQueue Serverless-SQSRedrivePolicy",
        "OnlyAFunction/ImageFunctionTracingPolicy AwsSolutions-IAM5[Resource::*]",
    ]
    assert (
        "X-Ray supports no resource-level permissions"
        in found["OnlyAFunction/ImageFunctionTracingPolicy AwsSolutions-IAM5[Resource::*]"]
    )
    # NIST 800-53 R5: per-workload choices, each naming the function and how to choose otherwise
    assert sorted(k for k in found if "NIST" in k) == [
        "OnlyAFunction/Fn/Resource NIST.800.53.R5-LambdaConcurrency",
        "OnlyAFunction/Fn/Resource NIST.800.53.R5-LambdaInsideVPC",
        "OnlyAFunction/FnLogGroup NIST.800.53.R5-CloudWatchLogGroupEncrypted",
    ]
    assert all("OnlyAFunction/Fn" in reason for key, reason in found.items() if "NIST" in key)


def test_choosing_a_log_key_and_reserved_concurrency_needs_no_acknowledgement() -> None:
    app = new_app()
    stack = Stack(app, "Chosen", env=Environment(account=CONSUMER_A, region="us-east-1"))
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(URI),
        architecture="arm64",
        log_encryption_key=key,
        reserved_concurrent_executions=5,
    )
    nist = sorted(k for k in acknowledgements(app) if "NIST" in k)
    assert nist == ["Chosen/Fn/Resource NIST.800.53.R5-LambdaInsideVPC"]
    log_group = only_resource_of_type(template_of(stack), "AWS::Logs::LogGroup")
    assert "KmsKeyId" in log_group["Properties"]


def test_grants_to_the_function_land_in_its_managed_policy() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    topic_arn = f"arn:aws:sns:us-east-1:{CONSUMER_A}:alerts"
    fn.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic_arn]))
    template = template_of(stack)
    assert resources_of_type(template, "AWS::IAM::Policy") == {}
    execution = next(
        p
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("Permissions")
    )
    assert {"Action": "sns:Publish", "Effect": "Allow", "Resource": topic_arn} in execution[
        "Properties"
    ]["PolicyDocument"]["Statement"]


def test_a_grant_of_an_aws_cdk_lib_resource_lands_in_the_managed_policy() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    key = kms.Key(stack, "Work", enable_key_rotation=True)
    key.grant_decrypt(fn)
    template = template_of(stack)
    assert resources_of_type(template, "AWS::IAM::Policy") == {}
    statements = next(
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("Permissions")
    )
    decrypt = next(s for s in statements if s["Action"] == "kms:Decrypt")
    [key_id] = resources_of_type(template, "AWS::KMS::Key")
    assert decrypt["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_grants_render_at_synth_as_an_iam_managed_policy_renders_them() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    key = kms.Key(stack, "Work", enable_key_rotation=True)
    key.grant_decrypt(fn)
    key.grant_decrypt(fn)  # the same grant twice: one statement
    topic = f"arn:aws:sns:us-east-1:{CONSUMER_A}:alerts"
    later = iam.PolicyStatement(actions=["sns:Publish"], resources=[topic])
    fn.role.add_to_principal_policy(later)
    later.add_condition("Bool", {"aws:SecureTransport": "true"})  # after the grant: kept
    xray = iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
    fn.role.add_to_principal_policy(xray)
    xray.add_actions("s3:*")  # after the grant: never reaches the shared tracing policy
    policies = {
        p["Properties"]["Description"].split()[0]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of_type(template_of(stack), "AWS::IAM::ManagedPolicy").values()
    }
    own = policies["Permissions"]
    assert [s["Action"] for s in own].count("kms:Decrypt") == 1
    publish = next(s for s in own if s["Action"] == "sns:Publish")
    assert publish["Condition"] == {"Bool": {"aws:SecureTransport": "true"}}
    assert "s3:*" not in json.dumps(policies["X-Ray"])


def test_a_statement_without_resources_is_refused_by_name() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    # raised in the role's add_to_principal_policy, which aws-cdk-lib calls from Node, at the
    # line that adds the statement
    with pytest.raises(RuntimeError, match="role TestStack/FnExecutionRole") as e:
        fn.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"]))
    assert "statement is refused: A PolicyStatement used in an identity-based policy" in str(
        e.value
    )


def test_functions_of_a_stack_share_one_tracing_policy() -> None:
    # untraced functions are findings of the Serverless pack: an app without the packs
    stack = new_stack(account=CONSUMER_A, app=App())
    functions = {
        name: ImageFunction(
            stack,
            name,
            image=ImageSource.from_image_uri(URI),
            architecture="arm64",
            tracing=Tracing.ACTIVE if name in ("A", "B") else Tracing.DISABLED,
        )
        for name in ("A", "B", "Untraced", "XrayGrant")
    }
    # an X-Ray grant to an untraced function attaches the shared policy, nothing more
    functions["XrayGrant"].add_to_role_policy(
        iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
    )
    template = template_of(stack)
    managed = resources_of_type(template, "AWS::IAM::ManagedPolicy")
    [tracing_id] = [
        k for k, p in managed.items() if p["Properties"]["Description"].startswith("X-Ray")
    ]
    assert len(managed) == 5  # one per function and the shared one
    attached = {
        k: r["Properties"].get("ManagedPolicyArns")
        for k, r in resources_of_type(template, "AWS::IAM::Role").items()
    }
    assert sorted(k[0] for k, v in attached.items() if v == [{"Ref": tracing_id}]) == [
        "A",
        "B",
        "X",
    ]
    assert [k[0] for k, v in attached.items() if v is None] == ["U"]


def test_the_dead_letter_queue_is_an_iqueue_of_the_queue_it_made() -> None:
    stack = new_stack(account=CONSUMER_A, app=App())
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    fn.dead_letter_queue.grant_consume_messages(reader)
    template = template_of(stack)
    [queue_id] = resources_of_type(template, "AWS::SQS::Queue")
    [policy] = resources_of_type(template, "AWS::SQS::QueuePolicy").values()
    assert policy["Properties"]["Queues"] == [{"Ref": queue_id}]
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    [granted] = resources_of_type(template, "AWS::IAM::Policy").values()
    [statement] = granted["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_a_given_dead_letter_queue_is_used_as_it_is() -> None:
    stack = new_stack(account=CONSUMER_A)
    mine = sqs.Queue.from_queue_arn(
        stack, "Mine", f"arn:aws:sqs:us-east-1:{CONSUMER_A}:failed-events"
    )
    fn = ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(URI),
        architecture="arm64",
        dead_letter_queue=mine,
    )
    assert fn.dead_letter_queue is not None
    assert fn.dead_letter_queue.queue_arn == mine.queue_arn
    template = template_of(stack)
    assert resources_of_type(template, "AWS::SQS::Queue") == {}
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["DeadLetterConfig"] == {"TargetArn": mine.queue_arn}
    statements = next(
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Description"].startswith("Permissions")
    )
    assert {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": mine.queue_arn} in (
        statements
    )


def test_a_role_of_yours_is_granted_sending_to_the_dead_letter_queue() -> None:
    # GIVEN a function with a role of the user's (packs off: it has an inline policy) and its
    # own dead-letter queue
    stack = new_stack(account=CONSUMER_A, app=App())
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    fn = ImageFunction(
        stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64", role=role
    )
    template = template_of(stack)
    # THEN the function sends to its queue, and that role may send there, as aws-cdk-lib grants
    [queue_id] = resources_of_type(template, "AWS::SQS::Queue")
    arn = {"Fn::GetAtt": [queue_id, "Arn"]}
    assert fn.dead_letter_queue is not None
    function = only_resource_of_type(template, "AWS::Lambda::Function")["Properties"]
    assert function["DeadLetterConfig"] == {"TargetArn": arn}
    statements = [
        statement
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": arn} in statements


def test_only_plain_xray_writes_go_to_the_shared_tracing_policy() -> None:
    stack = new_stack(account=CONSUMER_A, app=App())
    fn = ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(URI), architecture="arm64")
    other = ImageFunction(
        stack, "Other", image=ImageSource.from_image_uri(URI), architecture="arm64"
    )
    # what would reach every traced function of the stack if it went to the shared policy
    for statement in (
        iam.PolicyStatement(not_actions=["iam:*"], resources=["*"]),
        iam.PolicyStatement(
            actions=["xray:PutTraceSegments"],
            resources=["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        ),
    ):
        fn.add_to_role_policy(statement)
    other.add_to_role_policy(
        iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
    )
    policies = {
        p["Properties"]["Description"].split()[-1]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of_type(template_of(stack), "AWS::IAM::ManagedPolicy").values()
    }
    shared = policies["TestStack"]  # every traced function of the stack gets these
    assert all("Condition" not in s and "NotAction" not in s for s in shared)
    actions = {
        a for s in shared for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert actions == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert {"NotAction": "iam:*", "Effect": "Allow", "Resource": "*"} in policies["TestStack/Fn"]
    assert any("Condition" in s for s in policies["TestStack/Fn"])
    assert len(policies["TestStack/Other"]) == 2  # logs, queue


def test_names_in_descriptions_are_the_construct_path() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(
        stack, "team/fn", image=ImageSource.from_image_uri(URI), architecture="arm64"
    )
    role = only_resource_of_type(template_of(stack), "AWS::IAM::Role")["Properties"]
    assert fn.node.path == "TestStack/team--fn"
    assert role["Description"] == "Execution role of TestStack/team--fn"


def test_no_tracing_means_no_acknowledgement_for_it() -> None:
    app = new_app()
    stack = Stack(app, "Untraced", env=Environment(account=CONSUMER_A, region="us-east-1"))
    ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(URI),
        architecture="arm64",
        tracing=Tracing.DISABLED,
    )
    assert not [key for key in acknowledgements(app) if "IAM5" in key]
    assert nag_findings(app, AwsSolutionsChecks(), ServerlessChecks()) == [
        ("Serverless-LambdaTracing", "Untraced/Fn/Resource")
    ]


GOOD: dict[str, Any] = {"image": ImageSource.from_image_uri(URI), "architecture": "arm64"}


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"entrypoint": ["python3", "-m", "awslambdaric"]}, "entrypoint[0]", "absolute path"),
        ({"entrypoint": ["/bin/x"] * 1501}, "entrypoint", "at most 1,500 items"),
        ({"command": ["app.handler", ""]}, "command[1]", "must not be an empty string"),
        ({"command": ["a"] * 1501}, "command", "at most 1,500 items"),
        ({"command": "app.handler"}, "command", "list of strings"),
        ({"working_directory": "function"}, "working_directory", "absolute path"),
        ({"working_directory": "/" + "d" * 1000}, "working_directory", "at most 1,000"),
        ({"environment": {"1BAD": "x"}}, "environment['1BAD']", "[a-zA-Z]([a-zA-Z0-9_])+"),
        ({"environment": {"A": "x"}}, "environment['A']", "[a-zA-Z]([a-zA-Z0-9_])+"),
        ({"environment": {"AWS_REGION": "x"}}, "environment['AWS_REGION']", "reserved"),
        ({"environment": {"BIG": "x" * 4094}}, "environment", "4,096-byte limit"),
        ({"memory_size": 127}, "memory_size", "between 128 and 10,240 MB"),
        ({"memory_size": 10_241}, "memory_size", "between 128 and 10,240 MB"),
        ({"ephemeral_storage_size": 511}, "ephemeral_storage_size", "between 512 and 10,240"),
        ({"ephemeral_storage_size": 10_241}, "ephemeral_storage_size", "between 512 and 10,240"),
        ({"timeout": 0}, "timeout", "between 1 and 900 seconds"),
        ({"timeout": Duration.minutes(16)}, "timeout", "between 1 and 900 seconds"),
        ({"function_name": "no spaces allowed"}, "function_name", "1 to 64 letters"),
        ({"architecture": "x86_64,arm64"}, "architecture", "exactly one Lambda architecture"),
        (
            {"image": ImageSource.from_image_uri("nginx:latest")},
            "image.image_uri",
            "must be an ECR image URI",
        ),
        (
            {"image": ImageSource.from_image_uri(URI.replace(DIGEST, "sha256:abc"))},
            "image.image_uri",
            "64 hex digits",
        ),
        (
            {"image": ImageSource.from_image_uri(URI.replace("us-east-1", "eu-west-1"))},
            "image",
            "must be in the function's Region us-east-1",
        ),
        (
            {"image": ImageSource.from_image_uri(URI, architecture="x86_64")},
            "architecture",
            "must equal the architecture",
        ),
    ],
)
def test_each_invalid_setting_is_refused(overrides: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        ImageFunction(new_stack(account=CONSUMER_A), "Fn", **{**GOOD, **overrides})
    problems = {p.field: str(p) for p in raised.value.problems}
    assert field in problems, problems
    assert words in problems[field]


def test_bad_tag_of_a_repository_source_is_refused() -> None:
    stack = new_stack()
    repository = LambdaImageRepository(stack, "Repo", repository_name=REPOSITORY)
    with pytest.raises(LambdaImageValidationError, match=r"image.tag_or_digest must be an image"):
        ImageFunction(
            stack,
            "Fn",
            image=ImageSource.from_repository(repository, ".bad tag"),
            architecture="arm64",
        )


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(LambdaImageValidationError) as raised:
        ImageFunction(
            new_stack(account=CONSUMER_A),
            "Fn",
            **GOOD,
            memory_size=20_000,
            timeout=901,
            working_directory="relative",
            environment={"AWS_REGION": "x"},
        )
    message = str(raised.value)
    assert "ImageFunction TestStack/Fn: 4 invalid inputs" in message
    assert "memory_size must be between 128 and 10,240 MB, got 20000" in message


def test_image_architecture_must_match_the_function() -> None:
    _, image, stack = asset_app()
    with pytest.raises(LambdaImageValidationError, match=r"built for \(arm64\)"):
        ImageFunction(stack, "Fn", image=ImageSource.from_asset(image), architecture="x86_64")


def test_image_by_tag_in_another_account_warns() -> None:
    stack = new_stack(account=CONSUMER_A)
    fn = ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_image_uri(URI.replace(f"@{DIGEST}", ":v1")),
        architecture="arm64",
    )
    warnings = [m.data for m in fn.node.metadata if m.type == "aws:cdk:warning"]
    assert any("referenced by tag" in str(w) for w in warnings)


def cross_account_stacks(**repository_props: Any) -> tuple[LambdaImageRepository, Any]:
    app = new_app()
    repository_stack = Stack(
        app, "Repository", env=Environment(account=IMAGE_ACCOUNT, region="us-east-1")
    )
    repository = LambdaImageRepository(
        repository_stack, "Images", repository_name=REPOSITORY, **repository_props
    )
    return repository, app


def function_in(app: Any, account: str, repository: LambdaImageRepository, **props: Any) -> Any:
    name = f"Functions{account}{props.get('function_name', '')}"
    stack = Stack(app, name, env=Environment(account=account, region="us-east-1"))
    return ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_repository(repository, DIGEST),
        architecture="arm64",
        **props,
    )


def test_cross_account_function_needs_its_account_listed() -> None:
    repository, app = cross_account_stacks(consumer_accounts=[CONSUMER_A])
    function_in(app, CONSUMER_A, repository)
    with pytest.raises(LambdaImageValidationError) as raised:
        function_in(app, CONSUMER_B, repository)
    message = str(raised.value)
    assert f"is in account {IMAGE_ACCOUNT}" in message
    assert f"does not list this function's account {CONSUMER_B}" in message


def test_organization_wide_repository_covers_any_account() -> None:
    repository, app = cross_account_stacks(organization_id="o-abcdef1234")
    fn = function_in(app, CONSUMER_B, repository)
    assert fn.image.account == IMAGE_ACCOUNT


def test_narrowed_function_pattern_needs_a_matching_name() -> None:
    repository, app = cross_account_stacks()
    repository.add_consumer_account(CONSUMER_A, function_name_pattern="payments-*")
    function_in(app, CONSUMER_A, repository, function_name="payments-api")
    with pytest.raises(LambdaImageValidationError, match=r"must match one of \['payments-\*'\]"):
        function_in(app, CONSUMER_A, repository, function_name="orders-api")


def test_bootstrap_repository_image_cannot_serve_another_account(tmp_path: Path) -> None:
    app = new_app()
    images = Stack(app, "Images", env=Environment(account=IMAGE_ACCOUNT, region="us-east-1"))
    image = LambdaImage(images, "Image", directory=SAMPLE, architecture="arm64")
    stack = Stack(app, "Functions", env=Environment(account=CONSUMER_A, region="us-east-1"))
    with pytest.raises(LambdaImageValidationError, match="CDK bootstrap repository of account"):
        ImageFunction(stack, "Fn", image=ImageSource.from_asset(image), architecture="arm64")


def test_a_function_stack_depends_on_the_stack_that_publishes_its_image() -> None:
    app, image, stack = asset_app()
    ImageFunction(stack, "Fn", image=ImageSource.from_asset(image), architecture="arm64")
    # `cdk deploy Functions` deploys (and publishes) Images first
    assert "Images" in [s.stack_name for s in stack.dependencies]
    manifest = app.synth().get_stack_by_name("Functions").dependencies
    assert "Images" in [d.id for d in manifest]


def test_an_image_from_a_stack_with_no_account_is_refused_for_another_stack() -> None:
    app = new_app()
    repository_stack = Stack(app, "Repository")  # cdk init's default: no env
    repository = LambdaImageRepository(
        repository_stack, "Images", repository_name=REPOSITORY, consumer_accounts=[CONSUMER_A]
    )
    images = Stack(app, "Images", synthesizer=image_publishing_synthesizer(REPOSITORY))
    image = LambdaImage(
        images, "Image", directory=SAMPLE, architecture="arm64", repository=repository
    )
    functions = Stack(app, "Payments")
    with pytest.raises(LambdaImageValidationError) as error:
        ImageFunction(functions, "Fn", image=ImageSource.from_asset(image))
    [problem] = error.value.problems
    assert problem.field == "image"
    assert "Images, which has no account" in problem.accepted
    assert "env=Environment(account=" in problem.accepted


def test_an_image_in_its_own_env_agnostic_stack_serves_that_stack() -> None:
    app = new_app()
    stack = Stack(app, "Everything")  # one stack, one account: its own account is right
    uri = f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}@{DIGEST}"
    ImageFunction(stack, "Fn", image=ImageSource.from_image_uri(uri), architecture="arm64")
    assert lambda_function(stack)["Code"]["ImageUri"] == uri
