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

    python benchmarks/l2_app.py <consumer accounts> <functions each> <outdir> [--count-jsii]
                                [--count-constructs]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from aws_cdk import App, Duration, RemovalPolicy, Size, Stack
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
    for consumer, stack in consumer_stacks(app, config):
        key = functions_key(stack, region, consumer["account"])
        images = ecr.Repository.from_repository_attributes(
            stack,
            "LambdaImages",
            repository_arn=f"arn:aws:ecr:{region}:{account}:repository/{repository_spec['name']}",
            repository_name=repository_spec["name"],
        )
        for spec in consumer["functions"]:
            add_function(stack, key, images, tag, image_spec["architecture"], spec)


def add_function(
    stack: Stack,
    key: kms.Key,
    images: ecr.IRepository,
    tag: str,
    architecture: str,
    spec: dict[str, Any],
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
    return lambda_.DockerImageFunction(
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


if __name__ == "__main__":
    sys.exit(timed_synth(build))
