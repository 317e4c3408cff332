"""Safe rollouts of an ``ImageFunction``: a version published for every new image or
configuration, an alias that points at it, and CodeDeploy moving the alias to a new version
gradually, watched by alarms and rolled back on failure or alarm (what AWS SAM calls
``AutoPublishAlias`` and ``DeploymentPreference``)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypedDict

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from typing_extensions import Unpack

from .errors import Problems
from .limits import DEPLOYMENT_INTERVAL_MINUTES as INTERVAL_MINUTES
from .limits import DEPLOYMENT_PERCENT as PERCENT
from .limits import UTILIZATION_TARGET
from .option_types import REQUIRED, check_arguments, check_fields
from .roles import DeploymentRole
from .tokens import is_unresolved

DeploymentType = Literal["all-at-once", "canary", "linear", "custom"]
DEPLOYMENT_TYPES: tuple[DeploymentType, ...] = ("all-at-once", "canary", "linear")
APPLICATION_ID = "ImageFunctionDeployments"
DEFAULT_ALIAS = "live"
# The configurations CodeDeploy predefines for Lambda; anything else is a custom one per stack.
_PREDEFINED = {
    ("canary", 10, 5): "CANARY_10_PERCENT_5_MINUTES",
    ("canary", 10, 10): "CANARY_10_PERCENT_10_MINUTES",
    ("canary", 10, 15): "CANARY_10_PERCENT_15_MINUTES",
    ("canary", 10, 30): "CANARY_10_PERCENT_30_MINUTES",
    ("linear", 10, 1): "LINEAR_10_PERCENT_EVERY_1_MINUTE",
    ("linear", 10, 2): "LINEAR_10_PERCENT_EVERY_2_MINUTES",
    ("linear", 10, 3): "LINEAR_10_PERCENT_EVERY_3_MINUTES",
    ("linear", 10, 10): "LINEAR_10_PERCENT_EVERY_10_MINUTES",
}


class DeploymentOptions(TypedDict, total=False):
    """What every kind of ``Deployment`` takes."""

    alarms: Sequence[cloudwatch.IAlarm]
    """Alarms of your own that roll a deployment back. Default: none."""
    default_alarms: bool
    """The function's own alarms on the new version. Default: True."""
    pre_traffic_hook: lambda_.IFunction
    """A function CodeDeploy runs before traffic shifts. Default: none."""
    post_traffic_hook: lambda_.IFunction
    """A function CodeDeploy runs after traffic shifted. Default: none."""


