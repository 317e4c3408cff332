"""``ImageFunction``: a Lambda function that runs a container image, its image configuration
overridable per function and checked at synth; ``ImageSource``: where its image comes from."""

from __future__ import annotations

import contextlib
import fnmatch
import warnings
import weakref
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

from aws_cdk import (
    Acknowledgment,
    Annotations,
    Duration,
    RemovalPolicy,
    Size,
    Stack,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct

from . import function_validation as checks
from .architecture import LambdaArchitecture, parse_architecture
from .errors import Problems
from .image import LambdaImage, _stage_path
from .logical_ids import logical_id
from .nag.pack import note_acknowledged
from .nag.rules.common import IMAGE_PLATFORM_METADATA
from .quotas import register_quota_checks
from .repository import LambdaImageRepository
from .roles import PolicyOfItsOwnRole
from .rollout import (
    ALARM_ACKNOWLEDGEMENT,
    ALIAS_NAME,
    DEFAULT_ALIAS,
    ConcurrencyScaling,
    Deployment,
    check_provisioning,
    default_alarms,
    deployment_group,
)
from .tokens import is_unresolved

DEFAULT_MEMORY_MB = 512
DEFAULT_EPHEMERAL_STORAGE_MB = 512
DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
IMAGE_TAG_WARNING = "lambda-image-constructs:image-referenced-by-tag"


@dataclass(frozen=True)
class ResolvedImage:
    """What a function needs to know of its image."""

    image_uri: str
    account: str | None  # None when unknown at synth
    region: str | None
    architecture: LambdaArchitecture | None
    repository: LambdaImageRepository | None
    by_digest: bool
    description: str
    in_bootstrap_repository: bool = False
    stack: Stack | None = None
    """The stack that publishes the image or holds its repository, when in this app."""
    unresolved: bool = False
    """The URI is a token (a parameter, an SSM value): nothing of it could be checked."""


class ImageSource(ABC):
    """Where an ``ImageFunction``'s image comes from. Create one with a factory method."""

    @staticmethod
    def from_asset(image: LambdaImage) -> ImageSource:
        """An image built by ``LambdaImage`` (published to its repository under its hash; a
        function in another of the repository's ``regions`` runs the copy there)."""
        if image.regional_copies:
            return _RegionalAssetSource((image, *image.regional_copies.values()))
        return _AssetSource(image)

    @staticmethod
    def from_regional_assets(images: Sequence[LambdaImage]) -> ImageSource:
        """One image published in several Regions (a ``LambdaImage`` of the same build in a
        stack of each Region, into that Region's repository): each function runs the copy of
        its own Region, since Lambda only pulls from ECR in its own Region."""
        return _RegionalAssetSource(tuple(images))

    @staticmethod
    def from_repository(
        repository: LambdaImageRepository | ecr.IRepository,
        tag_or_digest: str,
        *,
        architecture: LambdaArchitecture | lambda_.Architecture | str | None = None,
    ) -> ImageSource:
        """An image in a ``LambdaImageRepository`` or any ``IRepository``, by tag or by
        ``sha256:`` digest. ``architecture``: what the image was built for, when known."""
        return _RepositorySource(repository, tag_or_digest, architecture)

    @staticmethod
    def from_image_uri(
        image_uri: str,
        *,
        architecture: LambdaArchitecture | lambda_.Architecture | str | None = None,
    ) -> ImageSource:
        """An image by URI, typically in another account:
        ``<account>.dkr.ecr.<region>.<url suffix>/<name>@sha256:<64 hex>``. A tag
        (``:<tag>``) is accepted with a warning, since tags can move."""
        return _UriSource(image_uri, architecture)

    @abstractmethod
    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        """The image for a function in ``scope``; problems go to ``problems``."""


def _optional_architecture(problems: Problems, value: Any) -> LambdaArchitecture | None:
    return None if value is None else parse_architecture(problems, "image.architecture", value)


def _known(value: str) -> str | None:
    return None if is_unresolved(value) else value


def _url_suffix(stack: Stack, region: str) -> str:
    if not is_unresolved(region):
        suffix = RegionInfo.get(region).domain_suffix
        if suffix:
            return suffix
    return stack.url_suffix


class _AssetSource(ImageSource):
    def __init__(self, image: LambdaImage) -> None:
        self._image = image

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        return self._resolved(self._image)

    @staticmethod
    def _resolved(image: LambdaImage) -> ResolvedImage:
        return ResolvedImage(
            image_uri=image.image_uri,
            account=_known(image.account),
            region=_known(image.region),
            architecture=image.architecture_name,
            repository=image.image_repository,
            by_digest=False,  # a content-hash tag in an immutable repository
            description=f"LambdaImage {image.construct_path}",
            in_bootstrap_repository=image.image_repository is None,
            stack=_stack_of(image),
        )


class _RegionalAssetSource(_AssetSource):
    def __init__(self, images: tuple[LambdaImage, ...]) -> None:
        self._images = images

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        regions = {}
        for image in self._images:
            region = _known(image.region)
            if region is None or region in regions:
                problems.add(
                    "image",
                    f"LambdaImage {image.construct_path}",
                    "must be in a stack with a Region of its own: one copy per Region"
                    + (f" ({region} twice)" if region else ""),
                )
                return None
            regions[region] = image
        architectures = {image.architecture_name for image in self._images}
        if len(architectures) > 1:
            problems.add(
                "image",
                sorted(a.lambda_name for a in architectures),
                "must be one build for one architecture in every Region",
            )
            return None
        region = _scope_of(scope).region
        if region not in regions:
            problems.add(
                "image",
                f"published in {sorted(regions)}",
                f"must be published in the function's Region {region}: Lambda only pulls"
                " images from ECR in its own Region; add the Region to the repository's"
                " regions (configuration: repositories[].regions) or publish a LambdaImage"
                " in a stack of that Region",
            )
            return None
        return self._resolved(regions[region])


class _RepositorySource(ImageSource):
    def __init__(
        self,
        repository: LambdaImageRepository | ecr.IRepository,
        tag_or_digest: str,
        architecture: Any,
    ) -> None:
        self._repository = repository
        self._tag_or_digest = tag_or_digest
        self._architecture = architecture

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        checks.check_tag_or_digest(problems, "image.tag_or_digest", self._tag_or_digest)
        architecture = _optional_architecture(problems, self._architecture)
        reference = self._tag_or_digest
        separator = "@" if str(reference).startswith("sha256:") else ":"
        # A LambdaImageRepository's own aws_ecr.Repository (its .repository) is the repository
        # itself: the same checks and retention, not an imported repository's.
        owner = getattr(self._repository, "owner", None)
        if isinstance(owner, LambdaImageRepository):
            self._repository = owner
        if isinstance(self._repository, LambdaImageRepository):
            owned = self._repository
            stack = Stack.of(owned)
            account, region = stack.account, stack.region
            uri = (
                f"{account}.dkr.ecr.{region}.{_url_suffix(stack, region)}"
                f"/{owned.repository_name}{separator}{reference}"
            )
            return ResolvedImage(
                uri, _known(account), _known(region), architecture, owned,
                separator == "@", f"LambdaImageRepository {owned.node.path}", stack=stack,
            )  # fmt: skip
        imported = self._repository
        return ResolvedImage(
            imported.repository_uri_for_tag_or_digest(reference),
            _known(imported.env.account),
            _known(imported.env.region),
            architecture,
            None,
            separator == "@",
            f"repository {imported.node.path}",
        )


class _UriSource(ImageSource):
    def __init__(self, image_uri: str, architecture: Any) -> None:
        self._uri = image_uri
        self._architecture = architecture

    def resolve(self, scope: Construct, problems: Problems) -> ResolvedImage | None:
        architecture = _optional_architecture(problems, self._architecture)
        if is_unresolved(self._uri):
            return ResolvedImage(
                self._uri, None, None, architecture, None, True,
                "an image URI only known at deploy time", unresolved=True,
            )  # fmt: skip
        parts = checks.parse_image_uri(problems, "image.image_uri", self._uri)
        if parts is None:
            return None
        return ResolvedImage(
            self._uri, parts.account, parts.region, architecture, None,
            parts.digest is not None, f"image {self._uri}",
        )  # fmt: skip


_STACKS: weakref.WeakKeyDictionary[Construct, Stack] = weakref.WeakKeyDictionary()


def _stack_of(construct: Construct) -> Stack:
    """``Stack.of``, asked of Node once per image: every function of an image asks it."""
    try:
        return _STACKS[construct]
    except (KeyError, TypeError):
        stack = Stack.of(construct)
    with contextlib.suppress(TypeError):
        _STACKS[construct] = stack
    return stack


_STAGES: weakref.WeakKeyDictionary[Stack, str | None] = weakref.WeakKeyDictionary()


def _stage_of(stack: Stack) -> str | None:
    """The path of the stack's Stage, asked of Node once per stack."""
    if stack not in _STAGES:
        _STAGES[stack] = _stage_path(stack)
    return _STAGES[stack]


@cache
def _jsii_constant(name: str) -> Any:
    """aws-cdk-lib constants and value objects used by every function, fetched from Node once
    per process instead of once per function (each is a jsii round trip)."""
    values: dict[str, Any] = {
        "arm64": lambda: lambda_.Architecture.ARM_64,
        "x86_64": lambda: lambda_.Architecture.X86_64,
        "lambda": lambda: iam.ServicePrincipal("lambda.amazonaws.com"),
        "anyone": lambda: iam.AnyPrincipal(),
        "handler": lambda: lambda_.Handler.FROM_IMAGE,
        "runtime": lambda: lambda_.Runtime.FROM_IMAGE,
        "dlq-retention": lambda: Duration.days(14),
    }
    return values[name]()


# checkov checks that ask the same as the NIST rules acknowledged on a function.
CHECKOV_FOR_NIST = {
    "NIST.800.53.R5-LambdaInsideVPC": "CKV_AWS_117",
    "NIST.800.53.R5-LambdaConcurrency": "CKV_AWS_115",
}
XRAY_ACTIONS = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})
TRACING_MODES = {"ACTIVE": "Active", "PASS_THROUGH": "PassThrough"}
_IN_HOLDER = ("Resource", "Resource")  # the function's path below the ImageFunction


