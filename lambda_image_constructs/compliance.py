"""The cdk-nag packs every app of this project is checked against, registered the cdk-nag 3 way
(as CDK validation plugins): synth fails on any finding that is not acknowledged."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks


def register_compliance_packs(app: App) -> None:
    """Check ``app`` with AwsSolutions, Serverless and NIST 800-53 R5 at synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(), ServerlessChecks(), NIST80053R5Checks())
