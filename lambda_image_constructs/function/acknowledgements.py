"""Every acknowledgement ``ImageFunction`` makes, and the one door they all pass through.

Each built-in acknowledgement is a rule ID of one of the four packs (AwsSolutions, Serverless,
NIST 800-53 R5, LambdaContainerImageChecks), acknowledged on the one resource it concerns with a
reason that states what is true of that resource as configured. ``Acknowledger`` applies them:
the ``acknowledgements=`` option rewords (text) or drops (``None``) any of them; a rule ID that
is not one of ``BUILT_IN_ACKNOWLEDGEMENTS`` is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

from ..errors import Problems

IMAGE_DIGEST = "LambdaContainerImage-CrossAccountImageDigest"
INSIDE_VPC = "NIST.800.53.R5-LambdaInsideVPC"
CONCURRENCY = "NIST.800.53.R5-LambdaConcurrency"
LOG_GROUP_ENCRYPTED = "NIST.800.53.R5-CloudWatchLogGroupEncrypted"
QUEUE_REDRIVE = "Serverless-SQSRedrivePolicy"
ALARM_ACTION = "NIST.800.53.R5-CloudWatchAlarmAction"
ANY_RESOURCE = "AwsSolutions-IAM5[Resource::*]"

BUILT_IN_ACKNOWLEDGEMENTS: Mapping[str, str] = {
    IMAGE_DIGEST: "the function, when its image is a LambdaImage in an immutable repository",
    INSIDE_VPC: "the function, when it was given no vpc",
    CONCURRENCY: "the function, when it reserves no concurrency (or a token)",
    LOG_GROUP_ENCRYPTED: "the function's own log group, without log_encryption_key",
    QUEUE_REDRIVE: "the function's own dead-letter queue",
    ALARM_ACTION: "the function's own rollback alarms, with deployment",
    ANY_RESOURCE: "the stack's shared X-Ray and network interface policies",
}
"""Each rule ID ``ImageFunction`` may acknowledge, and the resource it acknowledges it on."""

# checkov checks that ask the same as the NIST rules acknowledged on a function.
CHECKOV_FOR_NIST = {INSIDE_VPC: "CKV_AWS_117", CONCURRENCY: "CKV_AWS_115"}


def check_acknowledgements(problems: Problems, given: Any) -> None:
    """The ``acknowledgements`` option: built-in rule IDs only, each to a reason or None."""
    if given is None:
        return
    if not isinstance(given, Mapping):
        problems.add("acknowledgements", type(given).__name__, "must be a mapping of rule IDs")
        return
    for rule, reason in given.items():
        if rule not in BUILT_IN_ACKNOWLEDGEMENTS:
            problems.add(
                "acknowledgements",
                rule,
                "must name a rule ID this construct acknowledges, one of"
                f" {sorted(BUILT_IN_ACKNOWLEDGEMENTS)}; acknowledge any other finding with"
                " fn.acknowledge(rule_id, reason)",
            )
        elif reason is not None and (not isinstance(reason, str) or not reason.strip()):
            problems.add(
                f"acknowledgements[{rule!r}]",
                reason,
                "must be a reason (non-empty text) or None to drop it",
            )


def function_reasons(
    path: str, *, in_vpc: bool, reserved: str | None, immutable_tag_of: str | None
) -> dict[str, str]:
    """The function's own: the NIST choices a platform team makes per workload (what was
    configured, and how to choose otherwise), and the content-hash tag of an asset image."""
    reasons = {}
    if immutable_tag_of is not None:
        reasons[IMAGE_DIGEST] = immutable_tag_of
    if not in_vpc:
        reasons[INSIDE_VPC] = (
            f"{path} was given no vpc, so it runs in Lambda's own network with no ENIs to"
            " manage; pass vpc= to run it in one of your VPCs."
        )
    if reserved is None:
        reasons[CONCURRENCY] = (
            f"{path} was given no reserved_concurrent_executions, so it shares the account's"
            " unreserved concurrency pool; set it to reserve and cap it."
        )
    elif reserved == "token":
        reasons[CONCURRENCY] = (
            f"{path} reserves concurrency with a value known only at deploy time (a parameter"
            " or reference), which cdk-nag's rule cannot read."
        )
    return reasons


def image_digest_reason(description: str, repository_name: str) -> str:
    return (
        f"The tag of {description} is its content hash in the immutable repository"
        f" {repository_name}: it cannot move."
    )


def log_group_reasons(path: str) -> dict[str, str]:
    return {
        LOG_GROUP_ENCRYPTED: (
            f"The log group of {path} is encrypted at rest by CloudWatch Logs with its own key;"
            " log_encryption_key switches it to a customer managed key."
        )
    }


QUEUE_REASONS = {
    QUEUE_REDRIVE: (
        "This queue is the function's dead-letter queue, the end of the line for failed"
        " events: a redrive policy would only move them to yet another queue."
    ),
}
ALARM_REASONS = {
    ALARM_ACTION: (
        "CodeDeploy reads these alarms' state while it shifts traffic and rolls the deployment"
        " back when one goes off; they need no action of their own for that."
    )
}


def any_resource_reasons(why: str) -> dict[str, str]:
    return {ANY_RESOURCE: why}


class Acknowledger:
    """The one door: applies built-in acknowledgements, as ``acknowledgements=`` rewords or
    drops them, and remembers what it acknowledged where."""

    def __init__(self, overrides: Mapping[str, str | None] | None) -> None:
        self._overrides = dict(overrides or {})
        self.applied: dict[str, dict[str, str]] = {}
        """By construct path (as the caller names it): rule ID -> reason."""

    def reasons(self, built_in: Mapping[str, str]) -> dict[str, str]:
        """``built_in`` with the user's reasons, without those the user dropped."""
        kept = {}
        for rule, reason in built_in.items():
            assert rule in BUILT_IN_ACKNOWLEDGEMENTS, rule  # every built-in is listed
            replaced = self._overrides.get(rule, reason)
            if replaced is not None:
                kept[rule] = replaced
        return kept

    def apply(self, target: IConstruct, where: str, built_in: Mapping[str, str]) -> dict[str, str]:
        """Acknowledge ``built_in`` (as overridden) on ``target`` and what is below it."""
        kept = self.reasons(built_in)
        if kept:
            acknowledge(target, kept.items())
            self.applied.setdefault(where, {}).update(kept)
        return kept


def acknowledge(target: IConstruct, rules: Iterable[tuple[str, str]]) -> None:
    """``Validations.of(target).acknowledge`` for each (rule ID, reason): two round trips."""
    Validations.of(target).acknowledge(*(Acknowledgment(id=r, reason=t) for r, t in rules))
