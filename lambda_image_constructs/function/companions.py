"""What ``ImageFunction`` makes beside the function: its execution role (every permission in a
customer managed policy of its own), its log group, its dead-letter queue, the policies every
function of a stack shares, and the image code handed to ``aws_lambda.Function``."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from aws_cdk import CfnResource, Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..roles import PolicyOfItsOwnRole
from . import acknowledgements as ack
from .acknowledgements import Acknowledger

XRAY_ACTIONS = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})
TRACING_POLICY_ID = "ImageFunctionTracingPolicy"
EFS_MOUNT = "elasticfilesystem:ClientMount"
EFS_WRITE = "elasticfilesystem:ClientWrite"


@cache
def constant(name: str) -> Any:
    """aws-cdk-lib constants and value objects every function uses, fetched from Node once per
    process instead of once per function (each is a round trip: 3 per function)."""
    values: dict[str, Any] = {
        "arm64": lambda: lambda_.Architecture.ARM_64,
        "x86_64": lambda: lambda_.Architecture.X86_64,
        "lambda": lambda: iam.ServicePrincipal("lambda.amazonaws.com"),
        "handler": lambda: lambda_.Handler.FROM_IMAGE,
        "runtime": lambda: lambda_.Runtime.FROM_IMAGE,
        "dlq-retention": lambda: Duration.days(14),
    }
    return values[name]()


@cache
def mebibytes(value: int) -> Size:
    return Size.mebibytes(value)  # one round trip per value, not per function


@cache
def seconds(value: int) -> Duration:
    return Duration.seconds(value)


@dataclass(frozen=True)
class SharedPolicy:
    """A customer managed policy the ImageFunctions of one stack share, because it names
    nothing of any function: AWS only accepts ``Resource: "*"`` for its actions."""

    id: str
    description: str
    statement: Mapping[str, Any]
    why_any_resource: str


XRAY_POLICY = SharedPolicy(
    TRACING_POLICY_ID,
    "X-Ray permissions of the ImageFunctions in",
    {"Effect": "Allow", "Action": sorted(XRAY_ACTIONS, reverse=True), "Resource": "*"},
    "Only xray:PutTraceSegments and xray:PutTelemetryRecords are in this policy; X-Ray supports"
    " no resource-level permissions for them, so AWS only accepts Resource '*'.",
)
# What Lambda needs to run a function in a VPC (the actions of the AWS managed
# AWSLambdaVPCAccessExecutionRole, which aws-cdk-lib attaches to the roles it makes).
NETWORK_INTERFACE_POLICY = SharedPolicy(
    "ImageFunctionNetworkInterfacePolicy",
    "Network interface permissions of the VPC ImageFunctions in",
    {
        "Effect": "Allow",
        "Action": [
            "ec2:AssignPrivateIpAddresses",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:UnassignPrivateIpAddresses",
        ],
        "Resource": "*",
    },
    "Only the network interface actions Lambda performs for a function in a VPC are in this"
    " policy; Lambda makes them with the function's role before the interfaces exist, and"
    " AWS's own policy for it (AWSLambdaVPCAccessExecutionRole) grants them on Resource '*'.",
)
# The shared policies made so far, per stack. Finding one in the stack instead
# (node.try_find_child) would cost 2 round trips per function (round_trips.py).
_SHARED: weakref.WeakKeyDictionary[Stack, dict[str, iam.ManagedPolicy]] = (
    weakref.WeakKeyDictionary()
)


def shared_policy(
    stack: Stack, kind: SharedPolicy, acknowledger: Acknowledger
) -> iam.ManagedPolicy:
    """One per stack rather than one per function: an account holds 1,500 customer managed
    policies by default, so a policy per function would use them up twice as fast. Its
    acknowledgement is made as the function that makes it (the stack's first) words it."""
    made = _SHARED.setdefault(stack, {})
    policy = made.get(kind.id)
    if policy is None:
        policy = iam.ManagedPolicy(
            stack,
            kind.id,
            description=f"{kind.description} {stack.node.path}",
            document=iam.PolicyDocument.from_json(document(kind.statement)),
        )
        acknowledger.apply(policy, kind.id, ack.any_resource_reasons(kind.why_any_resource))
        made[kind.id] = policy
    return policy


def document(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _xray_write(statement: Mapping[str, Any]) -> bool:
    """Whether a statement (as ``to_statement_json`` gives it) only allows sending traces,
    which is all the stack's shared tracing policy may hold: every traced function of the
    stack gets what it allows."""
    actions = _as_list(statement.get("Action"))
    return (
        bool(actions)
        and set(actions) <= XRAY_ACTIONS
        and statement.get("Effect") == "Allow"
        and _as_list(statement.get("Resource")) == ["*"]
        and set(statement) <= {"Action", "Effect", "Resource", "Sid"}
    )


def file_system_arn(filesystem: lambda_.FileSystem) -> str | None:
    """The ARN of the EFS file system behind an access point, as aws-cdk-lib's
    ``FileSystem.from_efs_access_point`` names it in its ClientWrite statement."""
    for statement in filesystem.config.policies or ():
        as_json = statement.to_statement_json()
        if _as_list(as_json.get("Action")) == [EFS_WRITE]:
            resources = _as_list(as_json.get("Resource"))
            return str(resources[0]) if len(resources) == 1 else None
    return None


class ExecutionRole(PolicyOfItsOwnRole):
    """An execution role whose permissions all live in customer managed policies.

    Every grant (the function's own log and dead-letter permissions, a user's
    ``bucket.grant_read(fn)``, an event source's grant) lands in ``ExecutionPolicy``, a
    customer managed policy of this role only, except plain X-Ray writes, which AWS only
    accepts with ``Resource: "*"`` and which the stack's shared tracing policy already allows
    (there that finding is acknowledged and nothing else hides). aws-cdk-lib's EFS mount
    permission on ``Resource: "*"`` (limited by a condition to the access point) is narrowed
    to the access point's file system. No inline policy, no AWS managed policy.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function_path: str,
        stack: Stack,
        statements: Sequence[Mapping[str, Any]],
        managed_policies: Sequence[iam.IManagedPolicy],
        acknowledger: Acknowledger,
        file_system_arn: str | None = None,
    ) -> None:
        self._stack, self._acknowledger = stack, acknowledger
        self._file_system_arn = file_system_arn
        super().__init__(
            scope,
            id,
            assumed_by=constant("lambda"),
            description=f"Execution role of {function_path}",
            policy_id="ExecutionPolicy",
            policy_description=f"Permissions of {function_path}",
            statements=statements,
            managed_policies=managed_policies,
        )
        self.execution_policy = self.policy

    def _granted_elsewhere(self, statement: Mapping[str, Any]) -> iam.ManagedPolicy | None:
        if not _xray_write(statement):
            return None
        # The shared policy already allows every X-Ray write; attaching it is the grant (the
        # statement itself is not added: a later add_actions on it would reach every traced
        # function of the stack).
        policy = shared_policy(self._stack, XRAY_POLICY, self._acknowledger)
        self.add_managed_policy(policy)
        return policy

    def _narrowed(self, statement: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """ClientMount on any file system, limited to the access point by its condition, as
        the same grant on the access point's own file system."""
        if (
            self._file_system_arn is None
            or _as_list(statement.get("Action")) != [EFS_MOUNT]
            or _as_list(statement.get("Resource")) != ["*"]
            or "Condition" not in statement
        ):
            return None
        return {**statement, "Resource": self._file_system_arn}


class ImageCode(lambda_.Code):
    """The image by URI, with the function's image configuration. Binding it grants nothing:
    who may pull is the repository's policy, which a function never changes. aws-cdk-lib hands
    it the function's ``CfnFunction`` (``bind_to_resource``, one callback, where reading
    ``node.default_child`` afterwards would be two round trips): kept as ``resource`` until the
    next function binds it."""

    def __init__(self, config: lambda_.CodeImageConfig) -> None:
        super().__init__()
        self._config = config
        self.resource: CfnResource | None = None

    def bind(self, scope: Construct) -> lambda_.CodeConfig:
        return lambda_.CodeConfig(image=self._config)

    def bind_to_resource(
        self, resource: CfnResource, *, resource_property: str | None = None
    ) -> None:
        self.resource = resource


@lru_cache(maxsize=1024)
def image_code(
    image_uri: str,
    entrypoint: tuple[str, ...] | None,
    command: tuple[str, ...] | None,
    working_directory: str | None,
) -> ImageCode:
    """One ``ImageCode`` per image and image configuration, shared by the functions that have
    the same: a ``Code`` is bound to each function anew, and making one is a round trip
    (round_trips.py: 1 per function fewer where functions share an image and command)."""
    return ImageCode(
        lambda_.CodeImageConfig(
            image_uri=image_uri,
            entrypoint=list(entrypoint) if entrypoint is not None else None,
            cmd=list(command) if command is not None else None,
            working_directory=working_directory,
        )
    )


def new_log_group(
    scope: Construct,
    id: str,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    encryption_key: kms.IKey | None,
) -> logs.LogGroup:
    """The function's own log group, kept ``retention`` and (by default) retained."""
    return logs.LogGroup(
        scope, id, retention=retention, removal_policy=removal_policy, encryption_key=encryption_key
    )


# What aws-cdk-lib's deadLetterQueue prop grants the function's role, on the queue.
SEND_MESSAGE: dict[str, Any] = {"Effect": "Allow", "Action": "sqs:SendMessage"}


def send_message_statement(queue_arn: str) -> iam.PolicyStatement:
    """``SEND_MESSAGE`` on ``queue_arn``, for a role the function did not make."""
    return iam.PolicyStatement.from_json({**SEND_MESSAGE, "Resource": queue_arn})


def new_dead_letter_queue(scope: Construct, id: str) -> sqs.Queue:
    """The function's dead-letter queue: encrypted with the AWS managed SQS key, TLS only,
    kept 14 days and retained with its stack (failed events are what someone will want to
    read after the stack is gone)."""
    return sqs.Queue(
        scope,
        id,
        encryption=sqs.QueueEncryption.KMS_MANAGED,
        enforce_ssl=True,
        retention_period=constant("dlq-retention"),
        removal_policy=RemovalPolicy.RETAIN,
    )
