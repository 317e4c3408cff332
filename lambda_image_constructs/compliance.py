"""The cdk-nag packs every app of this project is checked against, registered the cdk-nag 3 way
(as CDK validation plugins): synth fails on any finding that is not acknowledged."""

from __future__ import annotations

from aws_cdk import App, Aspects, Validations
from cdk_nag import (
    AwsSolutionsChecks,
    NIST80053R5Checks,
    ServerlessChecks,
    WriteNagSuppressionsToCloudFormationAspect,
)

from .nag import LambdaContainerImageChecks


def register_compliance_packs(app: App) -> None:
    """Check ``app`` with AwsSolutions, Serverless, NIST 800-53 R5 and our own
    LambdaContainerImageChecks at synth, and write every acknowledgement into the metadata of
    the template resources it covers (``Metadata.cdk_nag.rules_to_suppress``)."""
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(),
        ServerlessChecks(),
        NIST80053R5Checks(),
        LambdaContainerImageChecks(),
    )
    Aspects.of(app).add(WriteNagSuppressionsToCloudFormationAspect())
