"""Every option of ``ImageFunction``, declared once: its type, its default and its docstring.

``ImageFunctionOptions`` is what ``ImageFunction(scope, id, **options)`` takes (through
``typing.Unpack``, which mypy and editors understand). It is machine-readable:
``typing.get_type_hints(ImageFunctionOptions)`` gives each option's type, ``DEFAULT_OPTIONS`` the
defaults, ``REFUSED`` the options of ``aws_lambda.Function`` an image function refuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Required, TypedDict, cast, get_type_hints

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from .. import architecture
from ..architecture import ImageArchitecture
from ..deferred import PLACEHOLDER_IMAGE_URI, StandIn
from ..rollout import ConcurrencyScaling, Deployment
from .sources import ImageSource


class FunctionOptions(TypedDict, total=False):
    """The options of ``ImageFunction`` besides its image; each says what happens when it is
    left out (``None`` is the same as leaving it out, except for the six in ``DEFAULT_OPTIONS``)."""

    architecture: ImageArchitecture | None
    """``'x86_64'`` or ``'arm64'`` (or ``aws_lambda.Architecture``); must be the image's.
    Default: the image's architecture; required when it is not known (a wrong one fails with
    ``exec format error``)."""
    entrypoint: Sequence[str] | None
    """ImageConfig EntryPoint override (exec form; the executable by absolute path).
    Default: the image's ENTRYPOINT."""
    command: Sequence[str] | None
    """ImageConfig Command override, e.g. ``['app.handler']``. Default: the image's CMD."""
    working_directory: str | None
    """ImageConfig WorkingDirectory override (absolute). Default: the image's WORKDIR."""
    environment: Mapping[str, str] | None
    """Environment variables (4 KB in total; Lambda's reserved keys are refused).
    Default: none."""
    function_name: str | None
    """Default: a name CloudFormation generates."""
    description: str | None
    """Default: none."""
    memory_size: int
    """MB, 128 to 10,240. Default: 512."""
    ephemeral_storage_size: Size | int
    """Size of ``/tmp`` (a ``Size`` or MB), 512 to 10,240 MB. Default: 512 MB."""
    timeout: Duration | int
    """1 to 900 s (a ``Duration`` of whole seconds, or seconds). Default: 30 s."""
    reserved_concurrent_executions: int | None
    """Default: none (the account's unreserved pool)."""
    tracing: lambda_.Tracing
    """Default: ``Tracing.ACTIVE`` (through the stack's shared X-Ray policy)."""
    role: iam.IRole | None
    """An execution role of your own; grants land in its policies and this construct adds the
    log (and dead-letter) permissions to it. Default: a role of this function whose
    permissions live in its own customer managed policy."""
    initial_policy: Sequence[iam.PolicyStatement] | None
    """Statements for the execution role. Default: none."""
    log_group: logs.ILogGroup | None
    """A log group of your own. Default: a log group of this function, kept
    ``log_retention`` and retained with its stack."""
    log_retention: logs.RetentionDays
    """Retention of the function's own log group. Default: one year."""
    log_removal_policy: RemovalPolicy
    """What happens to the function's own log group when it leaves the stack.
    Default: ``RemovalPolicy.RETAIN``."""
    log_encryption_key: kms.IKey | None
    """A customer managed KMS key for the function's own log group (its key policy must allow
    CloudWatch Logs). Default: CloudWatch Logs' own encryption."""
    logging_format: lambda_.LoggingFormat | None
    """``LoggingFormat.JSON`` or ``TEXT``. Default: Lambda's (text)."""
    application_log_level_v2: lambda_.ApplicationLogLevel | None
    """With JSON logging. Default: Lambda's (INFO)."""
    system_log_level_v2: lambda_.SystemLogLevel | None
    """With JSON logging. Default: Lambda's (INFO)."""
    environment_encryption: kms.IKey | None
    """A customer managed KMS key for the environment variables at rest.
    Default: Lambda's AWS managed key."""
    dead_letter_queue_enabled: bool | None
    """``False`` for no dead-letter queue. Default: a queue of this function, encrypted with
    the AWS managed SQS key, TLS only, kept 14 days and retained with its stack (unless
    ``dead_letter_queue`` or ``dead_letter_topic`` is given)."""
    dead_letter_queue: sqs.IQueue | None
    """A queue of your own for failed asynchronous invocations. Default: the function's own."""
    dead_letter_topic: sns.ITopic | None
    """An SNS topic of your own instead of a queue. Default: none."""
    on_failure: lambda_.IDestination | None
    """Destination of failed asynchronous invocations. Default: none."""
    on_success: lambda_.IDestination | None
    """Destination of successful asynchronous invocations. Default: none."""
    max_event_age: Duration | None
    """60 s to 6 hours. Default: Lambda's (6 hours)."""
    retry_attempts: int | None
    """0 to 2. Default: Lambda's (2)."""
    events: Sequence[lambda_.IEventSource] | None
    """Event sources to add. Default: none."""
    vpc: ec2.IVpc | None
    """Run in this VPC (private subnets, with a NAT gateway or VPC endpoints for what it
    calls). Default: outside a VPC."""
    vpc_subnets: ec2.SubnetSelection | None
    """Default: the VPC's private subnets."""
    security_groups: Sequence[ec2.ISecurityGroup] | None
    """Default: a new security group."""
    allow_all_outbound: bool | None
    """Default: aws-cdk-lib's (true)."""
    allow_all_ipv6_outbound: bool | None
    """Default: aws-cdk-lib's (false)."""
    allow_public_subnet: bool | None
    """Default: false."""
    ipv6_allowed_for_dual_stack: bool | None
    """Default: false."""
    filesystem: lambda_.FileSystem | None
    """An EFS access point (needs ``vpc``); the role may mount that access point's file
    system only. Default: none."""
    snap_start: lambda_.SnapStartConf | None
    """``SnapStartConf.ON_PUBLISHED_VERSIONS``: Lambda refuses it with EFS and with more than
    512 MB of ``/tmp``. Default: off."""
    current_version_options: lambda_.VersionOptions | None
    """Options of ``current_version``. Default: none."""
    recursive_loop: lambda_.RecursiveLoop | None
    """Default: Lambda's (terminate recursive loops)."""
    tenancy_config: lambda_.TenancyConfig | None
    """Default: none."""
    durable_config: lambda_.DurableConfig | None
    """Default: none."""
    alias: str | None
    """Point this alias (for example ``'live'``) at the function's current version: a version
    is published when the image or the configuration changes, and only then. Default: none, or
    ``'live'`` when ``deployment`` or ``provisioned_concurrency`` needs one."""
    deployment: Deployment | None
    """Move the alias to a new version through CodeDeploy (``Deployment.canary`` / ``linear``
    / ``all_at_once`` / ``with_config``), rolled back on failure and on alarm. Default: the
    alias moves at once, without CodeDeploy."""
    provisioned_concurrency: int | None
    """Provisioned concurrency of the alias (at most ``reserved_concurrent_executions``;
    Lambda refuses it with SnapStart). Default: none."""
    provisioned_concurrency_scaling: ConcurrencyScaling | None
    """Scale the provisioned concurrency on its utilisation with Application Auto Scaling.
    Default: fixed."""
    acknowledgements: Mapping[str, str | None] | None
    """Replace the reason of an acknowledgement this construct makes on any of its resources
    (rule ID -> your reason), or drop it (rule ID -> ``None``: the finding is then reported).
    Only the built-in rule IDs (``BUILT_IN_ACKNOWLEDGEMENTS``) are accepted. Default: the
    built-in reasons."""