@dataclass(frozen=True)
class _Scope:
    """What every function in one scope shares: its stack, the stack's known account and
    Region, and the scope's construct path."""

    stack: Stack
    account: str | None
    region: str | None
    path: str
    root: IConstruct
    stack_path: str
    below_stack: tuple[str, ...]  # the scope's construct IDs below its stack


_SCOPES: weakref.WeakKeyDictionary[Construct, _Scope] = weakref.WeakKeyDictionary()
TRACING_POLICY_ID = "ImageFunctionTracingPolicy"


def _scope_of(scope: Construct) -> _Scope:
    """Asked of Node once per scope, since a stack of many functions passes the same scope to
    each (each answer is a round trip)."""
    try:
        return _SCOPES[scope]
    except (KeyError, TypeError):
        pass
    stack = Stack.of(scope)
    node = scope.node
    path = node.path
    stack_path = stack.node.path if scope is not stack else path
    below = path[len(stack_path) :].strip("/")
    found = _Scope(
        stack,
        _known(stack.account),
        _known(stack.region),
        path,
        node.root,
        stack_path,
        tuple(below.split("/")) if below else (),
    )
    with contextlib.suppress(TypeError):
        _SCOPES[scope] = found
    return found


@dataclass(frozen=True)
class _SharedPolicy:
    """A customer managed policy the ImageFunctions of one stack share, because it names
    nothing of any function: AWS only accepts ``Resource: "*"`` for its actions."""

    id: str
    description: str
    statement: Mapping[str, Any]
    why_any_resource: str


_XRAY_POLICY = _SharedPolicy(
    TRACING_POLICY_ID,
    "X-Ray permissions of the ImageFunctions in",
    {"Effect": "Allow", "Action": sorted(XRAY_ACTIONS, reverse=True), "Resource": "*"},
    "Only xray:PutTraceSegments and xray:PutTelemetryRecords are in this policy; X-Ray supports"
    " no resource-level permissions for them, so AWS only accepts Resource '*'.",
)
# What Lambda needs to run a function in a VPC (the actions of the AWS managed
# AWSLambdaVPCAccessExecutionRole, which aws-cdk-lib attaches to the roles it makes).
_NETWORK_INTERFACE_POLICY = _SharedPolicy(
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
_SHARED_POLICIES: weakref.WeakKeyDictionary[Stack, dict[str, iam.ManagedPolicy]] = (
    weakref.WeakKeyDictionary()
)


def _shared_policy(stack: Stack, kind: _SharedPolicy) -> iam.ManagedPolicy:
    """One per stack rather than one per function: an account holds 1,500 customer managed
    policies by default, so a policy per function would use them up twice as fast."""
    made = _SHARED_POLICIES.setdefault(stack, {})
    policy = made.get(kind.id)
    if policy is None:
        policy = iam.ManagedPolicy(
            stack,
            kind.id,
            description=f"{kind.description} {stack.node.path}",
            document=iam.PolicyDocument.from_json(_document(kind.statement)),
        )
        Validations.of(policy).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=kind.why_any_resource)
        )
        made[kind.id] = policy
    return policy


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


