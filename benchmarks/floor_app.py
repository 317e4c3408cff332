"""The same organisation as benchmarks/raw_app.py, written with the fewest jsii round trips
Python can make: each consumer resource one ``CfnResource`` whose construct ID is its logical
ID (so no override call), its properties and references plain values (``Ref`` / ``Fn::GetAtt``
dicts, no tokens to ask for). No construct per function, no acknowledgements, no validation.
It emits the same templates as the library (benchmarks/compare_templates.py checks that), so
its synth time is the floor for any Python app of these templates: what jsii costs before a
library does anything.

    python benchmarks/floor_app.py <consumer accounts> <functions each> <outdir>
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from aws_cdk import App, CfnResource, RemovalPolicy, Stack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from raw_app import build_image_account, consumer_stacks, timed_synth  # noqa: E402

from lambda_image_constructs.logical_ids import logical_id  # noqa: E402

CHECKOV_117 = (
    " was given no vpc, so it runs in Lambda's own network with no ENIs to manage; pass vpc= to"
    " run it in one of your VPCs."
)
CHECKOV_115 = (
    " was given no reserved_concurrent_executions, so it shares the account's unreserved"
    " concurrency pool; set it to reserve and cap it."
)


def arn(resource: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, "Arn"]}


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def add_functions(
    stack: Stack, consumer: dict[str, Any], region: str, uri: str, platform: str
) -> None:
    account = consumer["account"]
    stack_path = f"Consumer-{consumer['name']}/Functions"
    key = logical_id("FunctionsKey", "Resource")
    CfnResource(stack, key, type="AWS::KMS::Key", properties={
        "Description": "Encrypts the logs and environment of the functions in"
                       f" Consumer-{consumer['name']}-Functions",
        "EnableKeyRotation": True,
        "KeyPolicy": document(
            {"Action": "kms:*", "Effect": "Allow", "Resource": "*",
             "Principal": {"AWS": f"arn:aws:iam::{account}:root"}},
            {"Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*",
                        "kms:GenerateDataKey*", "kms:ReEncrypt*"],
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                       f"arn:aws:logs:{region}:{account}:log-group:*"}},
             "Effect": "Allow", "Principal": {"Service": f"logs.{region}.amazonaws.com"},
             "Resource": "*"}),
    }).apply_removal_policy(RemovalPolicy.RETAIN)  # fmt: skip
    tracing = logical_id("ImageFunctionTracingPolicy", "Resource")
    CfnResource(stack, tracing, type="AWS::IAM::ManagedPolicy", properties={
        "Description": f"X-Ray permissions of the ImageFunctions in {stack_path}",
        "Path": "/",
        "PolicyDocument": document({"Action": ["xray:PutTelemetryRecords",
                                               "xray:PutTraceSegments"],
                                    "Effect": "Allow", "Resource": "*"}),
    })  # fmt: skip
    for spec in consumer["functions"]:
        name = spec["name"]
        path = f"{stack_path}/{name}"
        log_group = logical_id(f"{name}LogGroup", "Resource")
        role = logical_id(f"{name}ExecutionRole", "Resource")
        policy = logical_id(f"{name}ExecutionRole", "ExecutionPolicy", "Resource")
        queue = logical_id(f"{name}DeadLetterQueue", "Resource")
        CfnResource(stack, log_group, type="AWS::Logs::LogGroup", properties={
            "KmsKeyId": arn(key), "RetentionInDays": 365,
        }).apply_removal_policy(RemovalPolicy.RETAIN)  # fmt: skip
        CfnResource(stack, role, type="AWS::IAM::Role", properties={
            "AssumeRolePolicyDocument": document({
                "Action": "sts:AssumeRole", "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}}),
            "Description": f"Execution role of {path}",
            "ManagedPolicyArns": [{"Ref": tracing}],
        })  # fmt: skip
        CfnResource(stack, policy, type="AWS::IAM::ManagedPolicy", properties={
            "Description": f"Permissions of {path}",
            "Path": "/",
            "PolicyDocument": document(
                {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow",
                 "Resource": arn(log_group)},
                {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": arn(queue)}),
            "Roles": [{"Ref": role}],
        })  # fmt: skip
        CfnResource(stack, queue, type="AWS::SQS::Queue", properties={
            "KmsMasterKeyId": "alias/aws/sqs", "MessageRetentionPeriod": 1209600,
        }).apply_removal_policy(RemovalPolicy.RETAIN)  # fmt: skip
        CfnResource(stack, logical_id(f"{name}DeadLetterQueue", "Policy", "Resource"),
                    type="AWS::SQS::QueuePolicy", properties={
            "PolicyDocument": document({
                "Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Effect": "Deny", "Principal": {"AWS": "*"}, "Resource": arn(queue)}),
            "Queues": [{"Ref": queue}],
        })  # fmt: skip
        function = CfnResource(stack, logical_id(name, "Resource"),
                               type="AWS::Lambda::Function", properties={
            "Architectures": [platform.split("/")[1]],
            "Code": {"ImageUri": uri},
            "DeadLetterConfig": {"TargetArn": arn(queue)},
            "Environment": {"Variables": spec["environment"]},
            "EphemeralStorage": {"Size": 512},
            "FunctionName": name,
            "ImageConfig": {"Command": spec["command"]},
            "KmsKeyArn": arn(key),
            "LoggingConfig": {"LogGroup": {"Ref": log_group}},
            "MemorySize": 512,
            "PackageType": "Image",
            "Role": arn(role),
            "Timeout": 30,
            "TracingConfig": {"Mode": "Active"},
        })  # fmt: skip
        function.add_override("DependsOn", [policy, role])
        function.add_override("Metadata", {
            "lambda-image-constructs:image-platform": platform,
            "checkov": {"skip": [{"id": "CKV_AWS_117", "comment": path + CHECKOV_117},
                                 {"id": "CKV_AWS_115", "comment": path + CHECKOV_115}]},
        })  # fmt: skip


def build(app: App, config: dict[str, Any]) -> None:
    uri, platform = build_image_account(app, config)
    for consumer, stack in consumer_stacks(app, config):
        add_functions(stack, consumer, config["imageAccount"]["region"], uri, platform)


if __name__ == "__main__":
    sys.exit(timed_synth(build))