@dataclass(frozen=True)
class Deployment:
    """How CodeDeploy moves a function's alias to a new version. Create one with
    ``Deployment.canary``, ``Deployment.linear``, ``Deployment.all_at_once`` or
    ``Deployment.with_config``.

    Every deployment rolls back when it fails, when it is stopped, and when an alarm goes
    off: the function's own alarms on the new version (errors, throttles, and messages sent to
    its dead-letter queue) unless ``default_alarms=False``, and ``alarms`` of your own.

    Made directly, its fields' types are checked at once; its values where a function uses it.
    """

    type: DeploymentType
    percent: int | None = None
    interval: Duration | int | None = None
    """Minutes between traffic shifts (a ``Duration`` of whole minutes, or minutes)."""
    config: codedeploy.ILambdaDeploymentConfig | None = None
    alarms: Sequence[cloudwatch.IAlarm] = ()
    default_alarms: bool = True
    pre_traffic_hook: lambda_.IFunction | None = None
    post_traffic_hook: lambda_.IFunction | None = None

    def __post_init__(self) -> None:
        check_fields(self)

    @staticmethod
    def canary(
        *,
        percent: int = REQUIRED,
        interval: Duration | int = REQUIRED,
        **options: Unpack[DeploymentOptions],
    ) -> Deployment:
        """``percent`` of the traffic to the new version, the rest ``interval`` later. Both are
        required (left out, our error)."""
        given = {"percent": percent, "interval": interval, **options}
        check_arguments("Deployment.canary", Deployment.canary, given)
        return Deployment._of("canary", percent, interval, None, options)

    @staticmethod
    def linear(
        *,
        percent: int = REQUIRED,
        interval: Duration | int = REQUIRED,
        **options: Unpack[DeploymentOptions],
    ) -> Deployment:
        """``percent`` more of the traffic to the new version every ``interval``. Both are
        required (left out, our error)."""
        given = {"percent": percent, "interval": interval, **options}
        check_arguments("Deployment.linear", Deployment.linear, given)
        return Deployment._of("linear", percent, interval, None, options)

    @staticmethod
    def all_at_once(**options: Unpack[DeploymentOptions]) -> Deployment:
        """All traffic at once, still with hooks, alarms and rollback."""
        check_arguments("Deployment.all_at_once", Deployment.all_at_once, options)
        return Deployment._of("all-at-once", None, None, None, options)

    @staticmethod
    def with_config(
        config: codedeploy.ILambdaDeploymentConfig = REQUIRED, **options: Unpack[DeploymentOptions]
    ) -> Deployment:
        """Any of aws-cdk-lib's ``LambdaDeploymentConfig``s (required: left out, our error)."""
        given = {"config": config, **options}
        check_arguments("Deployment.with_config", Deployment.with_config, given)
        return Deployment._of("custom", None, None, config, options)

    @staticmethod
    def _of(
        type: DeploymentType,
        percent: int | None,
        interval: Duration | int | None,
        config: codedeploy.ILambdaDeploymentConfig | None,
        options: DeploymentOptions,
    ) -> Deployment:
        return Deployment(
            type,
            percent,
            interval,
            config,
            tuple(options.get("alarms", ())),
            options.get("default_alarms", True),
            options.get("pre_traffic_hook"),
            options.get("post_traffic_hook"),
        )

    def check(self, problems: Problems, field: str) -> None:
        """Every problem of this deployment, added to ``problems`` under ``field``."""
        for index, alarm in enumerate(self.alarms):
            if not hasattr(alarm, "alarm_arn"):  # jsii interfaces are not runtime-checkable
                problems.add(
                    f"{field}.alarms[{index}]",
                    alarm,
                    "must be a CloudWatch alarm"
                    " (aws_cloudwatch.IAlarm, e.g. Alarm.from_alarm_name)",
                )
        for hook in ("pre_traffic_hook", "post_traffic_hook"):
            value = getattr(self, hook)
            if value is not None and not hasattr(value, "function_arn"):
                problems.add(f"{field}.{hook}", value, "must be a function (aws_lambda.IFunction)")
        if self.config is not None:
            return
        if self.type not in DEPLOYMENT_TYPES:
            problems.add(f"{field}.type", self.type, f"must be one of {list(DEPLOYMENT_TYPES)}")
            return
        if self.type == "all-at-once":
            return
        low, high = PERCENT
        if (
            isinstance(self.percent, bool)
            or not isinstance(self.percent, int)
            or not low <= self.percent <= high
        ):
            problems.add(
                f"{field}.percent",
                self.percent,
                f"must be a whole number from {low}"
                f" to {high} (the share of traffic shifted at a time)",
            )
        minutes = interval_minutes(problems, f"{field}.interval", self.interval)
        if minutes is not None and not INTERVAL_MINUTES[0] <= minutes <= INTERVAL_MINUTES[1]:
            problems.add(
                f"{field}.interval",
                minutes,
                f"must be {INTERVAL_MINUTES[0]} to {INTERVAL_MINUTES[1]:,} minutes",
            )


def interval_minutes(problems: Problems, field: str, value: Any) -> int | None:
    if isinstance(value, Duration):
        if value.is_unresolved():
            return None
        seconds = value.to_seconds()
        if seconds % 60:
            problems.add(field, value.to_human_string(), "must be a whole number of minutes")
            return None
        return int(seconds // 60)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.add(
        field, value, "must be an aws_cdk.Duration of whole minutes or a number of minutes"
    )
    return None


@dataclass(frozen=True)
class ConcurrencyScaling:
    """Application Auto Scaling of the alias's provisioned concurrency on its utilisation.
    Its fields' types are checked at once; its values against the function that uses it."""

    max_capacity: int
    min_capacity: int | None = None
    """Default: the function's ``provisioned_concurrency``."""
    utilization_target: float = 0.7

    def __post_init__(self) -> None:
        check_fields(self)


def check_provisioning(
    problems: Problems,
    *,
    provisioned_concurrency: Any,
    scaling: ConcurrencyScaling | None,
    reserved_concurrent_executions: Any,
    snap_start: bool,
) -> None:
    """Provisioned concurrency against Lambda's rules: a whole number, at most the function's
    reserved concurrency, never with SnapStart; its scaling within aws-cdk-lib's bounds."""
    if provisioned_concurrency is not None and not is_unresolved(provisioned_concurrency):
        if (
            isinstance(provisioned_concurrency, bool)
            or not isinstance(provisioned_concurrency, int)
            or provisioned_concurrency < 1
        ):
            problems.add(
                "provisioned_concurrency",
                provisioned_concurrency,
                "must be a whole number of at least 1",
            )
        elif (
            isinstance(reserved_concurrent_executions, int)
            and not is_unresolved(reserved_concurrent_executions)
            and provisioned_concurrency > reserved_concurrent_executions
        ):
            problems.add(
                "provisioned_concurrency",
                provisioned_concurrency,
                "must be at most reserved_concurrent_executions"
                f" ({reserved_concurrent_executions}): Lambda refuses more",
            )
        if snap_start:
            problems.add(
                "provisioned_concurrency",
                provisioned_concurrency,
                "is refused by Lambda with SnapStart (snap_start); use one of them",
            )
    if scaling is not None:
        _check_scaling(problems, provisioned_concurrency, scaling, reserved_concurrent_executions)


