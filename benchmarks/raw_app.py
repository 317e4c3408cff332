"""The generated organisation written by hand with aws-cdk-lib, without this library: the
baseline (b) of benchmarks/synth_scale.py. It emits the same templates as the library's app
(benchmarks/compare_templates.py checks that, asset hashes masked), so the ratio of the two
synth times measures the library's overhead alone.

    python benchmarks/raw_app.py <consumer accounts> <functions each> <outdir> [--count-jsii]
                                 [--count-constructs]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aws_cdk import (
    App,
    DefaultStackSynthesizer,
    Duration,
    Environment,
    RemovalPolicy,
    Stack,
    Stage,
)
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from stacks.generate import org_config  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from round_trips import Tally  # noqa: E402

PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
PUBLISH = [
    "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
]  # fmt: skip
EXCLUDE = [
    ".git", "**/.git", "**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache",
    "**/.ruff_cache", ".venv", "**/.venv", "venv", "cdk.out", "**/cdk.out",
]  # fmt: skip


def repository_policy(account: str, region: str, consumers: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "LambdaECRImageRetrievalPolicy", "Effect": "Allow",
             "Principal": {"Service": "lambda.amazonaws.com"}, "Action": PULL,
             "Condition": {"StringLike": {
                 "aws:sourceARN": f"arn:aws:lambda:{region}:{account}:function:*"}}},
            {"Sid": "CrossAccountPermission", "Effect": "Allow", "Action": PULL,
             "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in consumers]}},
            {"Sid": "LambdaECRImageCrossAccountRetrievalPolicy", "Effect": "Allow",
             "Action": PULL, "Principal": {"Service": "lambda.amazonaws.com"},
             "Condition": {"StringLike": {"aws:sourceARN": [
                 f"arn:aws:lambda:{region}:{a}:function:*" for a in consumers]}}},
            {"Sid": "CdkImageAssetPublishing", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account}:role/cdk-hnb659fds-image-publishing-"
                                  f"role-{account}-{region}"},
             "Action": PUBLISH},
        ],
    }  # fmt: skip


def consumer_stacks(app: App, config: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Stack]]:
    """Each consumer account's stage and its (empty) Functions stack."""
    region = config["imageAccount"]["region"]
    for consumer in config["consumerAccounts"]:
        env = Environment(account=consumer["account"], region=region)
        stage = Stage(app, f"Consumer-{consumer['name']}", env=env)
        stack = Stack(
            stage,
            "Functions",
            env=env,
            description=f"Lambda functions of consumer account {consumer['name']}",
        )
        yield consumer, stack


def build(app: App, config: dict[str, Any]) -> None:
    uri, platform = build_image_account(app, config)
    region = config["imageAccount"]["region"]
    [image_spec] = config["images"]
    for consumer, stack in consumer_stacks(app, config):
        key = functions_key(stack, region, consumer["account"])
        tracing = iam.ManagedPolicy(
            stack, "ImageFunctionTracingPolicy",
            description=f"X-Ray permissions of the ImageFunctions in {stack.node.path}",
            statements=[iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"])],
        )  # fmt: skip
        for spec in consumer["functions"]:
            add_function(stack, key, tracing, spec, uri, image_spec["architecture"], platform)


def functions_key(stack: Stack, region: str, account: str) -> kms.Key:
    """The consumer stack's key for its functions' logs and environments, which CloudWatch
    Logs may use for this account's log groups only."""
    key = kms.Key(
        stack, "FunctionsKey", enable_key_rotation=True,
        description=f"Encrypts the logs and environment of the functions in {stack.stack_name}",
    )  # fmt: skip
    key.add_to_resource_policy(iam.PolicyStatement(
        principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
        actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                 "kms:Describe*"],
        resources=["*"],
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                f"arn:aws:logs:{region}:{account}:log-group:*"}},
    ))  # fmt: skip
    return key


