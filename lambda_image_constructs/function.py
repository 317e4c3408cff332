"""``ImageFunction``: a Lambda function that runs a container image, its image configuration
overridable per function and checked at synth; ``ImageSource``: where its image comes from."""

from __future__ import annotations

import contextlib
import fnmatch
import weakref
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_cdk import (
    Acknowledgment,
    Annotations,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IConstruct

from . import function_validation as checks
from .architecture import LambdaArchitecture, parse_architecture
from .errors import Problems
from .image import LambdaImage
from .logical_ids import logical_id
from .nag.pack import note_acknowledged
from .nag.rules.common import IMAGE_PLATFORM_METADATA
from .repository import LambdaImageRepository
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


class ImageSource(ABC):
    """Where an ``ImageFunction``'s image comes from. Create one with a factory method."""

    @staticmethod
    def from_asset(image: LambdaImage) -> ImageSource:
        """An image built by ``LambdaImage`` (published to its repository under its hash)."""
        return _AssetSource(image)

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
        image = self._image
        return ResolvedImage(
            image_uri=image.image_uri,
            account=_known(image.account),
            region=_known(image.region),
            architecture=image.architecture_name,
            repository=image.image_repository,
            by_digest=False,  # a content-hash tag in an immutable repository
            description=f"LambdaImage {image.construct_path}",
            in_bootstrap_repository=image.image_repository is None,
        )


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
                separator == "@", f"LambdaImageRepository {owned.node.path}",
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
        parts = checks.parse_image_uri(problems, "image.image_uri", self._uri)
        if parts is None:
            return None
        return ResolvedImage(
            self._uri, parts.account, parts.region, architecture, None,
            parts.digest is not None, f"image {self._uri}",
        )  # fmt: skip


@cache
def _jsii_constant(name: str) -> Any:
    """aws-cdk-lib constants and value objects used by every function, fetched from Node once
    per process instead of once per function (each is a jsii round trip)."""
    values: dict[str, Any] = {
        "arm64": lambda: lambda_.Architecture.ARM_64,
        "x86_64": lambda: lambda_.Architecture.X86_64,
        "lambda": lambda: iam.ServicePrincipal("lambda.amazonaws.com"),
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
# One X-Ray policy per stack, shared by its traced functions (see _tracing_policy).
_TRACING_POLICIES: weakref.WeakKeyDictionary[Stack, iam.ManagedPolicy] = weakref.WeakKeyDictionary()
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


def _tracing_policy(stack: Stack) -> iam.ManagedPolicy:
    """The customer managed policy that lets the traced functions of ``stack`` send to X-Ray.

    One per stack rather than one per function: it names nothing of any function (X-Ray only
    accepts ``Resource: "*"``), and an account holds 1,500 customer managed policies by default,
    so a policy per function would use them up twice as fast."""
    policy = _TRACING_POLICIES.get(stack)
    if policy is None:
        policy = iam.ManagedPolicy(
            stack,
            TRACING_POLICY_ID,
            description=f"X-Ray permissions of the ImageFunctions in {stack.node.path}",
            document=iam.PolicyDocument.from_json(_document(_XRAY_STATEMENT)),
        )
        Validations.of(policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "Only xray:PutTraceSegments and xray:PutTelemetryRecords are in this"
                    " policy; X-Ray supports no resource-level permissions for them, so AWS"
                    " only accepts Resource '*'."
                ),
            )
        )
        _TRACING_POLICIES[stack] = policy
    return policy


_KEY_ARNS: weakref.WeakKeyDictionary[kms.IKey, str] = weakref.WeakKeyDictionary()


def _key_arn(key: kms.IKey) -> str:
    """A key's ARN token, asked of Node once per key: a stack's functions usually share one."""
    try:
        return _KEY_ARNS[key]
    except (KeyError, TypeError):
        arn = key.key_arn
    with contextlib.suppress(TypeError):
        _KEY_ARNS[key] = arn
    return arn


def _xray_write(statement: iam.PolicyStatement) -> bool:
    """Whether ``statement`` only allows sending traces, which is all the stack's shared
    tracing policy may hold: every traced function of the stack gets what it allows."""
    actions = statement.actions
    return (
        bool(actions)
        and set(actions) <= XRAY_ACTIONS
        and statement.effect.name == "ALLOW"
        and list(statement.resources) == ["*"]
        and not statement.not_actions
        and not statement.not_resources
        and not statement.has_principal
        and not statement.conditions
    )