def _document(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


class _ExecutionRole(PolicyOfItsOwnRole):
    """An execution role whose permissions all live in customer managed policies.

    Every grant (the function's own log and dead-letter permissions, a user's
    ``bucket.grant_read(fn)``, an event source's grant) lands in ``ExecutionPolicy``, a
    customer managed policy of this role only, except plain X-Ray writes, which AWS only
    accepts with ``Resource: "*"`` and which the stack's shared tracing policy already allows
    (there that finding is acknowledged and nothing else hides). No inline policy, no AWS
    managed policy.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function_path: str,
        stack: Stack,
        statements: Sequence[iam.PolicyStatement],
        managed_policies: Sequence[iam.IManagedPolicy],
    ) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=_jsii_constant("lambda"),
            description=f"Execution role of {function_path}",
            policy_id="ExecutionPolicy",
            policy_description=f"Permissions of {function_path}",
            statements=statements,
            managed_policies=managed_policies,
        )
        self._stack = stack
        self.execution_policy = self.policy

    def _granted_elsewhere(self, statement: Mapping[str, Any]) -> iam.ManagedPolicy | None:
        if not _xray_write(statement):
            return None
        # The shared policy already allows every X-Ray write; attaching it is the grant (the
        # statement itself is not added: a later add_actions on it would reach every traced
        # function of the stack).
        policy = _shared_policy(self._stack, _XRAY_POLICY)
        self.add_managed_policy(policy)
        return policy


class _ImageCode(lambda_.Code):
    """The image by URI, with the function's image configuration. Binding it grants nothing:
    who may pull is the repository's policy, which a function never changes."""

    def __init__(self, config: lambda_.CodeImageConfig) -> None:
        super().__init__()
        self._config = config

    def bind(self, scope: Construct) -> lambda_.CodeConfig:
        return lambda_.CodeConfig(image=self._config)


ArchitectureName = Literal["x86_64", "arm64"]
ImageArchitecture = LambdaArchitecture | lambda_.Architecture | ArchitectureName
"""What ``architecture`` accepts: ``LambdaArchitecture``, ``aws_lambda.Architecture`` or its
name. Precise on purpose: ``mypy --strict`` catches ``architecture="arm65"``."""

# Options aws-cdk-lib's Function takes that Lambda, or this construct, refuses for an image
# function: the option, and why.
_REFUSED_OPTIONS = {
    "layers": "must not be set: Lambda does not run layers in container image functions;"
    " copy their content into the image",
    "code_signing_config": "must not be set: Lambda code signing applies to .zip packages only;"
    " sign images with AWS Signer for ECR instead",
    "runtime_management_mode": "must not be set: an image brings its own runtime",
    "insights_version": "must not be set: Lambda Insights is a layer; add its extension to the"
    " image instead",
    "adot_instrumentation": "must not be set: ADOT instrumentation is a layer; add the ADOT"
    " collector to the image instead",
    "params_and_secrets": "must not be set: the Parameters and Secrets extension is a layer; add"
    " it to the image instead",
    "profiling": "must not be set: CodeGuru Profiler needs a managed runtime's agent",
    "profiling_group": "must not be set: CodeGuru Profiler needs a managed runtime's agent",
    "log_retention_role": "must not be set: the log group is a resource of the stack, so no"
    " LogRetention custom resource (and no role for it) is made",
    "log_retention_retry_options": "must not be set: the log group is a resource of the stack,"
    " so no LogRetention custom resource is made",
}
UNCHECKED_TOKEN_WARNING = "lambda-image-constructs:unchecked-token"


def _keeps_default_logical_ids(stack: Stack) -> bool:
    """Whether ``stack`` names resources the aws-cdk-lib way, so that the logical IDs earlier
    releases gave can be kept by computing them here (a stack that allocates IDs its own way
    gets its own)."""
    return type(stack)._allocate_logical_id is Stack._allocate_logical_id


class ImageFunction(lambda_.Function):
    """A Lambda function running a container image, with per-function image configuration.

    It is an ``aws_lambda.Function``: grants, event sources, destinations, versions and
    aliases, function URLs, metrics and every other Lambda feature of aws-cdk-lib work on it.
    What it adds sits before the function is made: where the image comes from
    (``ImageSource``), every input checked at synth and reported at once in one
    ``LambdaImageValidationError``, the cross-account and Region checks, and defaults a careful
    platform team would choose, each overridable or switched off: 512 MB memory, 512 MB of
    ``/tmp``, a 30 s timeout, an encrypted TLS-only dead-letter queue, active X-Ray tracing, a
    log group kept for one year, and an execution role with no AWS managed policy and no inline
    policy whose log permissions name only the function's own log group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        image: ImageSource,
        architecture: ImageArchitecture | None = None,
        entrypoint: Sequence[str] | None = None,
        command: Sequence[str] | None = None,
        working_directory: str | None = None,
        environment: Mapping[str, str] | None = None,
        function_name: str | None = None,
        description: str | None = None,
        memory_size: int = DEFAULT_MEMORY_MB,
        ephemeral_storage_size: Size | int = DEFAULT_EPHEMERAL_STORAGE_MB,
        timeout: Duration | int = DEFAULT_TIMEOUT_SECONDS,
        reserved_concurrent_executions: int | None = None,
        tracing: lambda_.Tracing = lambda_.Tracing.ACTIVE,
        role: iam.IRole | None = None,
        initial_policy: Sequence[iam.PolicyStatement] | None = None,
        log_group: logs.ILogGroup | None = None,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        log_encryption_key: kms.IKey | None = None,
        logging_format: lambda_.LoggingFormat | None = None,
        application_log_level_v2: lambda_.ApplicationLogLevel | None = None,
        system_log_level_v2: lambda_.SystemLogLevel | None = None,
        environment_encryption: kms.IKey | None = None,
        dead_letter_queue_enabled: bool | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        dead_letter_topic: sns.ITopic | None = None,
        on_failure: lambda_.IDestination | None = None,
        on_success: lambda_.IDestination | None = None,
        max_event_age: Duration | None = None,
        retry_attempts: int | None = None,
        events: Sequence[lambda_.IEventSource] | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        allow_all_outbound: bool | None = None,
        allow_all_ipv6_outbound: bool | None = None,
        allow_public_subnet: bool | None = None,
        ipv6_allowed_for_dual_stack: bool | None = None,
        filesystem: lambda_.FileSystem | None = None,
        snap_start: lambda_.SnapStartConf | None = None,
        current_version_options: lambda_.VersionOptions | None = None,
        recursive_loop: lambda_.RecursiveLoop | None = None,
        tenancy_config: lambda_.TenancyConfig | None = None,
        durable_config: lambda_.DurableConfig | None = None,
        alias: str | None = None,
        deployment: Deployment | None = None,
        provisioned_concurrency: int | None = None,
        provisioned_concurrency_scaling: ConcurrencyScaling | None = None,
        acknowledgements: Mapping[str, str | None] | None = None,
        layers: Sequence[lambda_.ILayerVersion] | None = None,
        code_signing_config: lambda_.ICodeSigningConfig | None = None,
        runtime_management_mode: lambda_.RuntimeManagementMode | None = None,
        insights_version: lambda_.LambdaInsightsVersion | None = None,
        adot_instrumentation: lambda_.AdotInstrumentationConfig | None = None,
        params_and_secrets: lambda_.ParamsAndSecretsLayerVersion | None = None,
        profiling: bool | None = None,
        profiling_group: Any = None,
        log_retention_role: iam.IRole | None = None,
        log_retention_retry_options: lambda_.LogRetentionRetryOptions | None = None,
    ) -> None:
        """
        :param image: Where the image comes from (``ImageSource.from_asset`` /
            ``from_repository`` / ``from_image_uri``).
        :param architecture: ``'x86_64'`` or ``'arm64'`` (or ``aws_lambda.Architecture``);
            must be the image's. Default: the image's architecture; required when it is not
            known (a wrong one fails with ``exec format error``).
        :param entrypoint: ImageConfig EntryPoint override (exec form; the executable by
            absolute path). Default: the image's ENTRYPOINT.
        :param command: ImageConfig Command override, e.g. ``['app.handler']``.
            Default: the image's CMD.
        :param working_directory: ImageConfig WorkingDirectory override (absolute).
            Default: the image's WORKDIR.
        :param environment: Environment variables (4 KB in total; Lambda's reserved keys are
            refused). Default: none.
        :param function_name: Default: a name CloudFormation generates.
        :param description: Default: none.
        :param memory_size: MB, 128 to 10,240. Default: 512.
        :param ephemeral_storage_size: Size of ``/tmp`` (a ``Size`` or MB), 512 to 10,240 MB.
            Default: 512 MB.
        :param timeout: 1 to 900 s (a ``Duration`` of whole seconds, or seconds).
            Default: 30 s.
        :param reserved_concurrent_executions: Default: none (the account's unreserved pool).
        :param tracing: Default: ``Tracing.ACTIVE`` (through the stack's shared X-Ray policy).
        :param role: An execution role of your own; grants land in its policies and this
            construct adds the log (and dead-letter) permissions to it. Default: a role of
            this function whose permissions live in its own customer managed policy.
        :param initial_policy: Statements for the execution role. Default: none.
        :param log_group: A log group of your own. Default: a log group of this function,
            kept ``log_retention`` and retained with its stack.
        :param log_retention: Retention of the function's own log group. Default: one year.
        :param log_removal_policy: What happens to the function's own log group when it leaves
            the stack. Default: ``RemovalPolicy.RETAIN``.
        :param log_encryption_key: A customer managed KMS key for the function's own log group
            (its key policy must allow CloudWatch Logs). Default: CloudWatch Logs' own
            encryption.
        :param logging_format: ``LoggingFormat.JSON`` or ``TEXT``. Default: Lambda's (text).
        :param application_log_level_v2: With JSON logging. Default: Lambda's (INFO).
        :param system_log_level_v2: With JSON logging. Default: Lambda's (INFO).
        :param environment_encryption: A customer managed KMS key for the environment
            variables at rest. Default: Lambda's AWS managed key.
        :param dead_letter_queue_enabled: ``False`` for no dead-letter queue. Default: a queue
            of this function, encrypted with the AWS managed SQS key, TLS only, kept 14 days
            and retained with its stack (unless ``dead_letter_queue`` or
            ``dead_letter_topic`` is given).
        :param dead_letter_queue: A queue of your own for failed asynchronous invocations.
        :param dead_letter_topic: An SNS topic of your own instead of a queue.
        :param on_failure: Destination of failed asynchronous invocations. Default: none.
        :param on_success: Destination of successful asynchronous invocations. Default: none.
        :param max_event_age: 60 s to 6 hours. Default: Lambda's (6 hours).
        :param retry_attempts: 0 to 2. Default: Lambda's (2).
        :param events: Event sources to add. Default: none.
        :param vpc: Run in this VPC (private subnets, with a NAT gateway or VPC endpoints for
            what it calls). Default: outside a VPC.
        :param vpc_subnets: Default: the VPC's private subnets.
        :param security_groups: Default: a new security group.
        :param allow_all_outbound: Default: aws-cdk-lib's (true).
        :param allow_all_ipv6_outbound: Default: aws-cdk-lib's (false).
        :param allow_public_subnet: Default: false.
        :param ipv6_allowed_for_dual_stack: Default: false.
        :param filesystem: An EFS access point (needs ``vpc``). Default: none.
        :param snap_start: ``SnapStartConf.ON_PUBLISHED_VERSIONS``: Lambda refuses it with
            EFS and with more than 512 MB of ``/tmp``. Default: off.
        :param current_version_options: Options of ``current_version``. Default: none.
        :param recursive_loop: Default: Lambda's (terminate recursive loops).
        :param tenancy_config: Default: none.
        :param durable_config: Default: none.
        :param alias: Point this alias (for example ``'live'``) at the function's current
            version: a version is published when the image or the configuration changes, and
            only then. Default: none, or ``'live'`` when ``deployment`` or
            ``provisioned_concurrency`` needs one.
        :param deployment: Move the alias to a new version through CodeDeploy
            (``Deployment.canary`` / ``linear`` / ``all_at_once`` / ``with_config``), rolled
            back on failure and on alarm. Default: the alias moves at once, without CodeDeploy.
        :param provisioned_concurrency: Provisioned concurrency of the alias (at most
            ``reserved_concurrent_executions``; Lambda refuses it with SnapStart). Default:
            none.
        :param provisioned_concurrency_scaling: Scale the provisioned concurrency on its
            utilisation with Application Auto Scaling. Default: fixed.
        :param acknowledgements: Replace the reason of an acknowledgement this construct
            makes on its own resources (rule ID -> your reason), or drop it (rule ID ->
            ``None``: the finding is then reported). Default: the built-in reasons.
        :param layers: Refused: Lambda runs no layers in image functions.
        :param code_signing_config: Refused: code signing is for .zip packages.
        :param runtime_management_mode: Refused: an image brings its own runtime.
        :param insights_version: Refused (a layer).
        :param adot_instrumentation: Refused (a layer).
        :param params_and_secrets: Refused (a layer).
        :param profiling: Refused (needs a managed runtime).
        :param profiling_group: Refused (needs a managed runtime).
        :param log_retention_role: Refused: no LogRetention custom resource is made.
        :param log_retention_retry_options: Refused: no LogRetention custom resource is made.
        """
        shared = _scope_of(scope)
        node_id = id.replace("/", "--")  # as constructs names a child whose id has a '/'
        path = f"{shared.path}/{node_id}" if shared.path else node_id
        problems = Problems()
        unchecked: list[str] = []
        refused = {
            "layers": layers,
            "code_signing_config": code_signing_config,
            "runtime_management_mode": runtime_management_mode,
            "insights_version": insights_version,
            "adot_instrumentation": adot_instrumentation,
            "params_and_secrets": params_and_secrets,
            "profiling": profiling,
            "profiling_group": profiling_group,
            "log_retention_role": log_retention_role,
            "log_retention_retry_options": log_retention_retry_options,
        }
        for field, value in refused.items():
            if value is not None and value is not False and value != []:
                problems.add(field, _shown(value), _REFUSED_OPTIONS[field])
        resolved = image.resolve(scope, problems)
        image_architecture = resolved.architecture if resolved is not None else None
        parsed_architecture = (
            parse_architecture(problems, "architecture", architecture)
            if architecture is not None
            else image_architecture
        )
        if architecture is None and resolved is not None and image_architecture is None:
            problems.add(
                "architecture",
                None,
                f"must be given ('x86_64' or 'arm64'): the architecture of"
                f" {resolved.description} is not known",
            )
        checks.check_image_config(
            problems, entrypoint=entrypoint, command=command, working_directory=working_directory
        )
        if not isinstance(tracing, lambda_.Tracing):
            problems.add(
                "tracing",
                _shown(tracing),
                "must be an aws_lambda.Tracing (ACTIVE, PASS_THROUGH or DISABLED)",
            )
        checks.check_environment(problems, environment)
        if memory_size is None:
            problems.add("memory_size", None, "must be a whole number from 128 to 10,240 MB;"
                         " leave it out for the default (512)")  # fmt: skip
        checks.check_range(problems, "memory_size", memory_size, checks.MEMORY_MB, "MB")
        storage_mb = checks.size_in_mb(
            problems, unchecked, "ephemeral_storage_size", ephemeral_storage_size
        )
        checks.check_range(
            problems, "ephemeral_storage_size", storage_mb, checks.EPHEMERAL_STORAGE_MB, "MB"
        )
        timeout_seconds = checks.duration_in_seconds(problems, unchecked, "timeout", timeout)
        checks.check_range(problems, "timeout", timeout_seconds, checks.TIMEOUT_SECONDS, "seconds")
        checks.check_whole_number(
            problems,
            unchecked,
            "reserved_concurrent_executions",
            reserved_concurrent_executions,
            checks.RESERVED_CONCURRENCY,
            "concurrent executions",
        )
        checks.check_whole_number(
            problems, unchecked, "retry_attempts", retry_attempts, (0, 2), "retries"
        )
        if max_event_age is not None:
            age = checks.duration_in_seconds(problems, unchecked, "max_event_age", max_event_age)
            checks.check_range(
                problems, "max_event_age", age, checks.MAX_EVENT_AGE_SECONDS, "seconds"
            )
        if is_unresolved(memory_size):
            unchecked.append("memory_size")
        if resolved is not None and resolved.unresolved:
            unchecked.append("image (its account, Region, repository and tag or digest)")
        checks.check_function_name(problems, function_name)
        checks.check_description(problems, description)
        self._check_network(
            problems,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            filesystem=filesystem,
            allow_public_subnet=allow_public_subnet,
            ipv6_allowed_for_dual_stack=ipv6_allowed_for_dual_stack,
            allow_all_outbound=allow_all_outbound,
            allow_all_ipv6_outbound=allow_all_ipv6_outbound,
        )
        if snap_start is not None:
            if filesystem is not None:
                problems.add(
                    "snap_start",
                    "ON_PUBLISHED_VERSIONS",
                    "is refused by Lambda with EFS (filesystem); leave one of them out",
                )
            if isinstance(storage_mb, int) and storage_mb > 512:
                problems.add(
                    "snap_start",
                    "ON_PUBLISHED_VERSIONS",
                    f"is refused by Lambda with"
                    f" more than 512 MB of /tmp (ephemeral_storage_size {storage_mb} MB)",
                )
        if dead_letter_queue_enabled is False and (dead_letter_queue or dead_letter_topic):
            problems.add(
                "dead_letter_queue_enabled",
                False,
                "must not be False when dead_letter_queue or dead_letter_topic is given",
            )
        if dead_letter_queue is not None and dead_letter_topic is not None:
            problems.add("dead_letter_topic", "a topic", "must not be given with dead_letter_queue")
        if log_group is not None and log_encryption_key is not None:
            problems.add(
                "log_encryption_key",
                "a key",
                "must not be given with log_group: encrypt your own log group where you make it",
            )
        if acknowledgements is not None:
            for rule, reason in acknowledgements.items():
                if reason is not None and (not isinstance(reason, str) or not reason.strip()):
                    problems.add(
                        f"acknowledgements[{rule!r}]",
                        reason,
                        "must be a reason (non-empty text) or None to drop it",
                    )
        if (
            alias is not None
            and not is_unresolved(alias)
            and (not isinstance(alias, str) or not ALIAS_NAME.fullmatch(alias))
        ):
            problems.add(
                "alias",
                alias,
                "must be a Lambda alias name: 1 to 128 letters, digits,"
                " '-' and '_', not only digits",
            )
        if deployment is not None:
            if isinstance(deployment, Deployment):
                deployment.check(problems, "deployment")
            else:
                problems.add(
                    "deployment",
                    _shown(deployment),
                    "must be a Deployment"
                    " (Deployment.canary, .linear, .all_at_once or .with_config)",
                )
        check_provisioning(
            problems,
            provisioned_concurrency=provisioned_concurrency,
            scaling=provisioned_concurrency_scaling,
            reserved_concurrent_executions=reserved_concurrent_executions,
            snap_start=snap_start is not None,
        )
        account, region = shared.account, shared.region
        if resolved is not None:
            self._check_image(
                problems,
                resolved,
                parsed_architecture,
                account,
                region,
                function_name,
                shared.stack,
            )
        problems.raise_if_any(f"ImageFunction {path}")
        assert resolved is not None and parsed_architecture is not None

        keep_ids = _keeps_default_logical_ids(shared.stack)
        replaced = dict(acknowledgements or {})
        traced = tracing.name != "DISABLED"
        own_log_group: logs.LogGroup | None = None
        owned_role: _ExecutionRole | None = None
        own_queue: sqs.Queue | None = None
        try:
            if log_group is None:
                own_log_group = logs.LogGroup(
                    scope,
                    f"{node_id}LogGroup",
                    retention=log_retention,
                    removal_policy=log_removal_policy,
                    encryption_key=log_encryption_key,
                )
                log_group = own_log_group
            if role is None:
                # Lambda writes to the log group with the execution role.
                owned_role = _ExecutionRole(
                    scope,
                    f"{node_id}ExecutionRole",
                    function_path=path,
                    stack=shared.stack,
                    statements=[
                        iam.PolicyStatement(
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[log_group.log_group_arn],
                        )
                    ],
                    managed_policies=[_shared_policy(shared.stack, _XRAY_POLICY)] if traced else [],
                )
                if vpc is not None:
                    # aws-cdk-lib grants this only to the roles it makes (as an AWS managed policy)
                    owned_role.add_managed_policy(
                        _shared_policy(shared.stack, _NETWORK_INTERFACE_POLICY)
                    )
                role = owned_role
            if (
                dead_letter_queue is None
                and dead_letter_topic is None
                and (dead_letter_queue_enabled is not False)
            ):
                own_queue = self._new_dead_letter_queue(
                    scope, f"{node_id}DeadLetterQueue", replaced
                )
                dead_letter_queue = own_queue
        except RuntimeError as error:  # jsii: a construct of that name exists in the scope
            if "There is already a Construct with name" not in str(error):
                raise
            problems.add(
                "id",
                id,
                f"must leave {node_id}ExecutionRole, {node_id}LogGroup and"
                f" {node_id}DeadLetterQueue free in its scope: the function's role, log group"
                " and dead-letter queue are made there, beside it",
            )
            problems.raise_if_any(f"ImageFunction {path}")
        image_config = lambda_.CodeImageConfig(
            image_uri=resolved.image_uri,
            entrypoint=list(entrypoint) if entrypoint is not None else None,
            cmd=list(command) if command is not None else None,
            working_directory=working_directory,
        )
        options: dict[str, Any] = {
            "vpc": vpc,
            "vpc_subnets": vpc_subnets,
            "security_groups": list(security_groups) if security_groups else None,
            "allow_all_outbound": allow_all_outbound,
            "allow_all_ipv6_outbound": allow_all_ipv6_outbound,
            "allow_public_subnet": allow_public_subnet,
            "ipv6_allowed_for_dual_stack": ipv6_allowed_for_dual_stack,
            "filesystem": filesystem,
            "snap_start": snap_start,
            "current_version_options": current_version_options,
            "recursive_loop": recursive_loop,
            "tenancy_config": tenancy_config,
            "durable_config": durable_config,
            "on_failure": on_failure,
            "on_success": on_success,
            "max_event_age": max_event_age,
            "retry_attempts": retry_attempts,
            "events": list(events) if events else None,
            "initial_policy": list(initial_policy) if initial_policy else None,
            "logging_format": logging_format,
            "application_log_level_v2": application_log_level_v2,
            "system_log_level_v2": system_log_level_v2,
            "environment_encryption": environment_encryption,
            "dead_letter_queue": dead_letter_queue,
            "dead_letter_topic": dead_letter_topic,
            "dead_letter_queue_enabled": dead_letter_queue_enabled,
            "function_name": function_name,
            "description": description,
            "environment": dict(environment) if environment else None,
            "reserved_concurrent_executions": reserved_concurrent_executions,
        }
        try:
            super().__init__(
                scope,
                id,
                code=_ImageCode(image_config),
                handler=_jsii_constant("handler"),
                runtime=_jsii_constant("runtime"),
                architecture=_jsii_constant(parsed_architecture.lambda_name),
                memory_size=memory_size,
                ephemeral_storage_size=_size(ephemeral_storage_size),
                timeout=_duration(timeout),
                # the role made here already has the stack's X-Ray policy (set below, without
                # aws-cdk-lib granting it again through a callback)
                tracing=tracing if owned_role is None else None,
                role=role,
                log_group=log_group,
                **{k: v for k, v in options.items() if v is not None},
            )
        except RuntimeError as error:
            # aws-cdk-lib refused a combination we do not check first: its message, as ours.
            message = str(error).strip().split("\n")[0]
            problems.add("props", message[:300], "were refused by aws-cdk-lib")
            problems.raise_if_any(f"ImageFunction {path}")
            raise
        register_quota_checks(self)
        resource = self.resource
        # what add_environment checks additions against (the 4 KB are for all of them)
        self._environment_variables = dict(environment or {})
        self.image = resolved
        """The image the function runs (URI, account, Region, architecture), as resolved."""
        if keep_ids:
            # The logical IDs earlier releases gave (the function at <id>/Resource/Resource,
            # its role and log group below it): a renamed function would be replaced, which
            # fails for a function with a name. Stack renames cost one round trip each.
            renames: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
                ((node_id, "Resource"), (node_id, *_IN_HOLDER))
            ]
            if owned_role is not None:
                renames.append(
                    (
                        (f"{node_id}ExecutionRole", "Resource"),
                        (node_id, "ExecutionRole", "Resource"),
                    )
                )
                renames.append(
                    (
                        (f"{node_id}ExecutionRole", "ExecutionPolicy", "Resource"),
                        (node_id, "ExecutionRole", "ExecutionPolicy", "Resource"),
                    )
                )
            if own_log_group is not None:
                renames.append(
                    ((f"{node_id}LogGroup", "Resource"), (node_id, "LogGroup", "Resource"))
                )
            if own_queue is not None:
                renames.append(
                    (
                        (f"{node_id}DeadLetterQueue", "Resource"),
                        (node_id, "DeadLetterQueue", "Resource"),
                    )
                )
                renames.append(
                    (
                        (f"{node_id}DeadLetterQueue", "Policy", "Resource"),
                        (node_id, "DeadLetterQueue", "Policy", "Resource"),
                    )
                )
            for natural, earlier in renames:
                shared.stack.rename_logical_id(
                    logical_id(*shared.below_stack, *natural),
                    logical_id(*shared.below_stack, *earlier),
                )
        if resolved.repository is not None:
            resolved.repository.note_function_use(by_digest=resolved.by_digest)
        image_stack = resolved.stack
        # `cdk deploy <this stack>` must publish the image (or make its repository) first;
        # across Stages aws-cdk-lib allows no dependency: the pipeline orders the waves.
        if (
            image_stack is not None
            and image_stack is not shared.stack
            and _stage_of(image_stack) == _stage_of(shared.stack)
        ):
            shared.stack.add_stack_dependency(image_stack, "its functions run an image of it")
        if owned_role is None:
            assert log_group is not None
            log_group.grant_write(self)  # Lambda writes its logs with the execution role
        elif traced:
            resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(
                mode=TRACING_MODES[tracing.name]
            )
        if resolved.architecture is not None:
            # Read by LambdaContainerImageChecks' FunctionArchitectureMatchesImage.
            resource.add_metadata(IMAGE_PLATFORM_METADATA, resolved.architecture.docker_platform)
        function_acknowledgements = self._nist_choices(
            path,
            in_vpc=vpc is not None,
            reserved=(
                None
                if reserved_concurrent_executions is None
                else "token"
                if is_unresolved(reserved_concurrent_executions)
                else "set"
            ),
        )
        repository = resolved.repository
        if isinstance(image, _AssetSource) and repository is not None and repository.immutable_tags:
            function_acknowledgements.insert(
                0,
                Acknowledgment(
                    id="LambdaContainerImage-CrossAccountImageDigest",
                    reason=(
                        f"The tag of {resolved.description} is its content hash in the"
                        f" immutable repository {repository.repository_name}: it cannot move."
                    ),
                ),
            )
        function_acknowledgements = _replaced(function_acknowledgements, replaced)
        checkov = [
            {"id": CHECKOV_FOR_NIST[a.id], "comment": a.reason}
            for a in function_acknowledgements
            if a.id in CHECKOV_FOR_NIST
        ]
        if checkov:
            # The same choices, for checkov, on the resource (with the same reasons).
            resource.add_metadata("checkov", {"skip": checkov})
        if function_acknowledgements:
            Validations.of(resource).acknowledge(*function_acknowledgements)
            note_acknowledged(
                resource,
                (a.id for a in function_acknowledgements),
                # where it will be in the template, unless its stack allocates IDs its own way
                at=(
                    shared.root,
                    shared.stack_path,
                    logical_id(*shared.below_stack, node_id, *_IN_HOLDER),
                )
                if keep_ids
                else None,
            )
        if own_log_group is not None and log_encryption_key is None:
            log_acknowledgements = _replaced(
                [
                    Acknowledgment(
                        id="NIST.800.53.R5-CloudWatchLogGroupEncrypted",
                        reason=(
                            f"The log group of {path} is encrypted at rest by CloudWatch Logs"
                            " with its own key; log_encryption_key switches it to a customer"
                            " managed key."
                        ),
                    )
                ],
                replaced,
            )
            if log_acknowledgements:
                Validations.of(own_log_group).acknowledge(*log_acknowledgements)
        self.alias: lambda_.Alias | None = None
        """The alias that follows the current version, when one was asked for."""
        self.deployment_group: codedeploy.LambdaDeploymentGroup | None = None
        """The CodeDeploy deployment group that moves the alias, with ``deployment``."""
        self.deployment_alarms: list[cloudwatch.IAlarm] = []
        """The alarms that roll a deployment back (the function's own, then yours)."""
        alias_name = alias or (
            DEFAULT_ALIAS if deployment is not None or provisioned_concurrency else None
        )
        if alias_name is not None:
            self._roll_out(
                alias_name,
                deployment,
                provisioned_concurrency,
                provisioned_concurrency_scaling,
                own_queue or dead_letter_queue,
                path,
            )
        if unchecked:
            Annotations.of(self).add_warning_v2(
                UNCHECKED_TOKEN_WARNING,
                f"{'; '.join(unchecked)} of {path} only known at deploy time (a token): not"
                " checked at synth.",
            )
        if not resolved.by_digest and isinstance(image, _UriSource):
            Annotations.of(self).add_warning_v2(
                IMAGE_TAG_WARNING,
                f"{resolved.image_uri} is referenced by tag; a tag can be moved to another image."
                " Reference images in other accounts by digest (@sha256:...).",
            )

    def add_environment(
        self, key: str, value: str, *, remove_in_edge: bool | None = None
    ) -> lambda_.Function:
        """Add an environment variable, checked as the ``environment`` prop is: Lambda's key
        pattern, its reserved keys, and the 4 KB of all variables together."""
        variables = self.__dict__.get("_environment_variables")
        if variables is None:  # from aws-cdk-lib's constructor: the prop, checked already
            return super().add_environment(key, value, remove_in_edge=remove_in_edge)
        problems = Problems()
        checks.check_environment(problems, {**variables, key: value})
        problems.raise_if_any(f"ImageFunction {self.node.path}: add_environment")
        variables[key] = value
        return super().add_environment(key, value, remove_in_edge=remove_in_edge)

    def _roll_out(
        self,
        alias_name: str,
        deployment: Deployment | None,
        provisioned_concurrency: int | None,
        scaling: ConcurrencyScaling | None,
        dead_letter_queue: sqs.IQueue | None,
        path: str,
    ) -> None:
        alias = self.add_alias(
            alias_name, provisioned_concurrent_executions=provisioned_concurrency
        )
        self.alias = alias
        if scaling is not None:
            target = alias.add_auto_scaling(
                max_capacity=scaling.max_capacity,
                min_capacity=(
                    scaling.min_capacity
                    if scaling.min_capacity is not None
                    else provisioned_concurrency
                ),
            )
            target.scale_on_utilization(utilization_target=scaling.utilization_target)
        if deployment is None:
            return
        alarms: list[cloudwatch.IAlarm] = []
        if deployment.default_alarms:
            own = default_alarms(self, self, alias, dead_letter_queue, path)
            for alarm in own:
                Validations.of(alarm).acknowledge(
                    Acknowledgment(
                        id="NIST.800.53.R5-CloudWatchAlarmAction", reason=ALARM_ACKNOWLEDGEMENT
                    )
                )
            alarms.extend(own)
        alarms.extend(deployment.alarms)
        self.deployment_alarms = alarms
        self.deployment_group = deployment_group(
            self, function=self, alias=alias, deployment=deployment, alarms=alarms, path=path
        )

    @property
    def resource(self) -> lambda_.CfnFunction:
        """The ``AWS::Lambda::Function`` (``aws_lambda.CfnFunction``), for escape hatches."""
        return cast(lambda_.CfnFunction, self.node.default_child)

    @property
    def function(self) -> ImageFunction:
        """Deprecated: an ``ImageFunction`` is an ``aws_lambda.Function``; use it directly."""
        warnings.warn(
            "ImageFunction.function is deprecated: the ImageFunction is the aws_lambda.Function",
            DeprecationWarning,
            stacklevel=2,
        )
        return self

    @staticmethod
    def _new_dead_letter_queue(
        scope: Construct, id: str, replaced: Mapping[str, str | None]
    ) -> sqs.Queue:
        """The function's dead-letter queue: encrypted with the AWS managed SQS key, TLS only,
        kept 14 days and retained with its stack (failed events are what someone will want
        to read after the stack is gone)."""
        queue = sqs.Queue(
            scope,
            id,
            encryption=sqs.QueueEncryption.KMS_MANAGED,
            enforce_ssl=True,
            retention_period=_jsii_constant("dlq-retention"),
            removal_policy=RemovalPolicy.RETAIN,
        )
        queue_acknowledgements = _replaced(
            [
                Acknowledgment(
                    id="Serverless-SQSRedrivePolicy",
                    reason=(
                        "This queue is the function's dead-letter queue, the end of the line"
                        " for failed events: a redrive policy would only move them to yet"
                        " another queue."
                    ),
                ),
                Acknowledgment(
                    id="AwsSolutions-SQS3",
                    reason=(
                        "This queue is the function's dead-letter queue (Lambda's"
                        " DeadLetterConfig), which the rule only recognises for SQS-to-SQS"
                        " redrive."
                    ),
                ),
            ],
            replaced,
        )
        if queue_acknowledgements:
            Validations.of(queue).acknowledge(*queue_acknowledgements)
        return queue

    @staticmethod
    def _nist_choices(path: str, *, in_vpc: bool, reserved: str | None) -> list[Acknowledgment]:
        # NIST 800-53 R5 asks for choices a platform team makes per workload; each default is
        # acknowledged on the function, saying what was configured and how to choose otherwise
        # (nothing about the workload, which this library cannot know).
        choices = []
        if not in_vpc:
            choices.append(
                Acknowledgment(
                    id="NIST.800.53.R5-LambdaInsideVPC",
                    reason=(
                        f"{path} was given no vpc, so it runs in Lambda's own network with no"
                        " ENIs to manage; pass vpc= to run it in one of your VPCs."
                    ),
                )
            )
        if reserved is None:
            choices.append(
                Acknowledgment(
                    id="NIST.800.53.R5-LambdaConcurrency",
                    reason=(
                        f"{path} was given no reserved_concurrent_executions, so it shares the"
                        " account's unreserved concurrency pool; set it to reserve and cap it."
                    ),
                )
            )
        elif reserved == "token":
            choices.append(
                Acknowledgment(
                    id="NIST.800.53.R5-LambdaConcurrency",
                    reason=(
                        f"{path} reserves concurrency with a value known only at deploy time"
                        " (a parameter or reference), which cdk-nag's rule cannot read."
                    ),
                )
            )
        return choices

    @staticmethod
    def _check_network(
        problems: Problems,
        *,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
        filesystem: lambda_.FileSystem | None,
        allow_public_subnet: bool | None,
        ipv6_allowed_for_dual_stack: bool | None,
        allow_all_outbound: bool | None,
        allow_all_ipv6_outbound: bool | None,
    ) -> None:
        if vpc is None:
            needs_vpc = {
                "vpc_subnets": vpc_subnets,
                "security_groups": security_groups or None,
                "filesystem": filesystem,
                "allow_public_subnet": allow_public_subnet,
                "ipv6_allowed_for_dual_stack": ipv6_allowed_for_dual_stack,
                "allow_all_outbound": allow_all_outbound,
                "allow_all_ipv6_outbound": allow_all_ipv6_outbound,
            }
            for field, value in needs_vpc.items():
                if value is not None:
                    problems.add(
                        field, _shown(value), "needs vpc: it only applies to a function in a VPC"
                    )
            return
        if security_groups and (allow_all_outbound is not None or allow_all_ipv6_outbound):
            problems.add(
                "allow_all_outbound",
                allow_all_outbound,
                "must be set on the given security_groups themselves, not on the function",
            )
        if allow_public_subnet:
            return
        try:
            selected = vpc.select_subnets(**_selection(vpc_subnets)) if vpc_subnets else None
            public = {s.subnet_id for s in vpc.public_subnets}
            if selected is None:
                if not vpc.private_subnets and not vpc.isolated_subnets:
                    raise ValueError("no private subnets")
            elif any(s.subnet_id in public for s in selected.subnets):
                raise ValueError("public subnets selected")
        except (RuntimeError, ValueError) as error:
            problems.add(
                "vpc_subnets" if vpc_subnets else "vpc",
                _shown(str(error).split("\n")[0]),
                "must select private subnets: a function in a public subnet gets no public IP"
                " and cannot reach the internet (add private subnets with a NAT gateway or VPC"
                " endpoints, or set allow_public_subnet=True if you know why)",
            )

    @staticmethod
    def _check_image(
        problems: Problems,
        image: ResolvedImage,
        architecture: LambdaArchitecture | None,
        account: str | None,
        region: str | None,
        function_name: str | None,
        stack: Stack,
    ) -> None:
        if architecture and image.architecture and architecture is not image.architecture:
            problems.add(
                "architecture",
                architecture.lambda_name,
                f"must equal the architecture {image.description} was built for"
                f" ({image.architecture.lambda_name})",
            )
        if image.region and region and image.region != region:
            problems.add(
                "image",
                image.image_uri,
                f"must be in the function's Region {region}: Lambda only pulls images from"
                f" ECR in its own Region (the image is in {image.region})",
            )
        if image.account is None and image.stack is not None and image.stack is not stack:
            shared = image.repository is not None and bool(
                image.repository.consumer_account_ids or image.repository.organization_id
            )
            if shared or account is not None:
                # its URI would name the account of whichever stack resolves it: this one's
                problems.add(
                    "image",
                    image.description,
                    f"is in stack {image.stack.node.path}, which has no account (no env), so"
                    " its image URI would name this function's own account; give that stack"
                    " env=Environment(account=..., region=...) with the image account",
                )
        if not (account and image.account) or account == image.account:
            return
        repository = image.repository
        if repository is None:
            if image.in_bootstrap_repository:
                problems.add(
                    "image",
                    image.description,
                    f"is in the CDK bootstrap repository of account {image.account}, which"
                    f" only that account's functions can pull; this function is in {account}."
                    " Publish it to a LambdaImageRepository that lists the account",
                )
            return
        if not repository.allows_pulls_from(account):
            problems.add(
                "image",
                image.description,
                f"is in account {image.account}, whose repository"
                f" {repository.repository_name!r} does not list this function's account"
                f" {account} as a consumer; add it with consumer_accounts or"
                " add_consumer_account, or use organization_id",
            )
            return
        patterns = repository.function_name_patterns(account)
        if patterns and "*" not in patterns:
            if function_name is None or is_unresolved(function_name):
                problems.add(
                    "function_name",
                    function_name,
                    f"must be set: repository {repository.repository_name!r} only lets"
                    f" functions of {account} matching {sorted(patterns)} pull",
                )
            elif not any(fnmatch.fnmatchcase(function_name, p) for p in patterns):
                problems.add(
                    "function_name",
                    function_name,
                    f"must match one of {sorted(patterns)}, the patterns repository"
                    f" {repository.repository_name!r} allows for account {account}",
                )


def _replaced(
    built_in: list[Acknowledgment], replaced: Mapping[str, str | None]
) -> list[Acknowledgment]:
    """The built-in acknowledgements with the user's reasons, without those the user dropped."""
    kept = []
    for acknowledgment in built_in:
        if acknowledgment.id not in replaced:
            kept.append(acknowledgment)
        elif (reason := replaced[acknowledgment.id]) is not None:
            kept.append(Acknowledgment(id=acknowledgment.id, reason=reason))
    return kept


def _shown(value: Any) -> Any:
    """A value as an error message quotes it: text cut to a readable length."""
    text = value if isinstance(value, str) else None
    if text is None:
        return value if isinstance(value, int | float | bool | type(None)) else type(value).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _size(value: Size | int) -> Size:
    return value if isinstance(value, Size) else _mebibytes(value)


def _duration(value: Duration | int) -> Duration:
    return value if isinstance(value, Duration) else _seconds(value)


@cache
def _mebibytes(value: int) -> Size:
    return Size.mebibytes(value)  # one round trip per value, not per function


@cache
def _seconds(value: int) -> Duration:
    return Duration.seconds(value)


def _selection(selection: ec2.SubnetSelection) -> dict[str, Any]:
    return {
        key: value
        for key, value in {
            "availability_zones": selection.availability_zones,
            "one_per_az": selection.one_per_az,
            "subnet_filters": selection.subnet_filters,
            "subnet_group_name": selection.subnet_group_name,
            "subnets": selection.subnets,
            "subnet_type": selection.subnet_type,
        }.items()
        if value is not None
    }