def build_image_account(app: App, config: dict[str, Any]) -> tuple[str, str]:
    """The image account's stage (repository, image, URI parameter): the same few constructs
    in every way of building the organisation. Returns the image URI and platform."""
    image_env = Environment(**config["imageAccount"])
    account, region = config["imageAccount"]["account"], config["imageAccount"]["region"]
    [repository_spec] = config["repositories"]
    [image_spec] = config["images"]
    consumers = sorted(c["account"] for c in config["consumerAccounts"])

    image_stage = Stage(app, "ImageAccount", env=image_env)
    repositories = Stack(
        image_stage, "Repositories", env=image_env,
        description="ECR repositories for Lambda images (lambda-image-constructs)",
    )  # fmt: skip
    holder = Construct(Construct(repositories, "LambdaImages"), repository_spec["name"])
    repository = ecr.Repository(
        holder, "Resource",
        repository_name=repository_spec["name"],
        image_tag_mutability=ecr.TagMutability.IMMUTABLE,
        image_scan_on_push=True,
        encryption=ecr.RepositoryEncryption.KMS,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[ecr.LifecycleRule(
            description="Expire untagged images 14 days after push; tagged images are never"
                        " expired",
            tag_status=ecr.TagStatus.UNTAGGED, max_image_age=Duration.days(14))],
    )  # fmt: skip
    cfn_repository = repository.node.default_child
    assert isinstance(cfn_repository, ecr.CfnRepository)
    cfn_repository.repository_policy_text = repository_policy(account, region, consumers)

    images = Stack(
        image_stage, "Images-platform-lambda-images", env=image_env,
        synthesizer=DefaultStackSynthesizer(image_assets_repository_name=repository_spec["name"]),
        description=f"Lambda container images of {repository_spec['name']}",
    )  # fmt: skip
    images.add_stack_dependency(repositories)
    platform = "linux/arm64" if image_spec["architecture"] == "arm64" else "linux/amd64"
    asset = ecr_assets.DockerImageAsset(
        Construct(images, image_spec["name"]), "Asset",
        directory=str(ROOT / image_spec["directory"]),
        platform=ecr_assets.Platform.custom(platform), exclude=EXCLUDE,
    )  # fmt: skip
    uri = f"{account}.dkr.ecr.{region}.amazonaws.com/{repository_spec['name']}:{asset.image_tag}"
    ssm.StringParameter(
        images, f"{image_spec['name']}Uri",
        parameter_name=f"/lambda-images/{image_spec['name']}/uri", string_value=uri,
        description=f"Image URI of {image_spec['name']} ({platform})",
    )  # fmt: skip

    return uri, platform


def add_function(
    stack: Stack,
    key: kms.Key,
    tracing: iam.ManagedPolicy,
    spec: dict[str, Any],
    uri: str,
    architecture: str,
    platform: str,
) -> None:
    name = spec["name"]
    path = f"{stack.node.path}/{name}"
    # beside the function, as ImageFunction makes them
    log_group = logs.LogGroup(
        stack,
        f"{name}LogGroup",
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=RemovalPolicy.RETAIN,
        encryption_key=key,
    )
    role = iam.Role(
        stack,
        f"{name}ExecutionRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Execution role of {path}",
        managed_policies=[tracing],
    )
    queue = sqs.Queue(
        stack,
        f"{name}DeadLetterQueue",
        encryption=sqs.QueueEncryption.KMS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        removal_policy=RemovalPolicy.RETAIN,
    )
    execution_policy = iam.ManagedPolicy(role, "ExecutionPolicy", roles=[role],
                      description=f"Permissions of {path}", statements=[
        iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[log_group.log_group_arn]),
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]),
    ])  # fmt: skip
    function = lambda_.CfnFunction(
        Construct(stack, name), "Resource",
        architectures=[architecture],
        code={"imageUri": uri},
        dead_letter_config={"targetArn": queue.queue_arn},
        environment={"variables": spec["environment"]},
        ephemeral_storage={"size": 512},
        function_name=name,
        image_config={"command": spec["command"]},
        kms_key_arn=key.key_arn,
        logging_config={"logGroup": log_group.log_group_name},
        memory_size=512,
        package_type="Image",
        role=role.role_arn,
        timeout=30,
        tracing_config={"mode": "Active"},
    )  # fmt: skip
    # as aws_lambda.Function does: after its role and the policy that holds its permissions
    function.node.add_dependency(execution_policy, role)
    function.add_metadata("lambda-image-constructs:image-platform", platform)
    function.add_metadata("checkov", {"skip": [
        {"id": "CKV_AWS_117", "comment": f"{path} was given no vpc, so it runs in Lambda's own"
         " network with no ENIs to manage; pass vpc= to run it in one of your VPCs."},
        {"id": "CKV_AWS_115", "comment": f"{path} was given no reserved_concurrent_executions,"
         " so it shares the account's unreserved concurrency pool; set it to reserve and cap"
         " it."},
    ]})  # fmt: skip


def timed_synth(build: Callable[[App, dict[str, Any]], None]) -> int:
    """Build the organisation sized by the command line with ``build``, synthesize it, and
    print the construct and synth times (and the counts ``Tally`` was asked for) as one JSON
    line."""
    accounts, functions, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    tally = Tally(sys.argv)
    started = time.monotonic()
    app = App(outdir=outdir, context=plain_context())
    built = time.monotonic()
    build(app, configuration(accounts, functions))
    constructed = time.monotonic()
    tally.built()
    app.synth()
    done = time.monotonic()
    print(json.dumps({"construct_s": constructed - built, "synth_s": done - constructed,
                      "total_s": done - started, **tally.figures(app)}))  # fmt: skip
    return 0


def configuration(accounts: int, functions: int) -> dict[str, Any]:
    """The configuration file given by ``--config FILE`` (JSON), else the generated one."""
    if "--config" in sys.argv:
        given = Path(sys.argv[sys.argv.index("--config") + 1])
        loaded: dict[str, Any] = json.loads(given.read_text())
        return loaded
    return org_config(accounts, functions)


def plain_context() -> dict[str, Any]:
    """The example app's context (cdk.json) without this library's settings."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.pop("lambda-image-constructs", None)
    return context


if __name__ == "__main__":
    sys.exit(timed_synth(build))
