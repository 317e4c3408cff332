"""(b2) of benchmarks/synth_scale.py: the generated organisation written the way a platform
engineer writes it with aws-cdk-lib's L2 constructs, without this library. Each function is a
``DockerImageFunction`` of the shared image (pulled from the image account's repository by its
asset tag) with the library's default resources: its own log group kept one year, retained
and encrypted with the stack's key, its own dead-letter queue (encrypted with the AWS managed
SQS key, TLS only, retained), X-Ray, a command override, an environment encrypted with the key,
512 MB of memory and of /tmp, a 30 s timeout.

Its templates differ in shape from the library's (an inline default policy and the AWS managed
AWSLambdaBasicExecutionRole instead of a customer managed policy per function and a shared
X-Ray policy per stack, no acknowledgements or checkov metadata), but each function has as many
resources (benchmarks/compare_templates.py checks that). The image account and the consumer
stacks and their key are benchmarks/raw_app.py's.

With the configuration of benchmarks/rollout_scale.py (``--config FILE`` whose accounts
have ``functionDefaults.deployment``) each function also gets what the library's rollout
makes, written as a platform engineer would: ``fn.add_alias("live")`` on its current version,
a ``LambdaDeploymentGroup`` (one ``LambdaApplication`` per stack) with the predefined
CANARY_10_PERCENT_5_MINUTES, rollback on failure, stop and alarm, and three alarms (errors and
throttles of the alias's new version, messages sent to the dead-letter queue); the group's
role is aws-cdk-lib's default (with the AWS managed AWSCodeDeployRoleForLambdaLimited, where the
library makes a role and a customer managed policy: one resource fewer per function). With
``functionStacks`` the functions are spread over stacks by the library's rule (a SHA-256 of
the name), so that both apps have the same stacks.

    python benchmarks/l2_app.py <consumer accounts> <functions each> <outdir> [--count-jsii]
                                [--count-constructs] [--config FILE]
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk import App, Duration, Environment, RemovalPolicy, Size, Stack, Stage
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_app import build_image_account, consumer_stacks, functions_key, timed_synth


def build(app: App, config: dict[str, Any]) -> None:
    uri, _ = build_image_account(app, config)
    tag = uri.rpartition(":")[2]  # the asset's tag in the shared repository
    account, region = config["imageAccount"]["account"], config["imageAccount"]["region"]
    [repository_spec] = config["repositories"]
    [image_spec] = config["images"]
    for consumer, stack, functions in functions_stacks(app, config):
        key = functions_key(stack, region, consumer["account"])
        images = ecr.Repository.from_repository_attributes(
            stack,
            "LambdaImages",
            repository_arn=f"arn:aws:ecr:{region}:{account}:repository/{repository_spec['name']}",
            repository_name=repository_spec["name"],
        )
        rollout = None
        if consumer.get("functionDefaults", {}).get("deployment"):
            rollout = codedeploy.LambdaApplication(stack, "Deployments")
        for spec in functions:
            add_function(stack, key, images, tag, image_spec["architecture"], spec, rollout)


def functions_stacks(
    app: App, config: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], Stack, list[dict[str, Any]]]]:
    """Each consumer account's functions stacks with their functions: one ``Functions`` stack
    (raw_app.py's), or with ``functionStacks`` N the library's split: a function goes to the
    stack its name's SHA-256 modulo N names (``Functions``, ``Functions-2``, ...)."""
    stacks_each = [c.get("functionStacks", 1) for c in config["consumerAccounts"]]
    if max(stacks_each, default=1) == 1:
        for consumer, stack in consumer_stacks(app, config):
            yield consumer, stack, consumer["functions"]
        return
    region = config["imageAccount"]["region"]
    for consumer, count in zip(config["consumerAccounts"], stacks_each, strict=True):
        grouped: dict[str, list[dict[str, Any]]] = {}
        for spec in consumer["functions"]:
            grouped.setdefault(functions_stack_of(spec["name"], count), []).append(spec)
        env = Environment(account=consumer["account"], region=region)
        stage = Stage(app, f"Consumer-{consumer['name']}", env=env)
        for name, functions in sorted(grouped.items()):
            description = f"Lambda functions of consumer account {consumer['name']}"
            yield consumer, Stack(stage, name, env=env, description=description), functions


def functions_stack_of(name: str, stacks: int) -> str:
    """The library's rule (lambda_image_constructs/org/stages.py's ``stack_of``)."""
    bucket = int(hashlib.sha256(name.encode()).hexdigest(), 16) % stacks
    return "Functions" if bucket == 0 else f"Functions-{bucket + 1}"


def add_function(
    stack: Stack,
    key: kms.Key,
    images: ecr.IRepository,
    tag: str,
    architecture: str,
    spec: dict[str, Any],
    rollout: codedeploy.LambdaApplication | None = None,
) -> lambda_.DockerImageFunction:
    name = spec["name"]
    log_group = logs.LogGroup(
        stack,
        f"{name}LogGroup",
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=RemovalPolicy.RETAIN,
        encryption_key=key,
    )
    dead_letters = sqs.Queue(
        stack,
        f"{name}DeadLetterQueue",
        encryption=sqs.QueueEncryption.KMS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        removal_policy=RemovalPolicy.RETAIN,
    )
    function = lambda_.DockerImageFunction(
        stack,
        name,
        code=lambda_.DockerImageCode.from_ecr(images, tag_or_digest=tag, cmd=spec["command"]),
        architecture=(
            lambda_.Architecture.ARM_64 if architecture == "arm64" else lambda_.Architecture.X86_64
        ),
        function_name=name,
        environment=spec["environment"],
        environment_encryption=key,
        memory_size=512,
        ephemeral_storage_size=Size.mebibytes(512),
        timeout=Duration.seconds(30),
        tracing=lambda_.Tracing.ACTIVE,
        dead_letter_queue=dead_letters,
        log_group=log_group,
    )
    if rollout is not None:
        add_deployment(stack, name, function, dead_letters, rollout)
    return function


def add_deployment(
    stack: Stack,
    name: str,
    function: lambda_.DockerImageFunction,
    dead_letters: sqs.Queue,
    application: codedeploy.LambdaApplication,
) -> codedeploy.LambdaDeploymentGroup:
    """Alias live on the current version, moved by a canary deployment that rolls back on
    failure, on stop and on any error or throttle of the new version or dead letter."""
    alias = function.add_alias("live")
    one_minute = Duration.minutes(1)
    metrics = {
        "Errors": alias.metric_errors(period=one_minute, statistic="Sum"),
        "Throttles": alias.metric_throttles(period=one_minute, statistic="Sum"),
        "DeadLetters": dead_letters.metric_number_of_messages_sent(
            period=one_minute, statistic="Sum"
        ),
    }
    alarms = [
        cloudwatch.Alarm(
            stack,
            f"{name}{what}Alarm",
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for what, metric in metrics.items()
    ]
    return codedeploy.LambdaDeploymentGroup(
        stack,
        f"{name}DeploymentGroup",
        alias=alias,
        application=application,
        deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
        alarms=alarms,
        auto_rollback=codedeploy.AutoRollbackConfig(
            failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
        ),
    )


if __name__ == "__main__":
    sys.exit(timed_synth(build))
