"""The checks of ``ImageFunction``'s options, before anything is made: every problem is added
to one ``Problems``, raised at once; nothing here makes a construct."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_

from .. import limits, snapstart
from .. import validation as validate
from ..architecture import LambdaArchitecture, parse_architecture
from ..errors import Problems
from ..limits import ALIAS_NAME
from ..rollout import Deployment, check_provisioning
from ..tokens import is_unresolved
from .options import DEFAULT_OPTIONS, OPTION_NAMES, REFUSED, ImageFunctionOptions
from .places import Place
from .sources import ResolvedImage

_NEEDS_VPC = (
    "vpc_subnets",
    "security_groups",
    "filesystem",
    "allow_public_subnet",
    "ipv6_allowed_for_dual_stack",
    "allow_all_outbound",
    "allow_all_ipv6_outbound",
)


def brief(value: Any) -> Any:
    """A value as an error message quotes it: text cut to a readable length, an object by the
    name of its type."""
    text = value if isinstance(value, str) else None
    if text is None:
        return value if isinstance(value, int | float | bool | type(None)) else type(value).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def check_names(problems: Problems, given: Mapping[str, Any]) -> None:
    """Options that do not exist, or that an image function refuses, with why."""
    for name, value in given.items():
        if name in REFUSED:
            if value is not None and value is not False and value != []:
                problems.add(name, brief(value), REFUSED[name])
        elif name not in OPTION_NAMES:
            close = difflib.get_close_matches(name, sorted(OPTION_NAMES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.add(name, brief(value), f"is not an option of ImageFunction{hint}")


def check_architecture(
    problems: Problems, o: ImageFunctionOptions, image: ResolvedImage | None
) -> LambdaArchitecture | None:
    """The function's architecture: the one given, else the image's; required when neither."""
    given = o.get("architecture")
    if given is not None:
        return parse_architecture(problems, "architecture", given)
    if image is not None and image.architecture is None:
        problems.add(
            "architecture",
            None,
            "must be given ('x86_64' or 'arm64'): the architecture of"
            f" {image.description} is not known",
        )
    return image.architecture if image is not None else None


def check_settings(problems: Problems, unchecked: list[str], o: ImageFunctionOptions) -> int | None:
    """Memory, /tmp, timeout, concurrency, retries, event age, image configuration,
    environment, tracing, name and description; returns the MB of /tmp when known."""
    validate.check_image_config(
        problems,
        entrypoint=o.get("entrypoint"),
        command=o.get("command"),
        working_directory=o.get("working_directory"),
    )
    if not isinstance(o["tracing"], lambda_.Tracing):
        problems.add(
            "tracing",
            brief(o["tracing"]),
            "must be an aws_lambda.Tracing (ACTIVE, PASS_THROUGH or DISABLED)",
        )
    validate.check_environment(problems, o.get("environment"), unchecked)
    memory = o["memory_size"]
    if memory is None:
        low, high = limits.MEMORY_MB
        default = DEFAULT_OPTIONS["memory_size"]
        problems.add("memory_size", None, f"must be a whole number from {low} to {high:,} MB;"
                     f" leave it out for the default ({default})")  # fmt: skip
    elif is_unresolved(memory):
        unchecked.append("memory_size")
    validate.check_range(problems, "memory_size", memory, limits.MEMORY_MB, "MB")
    storage = validate.size_in_mb(
        problems, unchecked, "ephemeral_storage_size", o["ephemeral_storage_size"]
    )
    validate.check_range(
        problems, "ephemeral_storage_size", storage, limits.EPHEMERAL_STORAGE_MB, "MB"
    )
    timeout = validate.duration_in_seconds(problems, unchecked, "timeout", o["timeout"])
    validate.check_range(problems, "timeout", timeout, limits.TIMEOUT_SECONDS, "seconds")
    validate.check_whole_number(
        problems, unchecked, "reserved_concurrent_executions",
        o.get("reserved_concurrent_executions"), limits.RESERVED_CONCURRENCY,
        "concurrent executions",
    )  # fmt: skip
    validate.check_whole_number(
        problems,
        unchecked,
        "retry_attempts",
        o.get("retry_attempts"),
        limits.RETRY_ATTEMPTS,
        "retries",
    )
    if (max_event_age := o.get("max_event_age")) is not None:
        age = validate.duration_in_seconds(problems, unchecked, "max_event_age", max_event_age)
        validate.check_range(
            problems, "max_event_age", age, limits.MAX_EVENT_AGE_SECONDS, "seconds"
        )
    validate.check_function_name(problems, o.get("function_name"))
    validate.check_description(problems, o.get("description"))
    return storage if isinstance(storage, int) else None


def check_combinations(problems: Problems, o: ImageFunctionOptions, storage_mb: int | None) -> None:
    """Options that exclude each other, and the rollout's."""
    if o.get("snap_start") is not None:
        if o.get("filesystem") is not None:
            problems.add(
                "snap_start",
                "ON_PUBLISHED_VERSIONS",
                "is refused by Lambda with EFS (filesystem); leave one of them out",
            )
        if storage_mb is not None and storage_mb > limits.SNAP_START_MAX_EPHEMERAL_STORAGE_MB:
            problems.add(
                "snap_start",
                "ON_PUBLISHED_VERSIONS",
                f"is refused by Lambda with more than {limits.SNAP_START_MAX_EPHEMERAL_STORAGE_MB}"
                f" MB of /tmp (ephemeral_storage_size {storage_mb} MB)",
            )
    queue, topic = o.get("dead_letter_queue"), o.get("dead_letter_topic")
    if o.get("dead_letter_queue_enabled") is False and (queue or topic):
        problems.add(
            "dead_letter_queue_enabled",
            False,
            "must not be False when dead_letter_queue or dead_letter_topic is given",
        )
    if queue is not None and topic is not None:
        problems.add("dead_letter_topic", "a topic", "must not be given with dead_letter_queue")
    if o.get("log_group") is not None and o.get("log_encryption_key") is not None:
        problems.add(
            "log_encryption_key",
            "a key",
            "must not be given with log_group: encrypt your own log group where you make it",
        )
    _check_rollout(problems, o)