def _document(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


_XRAY_STATEMENT = {"Effect": "Allow", "Action": sorted(XRAY_ACTIONS, reverse=True), "Resource": "*"}


class _ExecutionRole(iam.Role):
    """An execution role whose permissions all live in customer managed policies.

    The function's own permissions are written into ``ExecutionPolicy``, a policy of this role
    only, when it is built, and every later ``add_to_principal_policy`` (a user's
    ``bucket.grant_read(fn.function)``, an event source's grant) lands there too, except X-Ray
    statements, which AWS only accepts with ``Resource: "*"`` and which go to the stack's
    shared tracing policy, where that finding is acknowledged and nothing else hides.
    No inline policy, no AWS managed policy.
    """

    execution_policy: iam.CfnManagedPolicy
    _statements: list[Any]
    _granted: iam.PolicyDocument | None = None

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        if _xray_write(statement):
            # The shared policy already allows every X-Ray write; attaching it is the grant
            # (the statement itself is not added: a later add_actions on it would reach every
            # traced function of the stack).
            policy = _tracing_policy(Stack.of(self))
            self.add_managed_policy(policy)
            return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=policy)
        errors = statement.validate_for_identity_policy()
        if errors:
            problems = Problems()
            for error in errors:
                problems.add("statement", statement.to_statement_json(), f"is refused: {error}")
            problems.raise_if_any(f"execution role {self.node.path}")
        if self._granted is None:
            # From the first grant on, the document is aws-cdk-lib's, rendered at synth as an
            # iam.ManagedPolicy renders it: statements as they are by then, duplicates merged.
            self._granted = iam.PolicyDocument(
                statements=[iam.PolicyStatement.from_json(s) for s in self._statements]
            )
            self.execution_policy.policy_document = self._granted
        self._granted.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(
            statement_added=True, policy_dependable=self.execution_policy
        )

    def _attach_execution_policy(self, path: str, statements: list[Any]) -> None:
        """``ExecutionPolicy``: an L1 at the path (and so with the logical ID) an
        ``iam.ManagedPolicy`` of this role would have, its document one value."""
        self._statements = statements
        self.execution_policy = iam.CfnManagedPolicy(
            Construct(self, "ExecutionPolicy"),
            "Resource",
            description=f"Permissions of {path}",
            path="/",
            policy_document=_document(*statements),
            roles=[self.role_name],
        )


