"""The cdk-nag packs every app of this project is checked against, registered the cdk-nag 3 way
(as CDK validation plugins): synth fails on any finding that is not acknowledged."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aws_cdk import App, Aspects, CfnResource, IPolicyValidationPlugin, Stage, Validations
from cdk_nag import (
    AwsSolutionsChecks,
    NIST80053R5Checks,
    ServerlessChecks,
    WriteNagSuppressionsToCloudFormationAspect,
)
from constructs import IConstruct

from .errors import Problems
from .nag import LambdaContainerImageChecks
from .option_types import check_arguments
from .quotas import register_quota_checks
from .tree import root_of

# The packs by the name their findings start with ("AwsSolutions-IAM5", ...).
PACKS: dict[str, Callable[[App], IPolicyValidationPlugin]] = {
    # Given the app, this pack also writes every acknowledgement into the templates.
    "AwsSolutions": lambda app: AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
    "Serverless": lambda app: ServerlessChecks(),
    "NIST.800.53.R5": lambda app: NIST80053R5Checks(),
    "LambdaContainerImage": lambda app: LambdaContainerImageChecks(),
}

# Per app, the packs registered so far.
_CHECKED_APPS: weakref.WeakKeyDictionary[IConstruct, set[str]] = weakref.WeakKeyDictionary()


def register_compliance_packs(app: App, packs: Sequence[str] = tuple(PACKS)) -> None:
    """Check ``app`` at synth with the cdk-nag packs named in ``packs`` (default: all four,
    ``AwsSolutions``, ``Serverless``, ``NIST.800.53.R5`` and our ``LambdaContainerImage``), and
    write every acknowledgement into the metadata of the template resources it covers
    (``Metadata.cdk_nag.rules_to_suppress``). Any finding that is not acknowledged fails synth.

    Calling it again adds only the packs not registered yet: each pack runs once per app."""
    given = {"app": app, "packs": packs}
    check_arguments("register_compliance_packs", register_compliance_packs, given)
    problems = Problems()
    for index, name in enumerate(packs):
        if name not in PACKS:
            problems.add(f"packs[{index}]", name, f"must be one of {list(PACKS)}")
    problems.raise_if_any("register_compliance_packs")
    register_quota_checks(app)
    registered = _CHECKED_APPS.setdefault(app, set())
    if not registered and "AwsSolutions" not in packs:
        # The acknowledgements reach the templates through AwsSolutions' option otherwise.
        Aspects.of(app).add(WriteNagSuppressionsToCloudFormationAspect())
    new = [name for name in PACKS if name in packs and name not in registered]
    registered.update(new)
    if new:
        Validations.of(app).add_plugins(*(PACKS[name](app) for name in new))


def compliance_packs_registered(scope: IConstruct) -> bool:
    """Whether ``scope``'s app was given to ``register_compliance_packs``."""
    return root_of(scope) in _CHECKED_APPS


def write_acknowledgements_into_templates(stage: Stage) -> None:
    """Write the acknowledgements in ``stage`` into its templates as well, when its app was
    given to ``register_compliance_packs`` (call that first); otherwise do nothing.

    ``register_compliance_packs`` writes them for the app's own stacks only: aws-cdk-lib
    applies an app's aspects up to the boundary of each nested ``Stage``, so every Stage of an
    app calls this for its stacks (the stages of ``lambda_image_constructs.org`` do)."""
    if root_of(stage) in _CHECKED_APPS:
        Aspects.of(stage).add(WriteNagSuppressionsToCloudFormationAspect())


@dataclass(frozen=True)
class Acknowledged:
    """One acknowledged finding: where, which, and why."""

    construct_path: str
    rule: str
    reason: str


def acknowledgements(scope: IConstruct) -> list[Acknowledged]:
    """Every finding acknowledged in ``scope``'s tree, sorted by construct path and rule."""
    found = []
    for construct in scope.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule, reason in entry.data.items():
                    rule_id = rule.split("::", 1)[1] if rule.startswith("Annotation::") else rule
                    found.append(Acknowledged(construct.node.path, rule_id, reason))
    return sorted(found, key=lambda a: (a.construct_path, a.rule))


def skip_checkov(scope: IConstruct, **reasons: str) -> None:
    """Skip checkov checks on the CloudFormation resource of ``scope``, each with its reason."""
    resource = scope.node.default_child
    assert isinstance(resource, CfnResource), scope.node.path
    resource.add_metadata(
        "checkov", {"skip": [{"id": check, "comment": why} for check, why in reasons.items()]}
    )