def _check_rollout(problems: Problems, o: ImageFunctionOptions) -> None:
    alias = o.get("alias")
    if (
        alias is not None
        and not is_unresolved(alias)
        and (not isinstance(alias, str) or not ALIAS_NAME.fullmatch(alias))
    ):
        problems.add(
            "alias",
            alias,
            "must be a Lambda alias name: 1 to 128 letters, digits, '-' and '_', not only digits",
        )
    deployment = o.get("deployment")
    if isinstance(deployment, Deployment):
        deployment.check(problems, "deployment")
    elif deployment is not None:
        problems.add(
            "deployment",
            brief(deployment),
            "must be a Deployment (Deployment.canary, .linear, .all_at_once or .with_config)",
        )
    check_provisioning(
        problems,
        provisioned_concurrency=o.get("provisioned_concurrency"),
        scaling=o.get("provisioned_concurrency_scaling"),
        reserved_concurrent_executions=o.get("reserved_concurrent_executions"),
        snap_start=o.get("snap_start") is not None,
    )


def check_network(problems: Problems, o: ImageFunctionOptions) -> None:
    """The VPC options: only with a vpc, private subnets unless allowed otherwise."""
    vpc, vpc_subnets = o.get("vpc"), o.get("vpc_subnets")
    security_groups = o.get("security_groups")
    allow_all_outbound = o.get("allow_all_outbound")
    if vpc is None:
        needs_vpc = {name: o.get(name) for name in _NEEDS_VPC}
        needs_vpc["security_groups"] = security_groups or None
        for field, value in needs_vpc.items():
            if value is not None:
                problems.add(
                    field, brief(value), "needs vpc: it only applies to a function in a VPC"
                )
        return
    if security_groups and (allow_all_outbound is not None or o.get("allow_all_ipv6_outbound")):
        problems.add(
            "allow_all_outbound",
            allow_all_outbound,
            "must be set on the given security_groups themselves, not on the function",
        )
    if o.get("allow_public_subnet"):
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
            brief(str(error).split("\n")[0]),
            "must select private subnets: a function in a public subnet gets no public IP"
            " and cannot reach the internet (add private subnets with a NAT gateway or VPC"
            " endpoints, or set allow_public_subnet=True if you know why)",
        )


def check_snap_start(
    problems: Problems, o: ImageFunctionOptions, image: ResolvedImage, place: Place
) -> None:
    """SnapStart where Lambda offers it, on an image it can snapshot (when this library built
    the image and read its Dockerfile), as the configuration's snapStart is checked."""
    if o.get("snap_start") is None:
        return
    snapstart.check_snap_start_region(problems, "snap_start", place.region)
    if image.built_by is not None:
        snapstart.check_snap_start_readiness(
            problems, "snap_start", image.built_by.snap_start_ready
        )


def check_image_placement(
    problems: Problems,
    image: ResolvedImage,
    architecture: LambdaArchitecture | None,
    place: Place,
    function_name: str | None,
) -> None:
    """The image against the function: its architecture, its Region, and whether the
    function's account may pull it (with the function names its repository allows)."""
    account, region, stack = place.account, place.region, place.stack
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