class ImageFunctionOptions(FunctionOptions, total=False):
    """Everything ``ImageFunction`` takes: its image, and ``FunctionOptions``."""

    image: Required[ImageSource]
    """Where the image comes from (``ImageSource.from_asset`` / ``from_repository`` /
    ``from_image_uri``)."""


DEFAULT_OPTIONS: FunctionOptions = {
    "memory_size": 512,
    "ephemeral_storage_size": 512,
    "timeout": 30,
    "tracing": lambda_.Tracing.ACTIVE,
    "log_retention": logs.RetentionDays.ONE_YEAR,
    "log_removal_policy": RemovalPolicy.RETAIN,
}
"""The options with a default of this library's (the others default to aws-cdk-lib's or
Lambda's, as their docstrings say)."""

REFUSED: Mapping[str, str] = {
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
"""Options of ``aws_lambda.Function`` that Lambda, or this construct, refuses for an image
function, and why. They are not in ``ImageFunctionOptions``: mypy refuses them, and so does
the constructor, with this reason."""

OPTION_NAMES = frozenset(ImageFunctionOptions.__annotations__)


def option_types() -> dict[str, Any]:
    """Each option's type (``typing.get_type_hints``), for checks that read them; the
    architecture alias, a string in architecture.py, evaluated there."""
    alias = architecture.image_architecture_type()
    return get_type_hints(ImageFunctionOptions, localns={"ImageArchitecture": alias})


def with_defaults(options: ImageFunctionOptions) -> ImageFunctionOptions:
    """The options as given, with ``DEFAULT_OPTIONS`` for those left out."""
    return cast(ImageFunctionOptions, {**DEFAULT_OPTIONS, **options})


# What an option with no default becomes when a function is built without the user's, to report
# every problem at synth (lambda_image_constructs.deferred): a placeholder image (and Lambda's
# default architecture, unless one is kept), and that architecture when the image's is unknown.
STAND_INS: dict[str, StandIn] = {
    "image": lambda kept: {
        "image": ImageSource.from_image_uri(PLACEHOLDER_IMAGE_URI),
        **({} if kept.get("architecture") is not None else {"architecture": "x86_64"}),
    },
    "architecture": lambda _: {"architecture": "x86_64"},
}
