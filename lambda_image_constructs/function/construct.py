"""``ImageFunction``: an ``aws_lambda.Function`` running a container image, its options checked
at synth, with the role, log group and dead-letter queue a careful platform team would make."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from aws_cdk import Annotations, CfnResource
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct
from typing_extensions import Unpack

from .. import deferred, invariants
from .. import validation as validate
from ..architecture import LambdaArchitecture
from ..errors import Problems
from ..nag.rules.common import IMAGE_PLATFORM_METADATA
from ..option_types import SELF_PARSED, check_arguments, check_options
from ..quotas import register_quota_checks
from ..rollout import DEFAULT_ALIAS, default_alarms, deployment_group
from ..tokens import is_unresolved
from . import acknowledgements as ack
from . import checks
from . import companions as made
from .acknowledgements import Acknowledger
from .asset_metadata import add_asset_metadata
from .options import REFUSED, STAND_INS, ImageFunctionOptions, with_defaults
from .places import Place, place_of, stage_of
from .sources import ImageSource, ResolvedImage

IMAGE_TAG_WARNING = "lambda-image-constructs:image-referenced-by-tag"
UNCHECKED_TOKEN_WARNING = "lambda-image-constructs:unchecked-token"
TRACING_MODES = {"ACTIVE": "Active", "PASS_THROUGH": "PassThrough"}


@dataclass
class _Companions:
    """The role, log group and dead-letter queue the function uses, and which of them it made."""

    role: iam.IRole | None
    log_group: logs.ILogGroup
    queue: sqs.IQueue | None
    own_role: made.ExecutionRole | None = None
    own_log_group: logs.LogGroup | None = None
    own_queue: sqs.Queue | None = None
    queue_arn: str | None = None  # the queue's, read once: the role's grant and the function's

    def owned(self) -> list[IConstruct]:
        return [c for c in (self.own_role, self.own_log_group, self.own_queue) if c is not None]


class ImageFunction(lambda_.Function):
    """A Lambda function running a container image, with per-function image configuration.

    It is an ``aws_lambda.Function``: grants, event sources, destinations, versions and
    aliases, function URLs, metrics and every other Lambda feature of aws-cdk-lib work on it.
    What it adds sits before the function is made: where the image comes from
    (``ImageSource``), every option (``ImageFunctionOptions``) checked at synth and reported at
    once in one ``LambdaImageValidationError``, the cross-account and Region checks, and
    defaults a careful platform team would choose, each overridable or switched off: 512 MB
    memory, 512 MB of ``/tmp``, a 30 s timeout, an encrypted TLS-only dead-letter queue, active
    X-Ray tracing, a log group kept for one year, and an execution role with no AWS managed
    policy and no inline policy whose log permissions name only the function's own log group.
    """

    def __init__(self, scope: Construct, id: str, **options: Unpack[ImageFunctionOptions]) -> None:
        """:param options: ``ImageFunctionOptions``: each option, its type and its default."""
        place = place_of(scope)
        path = place.child_path(id)
        problems, unchecked = Problems(), cast(list[str], [])
        check_options(problems, ImageFunctionOptions, options, ignore=REFUSED.keys() | SELF_PARSED)
        again = partial(ImageFunction.__init__, self, scope, id)
        rebuild = deferred.Rebuild(f"ImageFunction {path}", self, scope, options, again, STAND_INS)
        if rebuild.without(problems):  # raised, or reported at synth: made without them
            return
        o = with_defaults(options)
        checks.check_names(problems, options)
        source = options.get("image")
        image = source.resolve(scope, problems) if isinstance(source, ImageSource) else None
        if not isinstance(source, ImageSource):
            problems.add("image", checks.brief(source), "must be an ImageSource (from_asset, ...)")
        architecture = checks.check_architecture(problems, o, image)
        storage_mb = checks.check_settings(problems, unchecked, o)
        checks.check_network(problems, o)
        checks.check_combinations(problems, o, storage_mb)
        ack.check_acknowledgements(problems, o.get("acknowledgements"))
        invariants.check_function(problems, o, scope, path, place.account, place.region)
        if image is not None:
            checks.check_image_placement(
                problems, image, architecture, place, o.get("function_name")
            )
            checks.check_snap_start(problems, o, image, place)
        if rebuild.without(problems):
            return
        assert image is not None and architecture is not None
        acknowledger = Acknowledger(o.get("acknowledgements"))
        companions = self._companions(scope, id, o, place, path, acknowledger)
        code = made.image_code(
            image.image_uri,
            _tupled(o.get("entrypoint")),
            _tupled(o.get("command")),
            o.get("working_directory"),
        )
        self._make_function(scope, id, o, companions, code, architecture, path)
        register_quota_checks(scope)  # the same app as the function's: asked once per scope
        resource, code.resource = code.resource, None  # this function's, bound just now
        assert resource is not None
        self.image = image
        """The image the function runs (URI, account, Region, architecture), as resolved."""
        self._environment_variables = dict(o.get("environment") or {})
        self._dead_letter_queue = companions.queue
        self._acknowledger, self._companion_list = acknowledger, companions.owned()
        self._configure(resource, o, companions, image, place, path)
        self._roll_out(o, companions.own_queue or o.get("dead_letter_queue"), place, path)
        self._warn(unchecked, image, path)

    # The steps of the constructor, in order.

    @staticmethod
    def _companions(
        scope: Construct,
        id: str,
        o: ImageFunctionOptions,
        place: Place,
        path: str,
        acknowledger: Acknowledger,
    ) -> _Companions:
        """The log group, role and dead-letter queue, beside the function in ``scope``."""
        node_id = id.replace("/", "--")
        try:
            return _make_companions(_Making(scope, node_id, o, place, path, acknowledger))
        except RuntimeError as error:  # jsii: a construct of that name exists in the scope
            if "There is already a Construct with name" not in str(error):
                raise
            problems = Problems()
            problems.add(
                "id",
                id,
                f"must leave {node_id}ExecutionRole, {node_id}LogGroup and"
                f" {node_id}DeadLetterQueue free in its scope: the function's role, log group"
                " and dead-letter queue are made there, beside it",
            )
            problems.raise_if_any(f"ImageFunction {path}")
            raise

    def _make_function(
        self,
        scope: Construct,
        id: str,
        o: ImageFunctionOptions,
        companions: _Companions,
        code: made.ImageCode,
        architecture: LambdaArchitecture,
        path: str,
    ) -> None:
        """``aws_lambda.Function.__init__`` with the options as its props."""
        props: dict[str, Any] = {name: o.get(name) for name in _PASSED_THROUGH}
        for name in ("security_groups", "events", "initial_policy"):
            props[name] = list(cast(Sequence[Any], o.get(name) or ())) or None
        props["environment"] = dict(o.get("environment") or {}) or None
        storage, timeout = o["ephemeral_storage_size"], o["timeout"]
        try:
            super().__init__(
                scope,
                id,
                code=code,
                handler=made.constant("handler"),
                runtime=made.constant("runtime"),
                architecture=made.constant(architecture.lambda_name),
                memory_size=o["memory_size"],
                ephemeral_storage_size=made.mebibytes(storage)
                if isinstance(storage, int)
                else storage,
                timeout=made.seconds(timeout) if isinstance(timeout, int) else timeout,
                # the role made here already has the stack's X-Ray policy (set below, without
                # aws-cdk-lib granting it again through a callback)
                tracing=o["tracing"] if companions.own_role is None else None,
                role=companions.role,
                log_group=companions.log_group,
                **{k: v for k, v in props.items() if v is not None},
            )
        except RuntimeError as error:
            # aws-cdk-lib refused a combination we do not check first: its message, as ours.
            problems = Problems()
            problems.add(
                "props", str(error).strip().split("\n")[0][:300], "were refused by aws-cdk-lib"
            )
            problems.raise_if_any(f"ImageFunction {path}")

    def _configure(
        self,
        resource: CfnResource,
        o: ImageFunctionOptions,
        companions: _Companions,
        image: ResolvedImage,
        place: Place,
        path: str,
    ) -> None:
        """What the function's resource gets besides its props: tracing through the shared
        policy, the image's platform and asset metadata, the acknowledgements."""
        function = cast(lambda_.CfnFunction, resource)
        if image.repository is not None:
            image.repository.note_function_use(by_digest=image.by_digest)
        image_stack = image.stack
        # `cdk deploy <this stack>` must publish the image (or make its repository) first;
        # across Stages aws-cdk-lib allows no dependency: the pipeline orders the waves.
        if (
            image_stack is not None
            and image_stack is not place.stack
            and stage_of(image_stack) == stage_of(place.stack)
        ):
            place.stack.add_stack_dependency(image_stack, "its functions run an image of it")
        if companions.own_role is None:
            companions.log_group.grant_write(self)  # Lambda writes with the execution role
        elif o["tracing"].name != "DISABLED":
            function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(
                mode=TRACING_MODES[o["tracing"].name]
            )
        if companions.queue_arn is not None:
            # As aws-cdk-lib's deadLetterQueue prop writes it; the grant is in the role's
            # first policy (a role of yours gets it here): one round trip, not four.
            function.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
                target_arn=companions.queue_arn
            )
            if companions.own_role is None:
                self.add_to_role_policy(made.send_message_statement(companions.queue_arn))
        if image.architecture is not None:
            # Read by LambdaContainerImageChecks' FunctionArchitectureMatchesImage.
            resource.add_metadata(IMAGE_PLATFORM_METADATA, image.architecture.docker_platform)
        if image.built_by is not None:
            add_asset_metadata(resource, image.built_by, place.stack)
        self._acknowledge_function(resource, o, image, path)

    def _acknowledge_function(
        self, resource: CfnResource, o: ImageFunctionOptions, image: ResolvedImage, path: str
    ) -> None:
        reserved = o.get("reserved_concurrent_executions")
        repository = image.repository
        kept = self._acknowledger.apply(
            resource,
            path,
            ack.function_reasons(
                path,
                in_vpc=o.get("vpc") is not None,
                reserved=None
                if reserved is None
                else "token"
                if is_unresolved(reserved)
                else "set",
                immutable_tag_of=(
                    ack.image_digest_reason(image.description, repository.repository_name)
                    if image.built_by is not None
                    and repository is not None
                    and repository.immutable_tags
                    else None
                ),
            ),
        )
        checkov = [
            {"id": ack.CHECKOV_FOR_NIST[rule], "comment": reason}
            for rule, reason in kept.items()
            if rule in ack.CHECKOV_FOR_NIST
        ]
        if checkov:
            # The same choices, for checkov, on the resource (with the same reasons).
            resource.add_metadata("checkov", {"skip": checkov})

    def _roll_out(
        self, o: ImageFunctionOptions, queue: sqs.IQueue | None, place: Place, path: str
    ) -> None:
        """The alias on the current version, its provisioned concurrency and scaling, and the
        CodeDeploy deployment group with its alarms, as the options ask."""
        self._alias: lambda_.Alias | None = None
        self.deployment_group: codedeploy.LambdaDeploymentGroup | None = None
        """The CodeDeploy deployment group that moves the alias, with ``deployment``."""
        self.deployment_alarms: list[cloudwatch.IAlarm] = []
        """The alarms that roll a deployment back (the function's own, then yours)."""
        deployment, provisioned = o.get("deployment"), o.get("provisioned_concurrency")
        alias_name = o.get("alias") or (
            DEFAULT_ALIAS if deployment is not None or provisioned else None
        )
        if alias_name is None:
            return
        alias = self.add_alias(alias_name, provisioned_concurrent_executions=provisioned)
        self._alias = alias
        scaling = o.get("provisioned_concurrency_scaling")
        if scaling is not None:
            low = scaling.min_capacity if scaling.min_capacity is not None else provisioned
            target = alias.add_auto_scaling(max_capacity=scaling.max_capacity, min_capacity=low)
            target.scale_on_utilization(utilization_target=scaling.utilization_target)
        if deployment is None:
            return
        alarms: list[cloudwatch.IAlarm] = []
        if deployment.default_alarms:
            holder = Construct(self, "RollbackAlarms")
            alarms.extend(default_alarms(holder, self, alias, alias_name, queue, path))
            self._acknowledger.apply(holder, f"{path}/RollbackAlarms", ack.ALARM_REASONS)
        alarms.extend(deployment.alarms)
        self.deployment_alarms = alarms
        self.deployment_group = deployment_group(
            self, stack=place.stack, function=self, alias=alias, deployment=deployment,
            alarms=alarms, path=path,
        )  # fmt: skip

    def _warn(self, unchecked: list[str], image: ResolvedImage, path: str) -> None:
        """Values only known at deploy time; an image by a tag that can move."""
        if image.unresolved:
            unchecked.append("image (its account, Region, repository and tag or digest)")
        if unchecked:
            Annotations.of(self).add_warning_v2(
                UNCHECKED_TOKEN_WARNING,
                f"{'; '.join(unchecked)} of {path} only known at deploy time (a token): not"
                " checked at synth.",
            )
        if image.by_uri and not image.by_digest:
            Annotations.of(self).add_warning_v2(
                IMAGE_TAG_WARNING,
                f"{image.image_uri} is referenced by tag; a tag can be moved to another image."
                " Reference images in other accounts by digest (@sha256:...).",
            )

    # What it adds to aws_lambda.Function.

    def add_environment(
        self, key: str, value: str, *, remove_in_edge: bool | None = None
    ) -> lambda_.Function:
        """Add an environment variable, checked as the ``environment`` option is: Lambda's
        key pattern, its reserved keys, and the 4 KB of all variables together."""
        variables = self.__dict__.get("_environment_variables")
        if variables is None:  # from aws-cdk-lib's constructor: the option, checked already
            return super().add_environment(key, value, remove_in_edge=remove_in_edge)
        check_arguments(
            f"ImageFunction {self.node.path}: add_environment",
            ImageFunction.add_environment,
            {"key": key, "value": value, "remove_in_edge": remove_in_edge},
        )
        problems = Problems()
        validate.check_environment(problems, {**variables, key: value})
        problems.raise_if_any(f"ImageFunction {self.node.path}: add_environment")
        variables[key] = value
        return super().add_environment(key, value, remove_in_edge=remove_in_edge)

    def acknowledge(self, rule_id: str, reason: str) -> None:
        """Acknowledge a finding on the function and on every resource it made: its role and
        policies, its log group, its dead-letter queue, its alarms and deployment group. For
        example, after ``bucket.grant_read(fn)``:
        ``fn.acknowledge("AwsSolutions-IAM5[Action::s3:GetObject*]", "...")``."""
        given = {"rule_id": rule_id, "reason": reason}
        problems = Problems()
        check_options(problems, ImageFunction.acknowledge, given)
        for name, what in (("rule_id", "a rule ID"), ("reason", "a reason")):
            if isinstance(given[name], str) and not given[name].strip():
                problems.add(name, given[name], f"must be {what} (non-empty text)")
        problems.raise_if_any(f"ImageFunction {self.node.path}: acknowledge")
        for target in (self, *self._companion_list):
            ack.acknowledge(target, [(rule_id, reason)])

    @property
    def dead_letter_queue(self) -> sqs.IQueue | None:
        """The dead-letter queue: the function's own, the one given, or None."""
        return self.__dict__.get("_dead_letter_queue")

    @property
    def alias(self) -> lambda_.Alias | None:
        """The alias that follows the current version, when one was asked for (``alias``,
        ``deployment`` or ``provisioned_concurrency``); ``current_alias`` is the same, typed
        ``Alias``."""
        return self._alias

    @property
    def current_alias(self) -> lambda_.Alias:
        """The alias that follows the current version, typed ``aws_lambda.Alias`` for mypy;
        raises ``LambdaImageValidationError`` when the function was given none."""
        if self._alias is None:
            problems = Problems()
            problems.add("alias", None, "must be given (or deployment, or provisioned_concurrency)"
                         " for current_alias")  # fmt: skip
            problems.raise_if_any(f"ImageFunction {self.node.path}")
        assert self._alias is not None
        return self._alias

    @property
    def resource(self) -> lambda_.CfnFunction:
        """The ``AWS::Lambda::Function`` (``aws_lambda.CfnFunction``), for escape hatches."""
        return cast(lambda_.CfnFunction, self.node.default_child)