def _check_scaling(
    problems: Problems,
    provisioned_concurrency: Any,
    scaling: ConcurrencyScaling,
    reserved_concurrent_executions: Any,
) -> None:
    """Application Auto Scaling's bounds, from the provisioned concurrency up to the reserved."""
    minimum = scaling.min_capacity
    if minimum is not None and (
        isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0
    ):
        problems.add(
            "provisioned_concurrency_scaling.min_capacity",
            minimum,
            "must be a whole number of at least 0",
        )
    if (
        isinstance(scaling.max_capacity, int)
        and isinstance(reserved_concurrent_executions, int)
        and not is_unresolved(reserved_concurrent_executions)
        and scaling.max_capacity > reserved_concurrent_executions
    ):
        problems.add(
            "provisioned_concurrency_scaling.max_capacity",
            scaling.max_capacity,
            f"must be at most reserved_concurrent_executions"
            f" ({reserved_concurrent_executions}): Lambda refuses more",
        )
    if provisioned_concurrency is None:
        problems.add(
            "provisioned_concurrency_scaling",
            "given",
            "needs provisioned_concurrency (its starting point)",
        )
    low = scaling.min_capacity if scaling.min_capacity is not None else provisioned_concurrency
    if not isinstance(scaling.max_capacity, int) or isinstance(scaling.max_capacity, bool):
        problems.add(
            "provisioned_concurrency_scaling.max_capacity",
            scaling.max_capacity,
            "must be a whole number",
        )
    elif (
        isinstance(provisioned_concurrency, int) and scaling.max_capacity < provisioned_concurrency
    ):
        problems.add(
            "provisioned_concurrency_scaling.max_capacity",
            scaling.max_capacity,
            f"must be at least provisioned_concurrency ({provisioned_concurrency}), where"
            " scaling starts",
        )
    elif isinstance(low, int) and scaling.max_capacity < low:
        problems.add(
            "provisioned_concurrency_scaling.max_capacity",
            scaling.max_capacity,
            f"must be at least the minimum capacity ({low})",
        )
    target = scaling.utilization_target
    if (
        not isinstance(target, int | float)
        or not UTILIZATION_TARGET[0] <= target <= UTILIZATION_TARGET[1]
    ):
        problems.add(
            "provisioned_concurrency_scaling.utilization_target",
            target,
            f"must be from {UTILIZATION_TARGET[0]} to {UTILIZATION_TARGET[1]}",
        )


@dataclass
class _StackRollouts:
    """What the rolled-out functions of one stack share: one CodeDeploy application, the
    custom deployment configurations, and the stack's ARN parts for the alarms."""

    stack: Stack
    application: codedeploy.LambdaApplication | None = None
    configs: dict[tuple[str, int, int], codedeploy.ILambdaDeploymentConfig] = field(
        default_factory=dict
    )
    alarm_arn_prefix: str = ""


# Per stack. Finding them in the stack again (node.try_find_child) and reading its partition,
# Region and account would cost 5 round trips per rolled-out function (round_trips.py).
_PER_STACK: weakref.WeakKeyDictionary[Stack, _StackRollouts] = weakref.WeakKeyDictionary()


def _rollouts_of(stack: Stack) -> _StackRollouts:
    shared = _PER_STACK.get(stack)
    if shared is None:
        prefix = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:"
        shared = _StackRollouts(stack, alarm_arn_prefix=prefix)
        _PER_STACK[stack] = shared
    return shared


def _application(shared: _StackRollouts) -> codedeploy.LambdaApplication:
    """One CodeDeploy application per stack for its functions' deployment groups."""
    if shared.application is None:
        shared.application = codedeploy.LambdaApplication(shared.stack, APPLICATION_ID)
    return shared.application


@cache
def _predefined(name: str) -> codedeploy.ILambdaDeploymentConfig:
    """One of CodeDeploy's predefined configurations, asked of Node once per process."""
    config: codedeploy.ILambdaDeploymentConfig = getattr(codedeploy.LambdaDeploymentConfig, name)
    return config


@cache
def _one_minute() -> Duration:
    return Duration.minutes(1)  # once per process, not per function