class ImageFunction(Construct):
    """A Lambda function running a container image, with per-function image configuration.

    Defaults a careful platform team would choose (each overridable): 512 MB memory, 512 MB of
    ``/tmp``, a 30 s timeout, an encrypted dead-letter queue, active X-Ray tracing, a log group
    kept for one year, and an execution role with no AWS managed policy whose log permissions
    name only the function's own log group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        image: ImageSource,
        architecture: LambdaArchitecture | lambda_.Architecture | str,
        entrypoint: Sequence[str] | None = None,
        command: Sequence[str] | None = None,
        working_directory: str | None = None,
        environment: Mapping[str, str] | None = None,
        function_name: str | None = None,
        description: str | None = None,
        memory_size: int = DEFAULT_MEMORY_MB,
        ephemeral_storage_size: int = DEFAULT_EPHEMERAL_STORAGE_MB,
        timeout: Duration | int = DEFAULT_TIMEOUT_SECONDS,
        reserved_concurrent_executions: int | None = None,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        dead_letter_queue: sqs.IQueue | None = None,
        tracing: lambda_.Tracing = lambda_.Tracing.ACTIVE,
        log_encryption_key: kms.IKey | None = None,
        environment_encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param image: Where the image comes from (``ImageSource.from_asset`` /
            ``from_repository`` / ``from_image_uri``).
        :param architecture: ``'x86_64'`` or ``'arm64'``; must be the image's architecture
            where that is known. Required: a wrong one fails with ``exec format error``.
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
        :param ephemeral_storage_size: MB of ``/tmp``, 512 to 10,240. Default: 512.
        :param timeout: 1 to 900 s (a ``Duration`` or seconds). Default: 30 s.
        :param reserved_concurrent_executions: Default: none (the account's unreserved pool).
        :param log_retention: Default: one year.
        :param dead_letter_queue: Where failed asynchronous invocations go.
            Default: a new SQS queue, encrypted with the AWS managed SQS key, TLS only,
            kept 14 days.
        :param tracing: Default: ``Tracing.ACTIVE``.
        :param log_encryption_key: A customer managed KMS key for the log group (its key
            policy must allow CloudWatch Logs). Default: CloudWatch Logs' own encryption.
        :param environment_encryption_key: A customer managed KMS key for the environment
            variables at rest. Default: Lambda's AWS managed key.
        """
        super().__init__(scope, id)
        shared = _scope_of(scope)
        node_id = id.replace("/", "--")  # as constructs names a child whose id has a '/'
        path = f"{shared.path}/{node_id}" if shared.path else node_id
        problems = Problems()
        parsed_architecture = parse_architecture(problems, "architecture", architecture)
        resolved = image.resolve(self, problems)
        checks.check_image_config(
            problems, entrypoint=entrypoint, command=command, working_directory=working_directory
        )
        checks.check_environment(problems, environment)
        checks.check_range(problems, "memory_size", memory_size, checks.MEMORY_MB, "MB")
        checks.check_range(
            problems,
            "ephemeral_storage_size",
            ephemeral_storage_size,
            checks.EPHEMERAL_STORAGE_MB,
            "MB",
        )
        timeout_seconds = timeout if isinstance(timeout, int | float) else timeout.to_seconds()
        checks.check_range(problems, "timeout", timeout_seconds, checks.TIMEOUT_SECONDS, "seconds")
        if (
            function_name is not None
            and not is_unresolved(function_name)
            and not checks.FUNCTION_NAME.fullmatch(function_name)
        ):
            problems.add(
                "function_name", function_name, "must be 1 to 64 letters, digits, '-' and '_'"
            )
        account, region = shared.account, shared.region
        if resolved is not None:
            self._check_image(problems, resolved, parsed_architecture, account, region,
                              function_name)  # fmt: skip
        problems.raise_if_any(f"ImageFunction {path}")
        assert resolved is not None and parsed_architecture is not None

        if not resolved.by_digest and isinstance(image, _UriSource):
            Annotations.of(self).add_warning_v2(
                IMAGE_TAG_WARNING,
                f"{resolved.image_uri} is referenced by tag; a tag can be moved to another image."
                " Reference images in other accounts by digest (@sha256:...).",
            )

        self.image = resolved
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=RemovalPolicy.RETAIN,
            encryption_key=log_encryption_key,
        )
        traced = tracing is not lambda_.Tracing.DISABLED
        role = _ExecutionRole(
            self,
            "ExecutionRole",
            assumed_by=_jsii_constant("lambda"),
            description=f"Execution role of {path}",
            managed_policies=[_tracing_policy(shared.stack)] if traced else None,
        )
        self.role: iam.Role = role
        self.dead_letter_queue = dead_letter_queue or self._new_dead_letter_queue()
        queue_arn = self.dead_letter_queue.queue_arn
        # The permissions as one value (the statements aws-cdk-lib's grants would make), so that
        # building a function makes no round trips from Node back into Python.
        role._attach_execution_policy(
            f"{path}/ExecutionRole",
            [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": self.log_group.log_group_arn,
                },
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
            ],
        )
        image_config = {
            key: value
            for key, value in (
                ("entryPoint", list(entrypoint) if entrypoint is not None else None),
                ("command", list(command) if command is not None else None),
                ("workingDirectory", working_directory),
            )
            if value is not None
        }
        # An L1 function with its properties as one value: what aws-cdk-lib's Function renders
        # for an image, without its grants and code binding; at the path (and so with the
        # logical ID) aws-cdk-lib's Function would give it.
        holder = Construct(self, _IN_HOLDER[0])
        resource = lambda_.CfnFunction(
            holder,
            _IN_HOLDER[1],
            architectures=[parsed_architecture.lambda_name],
            code={"imageUri": resolved.image_uri},
            dead_letter_config={"targetArn": queue_arn},
            description=description,
            environment={"variables": dict(environment)} if environment else None,
            ephemeral_storage={"size": ephemeral_storage_size},
            function_name=function_name,
            image_config=image_config or None,
            kms_key_arn=_key_arn(environment_encryption_key)
            if environment_encryption_key
            else None,
            logging_config={"logGroup": self.log_group.log_group_name},
            memory_size=memory_size,
            package_type="Image",
            reserved_concurrent_executions=reserved_concurrent_executions,
            role=role.role_arn,
            timeout=int(timeout_seconds),
            tracing_config={"mode": TRACING_MODES[tracing.name]} if traced else None,
        )
        # Its ExecutionPolicy first (the role itself already is, through Role's GetAtt): Lambda
        # checks at creation that the role may send to the dead-letter queue.
        resource.add_resource_dependency(role.execution_policy)
        self.resource = resource
        """The ``AWS::Lambda::Function`` (``aws_lambda.CfnFunction``)."""
        self._architecture = parsed_architecture
        self._function: lambda_.IFunction | None = None
        if resolved.architecture is not None:
            # Read by LambdaContainerImageChecks' FunctionArchitectureMatchesImage.
            resource.add_metadata(IMAGE_PLATFORM_METADATA, resolved.architecture.docker_platform)
        function_acknowledgements = self._nist_choices(
            path, unreserved=reserved_concurrent_executions is None
        )
        # The same choices, for checkov, on the resource (with the same reasons).
        resource.add_metadata(
            "checkov",
            {
                "skip": [
                    {"id": CHECKOV_FOR_NIST[a.id], "comment": a.reason}
                    for a in function_acknowledgements
                ]
            },
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
        Validations.of(holder).acknowledge(*function_acknowledgements)
        note_acknowledged(
            resource,
            (a.id for a in function_acknowledgements),
            # where it will be in the template, unless its stack allocates IDs its own way
            at=(
                shared.root,
                shared.stack_path,
                logical_id(*shared.below_stack, node_id, *_IN_HOLDER),
            ),
        )
        if log_encryption_key is None:
            Validations.of(self.log_group).acknowledge(
                Acknowledgment(
                    id="NIST.800.53.R5-CloudWatchLogGroupEncrypted",
                    reason=(
                        f"The log group of {path} is encrypted at rest by CloudWatch Logs with"
                        " its own key; log_encryption_key switches it to a customer managed key."
                    ),
                )
            )

    @property
    def function(self) -> lambda_.IFunction:
        """The function, for aws_lambda APIs (``grant_invoke``, ``add_to_role_policy``, event
        sources). Made on first use; grants to it land in the execution role's policies."""
        if self._function is None:
            self._function = lambda_.Function.from_function_attributes(
                self,
                "Function",
                function_arn=self.resource.attr_arn,
                role=self.role,
                same_environment=True,
                architecture=_jsii_constant(self._architecture.lambda_name),
            )
        return self._function

    @staticmethod
    def _nist_choices(path: str, *, unreserved: bool) -> list[Acknowledgment]:
        # NIST 800-53 R5 asks for choices a platform team makes per workload; each default is
        # acknowledged on the resource it concerns, saying how to choose otherwise.
        choices = [
            Acknowledgment(
                id="NIST.800.53.R5-LambdaInsideVPC",
                reason=(
                    f"{path} reaches AWS APIs through their public endpoints and no private"
                    " network resource, so it runs outside a VPC (no ENIs or NAT to manage)."
                ),
            )
        ]
        if unreserved:
            choices.append(
                Acknowledgment(
                    id="NIST.800.53.R5-LambdaConcurrency",
                    reason=(
                        f"{path} shares the account's unreserved concurrency pool;"
                        " reserved_concurrent_executions caps it when its workload needs it."
                    ),
                )
            )
        return choices

    def _new_dead_letter_queue(self) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS_MANAGED,
            enforce_ssl=True,
            retention_period=_jsii_constant("dlq-retention"),
        )
        Validations.of(queue).acknowledge(
            Acknowledgment(
                id="Serverless-SQSRedrivePolicy",
                reason=(
                    "This queue is the function's dead-letter queue, the end of the line for"
                    " failed events: a redrive policy would only move them to yet another queue."
                ),
            ),
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=(
                    "This queue is the function's dead-letter queue (Lambda's DeadLetterConfig),"
                    " which the rule only recognises for SQS-to-SQS redrive."
                ),
            ),
        )
        return queue

    @staticmethod
    def _check_image(
        problems: Problems,
        image: ResolvedImage,
        architecture: LambdaArchitecture | None,
        account: str | None,
        region: str | None,
        function_name: str | None,
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