def _tupled(items: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(items)


# The options handed to aws_lambda.Function as they are (None: left out).
_PASSED_THROUGH = (
    "vpc",
    "vpc_subnets",
    "allow_all_outbound",
    "allow_all_ipv6_outbound",
    "allow_public_subnet",
    "ipv6_allowed_for_dual_stack",
    "filesystem",
    "snap_start",
    "current_version_options",
    "recursive_loop",
    "tenancy_config",
    "durable_config",
    "on_failure",
    "on_success",
    "max_event_age",
    "retry_attempts",
    "logging_format",
    "application_log_level_v2",
    "system_log_level_v2",
    "environment_encryption",
    "dead_letter_topic",
    "function_name",
    "description",
    "reserved_concurrent_executions",
)


@dataclass(frozen=True)
class _Making:
    """What the companions are made from: where, as what, with which options."""

    scope: Construct
    node_id: str
    o: ImageFunctionOptions
    place: Place
    path: str
    acknowledger: Acknowledger


def _make_companions(making: _Making) -> _Companions:
    """The log group, execution role and dead-letter queue the options leave to this library,
    each acknowledged through ``acknowledger``."""
    scope, node_id, o, path = making.scope, making.node_id, making.o, making.path
    acknowledger = making.acknowledger
    log_group, role, queue = o.get("log_group"), o.get("role"), o.get("dead_letter_queue")
    companions = _Companions(role, log_group, queue)  # type: ignore[arg-type]
    if log_group is None:
        own_log_group = made.new_log_group(
            scope,
            f"{node_id}LogGroup",
            retention=o["log_retention"],
            removal_policy=o["log_removal_policy"],
            encryption_key=o.get("log_encryption_key"),
        )
        if o.get("log_encryption_key") is None:
            acknowledger.apply(own_log_group, f"{path}LogGroup", ack.log_group_reasons(path))
        companions.log_group = companions.own_log_group = own_log_group
    if (
        queue is None
        and o.get("dead_letter_topic") is None
        and o.get("dead_letter_queue_enabled") is not False
    ):
        own_queue = made.new_dead_letter_queue(scope, f"{node_id}DeadLetterQueue")
        acknowledger.apply(own_queue, f"{path}DeadLetterQueue", ack.QUEUE_REASONS)
        companions.queue = companions.own_queue = own_queue
    if companions.queue is not None:
        companions.queue_arn = companions.queue.queue_arn
    if role is None:
        companions.role = companions.own_role = _execution_role(
            making, companions.log_group, companions.queue_arn
        )
    return companions


def _execution_role(
    making: _Making, log_group: logs.ILogGroup, queue_arn: str | None
) -> made.ExecutionRole:
    """The function's own role: Lambda writes to the log group with it, and sends the events
    it gives up on to the dead-letter queue."""
    o, stack, acknowledger = making.o, making.place.stack, making.acknowledger
    shared = []
    if o["tracing"].name != "DISABLED":
        shared.append(made.shared_policy(stack, made.XRAY_POLICY, acknowledger))
    if o.get("vpc") is not None:
        # aws-cdk-lib grants this only to the roles it makes (as an AWS managed policy)
        shared.append(made.shared_policy(stack, made.NETWORK_INTERFACE_POLICY, acknowledger))
    filesystem = o.get("filesystem")
    return made.ExecutionRole(
        making.scope,
        f"{making.node_id}ExecutionRole",
        function_path=making.path,
        stack=stack,
        statements=[
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": log_group.log_group_arn,
            },
            *([made.SEND_MESSAGE | {"Resource": queue_arn}] if queue_arn is not None else []),
        ],
        managed_policies=shared,
        acknowledger=acknowledger,
        file_system_arn=made.file_system_arn(filesystem) if filesystem is not None else None,
    )