@cache
def _codedeploy() -> iam.ServicePrincipal:
    return iam.ServicePrincipal("codedeploy.amazonaws.com")


def deployment_config(
    shared: _StackRollouts, deployment: Deployment
) -> codedeploy.ILambdaDeploymentConfig:
    """aws-cdk-lib's predefined configuration where CodeDeploy has one, else a custom one per
    stack and setting (shared by the stack's functions)."""
    if deployment.config is not None:
        return deployment.config
    if deployment.type == "all-at-once":
        return _predefined("ALL_AT_ONCE")
    minutes = interval_minutes(Problems(), "interval", deployment.interval)
    assert minutes is not None and deployment.percent is not None  # checked before
    key = (deployment.type, deployment.percent, minutes)
    if key in _PREDEFINED:
        return _predefined(_PREDEFINED[key])
    made = shared.configs
    if key not in made:
        interval = Duration.minutes(minutes)
        routing = (
            codedeploy.TrafficRouting.time_based_canary(
                interval=interval, percentage=deployment.percent
            )
            if deployment.type == "canary"
            else codedeploy.TrafficRouting.time_based_linear(
                interval=interval, percentage=deployment.percent
            )
        )
        made[key] = codedeploy.LambdaDeploymentConfig(
            shared.stack,
            f"ImageFunctionDeployment-{deployment.type}-{deployment.percent}pct-{minutes}min",
            traffic_routing=routing,
        )
    return made[key]


def default_alarms(
    scope: Construct,
    function: lambda_.IFunction,
    alias: lambda_.Alias,
    alias_name: str,
    dead_letter_queue: sqs.IQueue | None,
    path: str,
) -> list[cloudwatch.Alarm]:
    """Alarms that roll a deployment back: any error or throttle of the new version (invoked
    through the alias, which Lambda reports with the version as ``ExecutedVersion``), any
    message to the function's dead-letter queue (a failed asynchronous invocation)."""
    one_minute = _one_minute()
    function_name = function.function_name
    new_version = {
        "FunctionName": function_name,
        "Resource": f"{function_name}:{alias_name}",
        "ExecutedVersion": alias.version.version,
    }
    metrics: list[tuple[str, str, cloudwatch.IMetric]] = [
        (
            f"{name}Alarm",
            name.lower(),
            cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name=name,
                dimensions_map=new_version,
                period=one_minute,
                statistic="Sum",
            ),
        )
        for name in ("Errors", "Throttles")
    ]
    if dead_letter_queue is not None:
        metrics.append(
            (
                "DeadLetterAlarm",
                "messages to its dead-letter queue",
                dead_letter_queue.metric_number_of_messages_sent(
                    period=one_minute, statistic="Sum"
                ),
            )
        )
    alarms = []
    for id, what, metric in metrics:
        alarm = cloudwatch.Alarm(
            scope,
            id,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"Rolls back a deployment of {path} on {what}",
        )
        alarms.append(alarm)
    return alarms


def deployment_group(
    scope: Construct,
    *,
    stack: Stack,
    function: lambda_.Function,
    alias: lambda_.Alias,
    deployment: Deployment,
    alarms: Sequence[cloudwatch.IAlarm],
    path: str,
) -> codedeploy.LambdaDeploymentGroup:
    """The function's deployment group, with a service role of its own that may move this
    alias and read these alarms, and nothing else (no AWS managed policy)."""
    shared = _rollouts_of(stack)
    # By name, in the ARN format IAM documents for alarms (a GetAtt hides it from policy linters)
    alarm_arns = [f"{shared.alarm_arn_prefix}{alarm.alarm_name}" for alarm in alarms]
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": [
                "lambda:GetAlias",
                "lambda:UpdateAlias",
                "lambda:GetProvisionedConcurrencyConfig",
            ],
            "Resource": [function.function_arn, alias.function_arn],
        }
    ]
    if alarm_arns:
        statements.append(
            {"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": alarm_arns}
        )
    role = DeploymentRole(
        scope,
        "DeploymentRole",
        assumed_by=_codedeploy(),
        description=f"CodeDeploy role of {path}",
        policy_id="DeploymentPolicy",
        policy_description=f"What CodeDeploy needs to deploy {path}",
        statements=statements,
    )
    with role.attaching_only_its_own():
        group = codedeploy.LambdaDeploymentGroup(
            scope,
            "DeploymentGroup",
            alias=alias,
            application=_application(shared),
            deployment_config=deployment_config(shared, deployment),
            alarms=list(alarms),
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=bool(alarms)
            ),
            role=role,
            pre_hook=deployment.pre_traffic_hook,
            post_hook=deployment.post_traffic_hook,
        )
    return group
