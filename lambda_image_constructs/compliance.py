"""The cdk-nag packs every app of this project is checked against, registered the cdk-nag 3 way
(as CDK validation plugins): synth fails on any finding that is not acknowledged."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from aws_cdk import App, Aspects, Stage, Validations
from cdk_nag import (
    AwsSolutionsChecks,
    NIST80053R5Checks,
    ServerlessChecks,
    WriteNagSuppressionsToCloudFormationAspect,
)
from constructs import IConstruct

from .nag import LambdaContainerImageChecks

_CHECKED_APPS: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def register_compliance_packs(app: App) -> None:
    """Check ``app`` with AwsSolutions, Serverless, NIST 800-53 R5 and our own
    LambdaContainerImageChecks at synth, and write every acknowledgement into the metadata of
    the template resources it covers (``Metadata.cdk_nag.rules_to_suppress``)."""
    if app in _CHECKED_APPS:
        return  # once per app: each pack would otherwise run as often as it was added
    _CHECKED_APPS.add(app)
    Validations.of(app).add_plugins(
        # Given the app, this one pack also writes every acknowledgement into the template
        # (once for all packs: it is the same metadata).
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
        ServerlessChecks(),
        NIST80053R5Checks(),
        LambdaContainerImageChecks(),
    )


def write_acknowledgements_into_templates(stage: Stage) -> None:
    """Write the acknowledgements in ``stage`` into its templates as well, when its app was
    given to ``register_compliance_packs`` (call that first); otherwise do nothing.

    ``register_compliance_packs`` writes them for the app's own stacks only: aws-cdk-lib
    applies an app's aspects up to the boundary of each nested ``Stage``, so every Stage of an
    app calls this for its stacks (the stages of ``lambda_image_constructs.org`` do)."""
    if stage.node.root in _CHECKED_APPS:
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
