"""``RegistrySigning``: ECR managed signing of the image account's registry, so that every image
pushed to a matching repository is signed with an AWS Signer profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_signer as signer
from constructs import Construct

from .errors import Problems
from .limits import (
    SIGNING_PROFILE_ARN,
    SIGNING_PROFILE_ARN_MAX,
)
from .limits import (
    SIGNING_REPOSITORY_FILTERS_PER_RULE as REPOSITORY_FILTERS_PER_RULE,
)
from .registry_settings import RegistryClaim, check_repository_filters
from .tokens import is_unresolved

SIGNATURE_VALIDITY = Duration.days(365 * 3)
KIND = "RegistrySigning"


def check_signing_profile_arn(problems: Problems, field: str, value: Any) -> None:
    """An AWS Signer profile ARN (None: none given; a token: known at deploy only)."""
    if value is None or is_unresolved(value):
        return
    if (
        not isinstance(value, str)
        or len(value) > SIGNING_PROFILE_ARN_MAX
        or not SIGNING_PROFILE_ARN.fullmatch(value)
    ):
        problems.add(
            field,
            value,
            "must be an AWS Signer profile ARN such as"
            " arn:aws:signer:us-east-1:111111111111:/signing-profiles/images"
            f" (at most {SIGNING_PROFILE_ARN_MAX} characters)",
        )


class RegistrySigning(Construct):
    """The signing configuration of the stack's registry (account and Region): ECR signs each
    image pushed to a repository that ``repository_filters`` match, with an AWS Signer profile
    (Notation, ``Notation-OCI-SHA384-ECDSA``), as the identity that pushes it. That identity
    needs ``signer:SignPayload`` on the profile: :meth:`grant_sign`.

    ECR keeps one signing configuration per registry: a second one in the same app for the
    same account and Region is refused at synth (as for ``RegistryScanning``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        signing_profile_arn: str | None = None,
        repository_filters: Sequence[str] = ("*",),
        signature_validity: Duration = SIGNATURE_VALIDITY,
    ) -> None:
        """
        :param signing_profile_arn: An AWS Signer profile of the ``Notation-OCI-SHA384-ECDSA``
            platform. Default: a new profile of the stack, retained when the stack is deleted
            (a cancelled profile can no longer sign).
        :param repository_filters: Repository names whose images are signed, ``*`` standing for
            any characters. Default: every repository of the registry.
        :param signature_validity: How long a signature of the new profile is valid (only
            without ``signing_profile_arn``). Default: three years.
        """
        super().__init__(scope, id)
        problems = Problems()
        check_signing_profile_arn(problems, "signing_profile_arn", signing_profile_arn)
        filters = check_repository_filters(
            problems, "repository_filters", repository_filters, at_most=REPOSITORY_FILTERS_PER_RULE
        )
        claim = RegistryClaim(self, KIND, problems)
        problems.raise_if_any(f"{KIND} {self.node.path}")
        claim.commit()
        self.signing_profile: signer.SigningProfile | None = None
        if signing_profile_arn is None:
            self.signing_profile = signer.SigningProfile(
                self,
                "Profile",
                platform=signer.Platform.NOTATION_OCI_SHA384_ECDSA,
                signature_validity=signature_validity,
            )
            self.signing_profile.apply_removal_policy(RemovalPolicy.RETAIN)
            signing_profile_arn = self.signing_profile.signing_profile_arn
        self.signing_profile_arn: str = signing_profile_arn
        self.repository_filters: tuple[str, ...] = filters
        self._permissions = 0
        self.resource = ecr.CfnSigningConfiguration(
            self,
            "Resource",
            rules=[
                ecr.CfnSigningConfiguration.RuleProperty(
                    signing_profile_arn=signing_profile_arn,
                    repository_filters=[
                        ecr.CfnSigningConfiguration.RepositoryFilterProperty(
                            filter=f, filter_type="WILDCARD_MATCH"
                        )
                        for f in filters
                    ],
                )
            ],
        )

    def allow_signing_by(self, role_arn: str) -> signer.CfnProfilePermission:
        """Let the role ``role_arn`` sign with the profile through the profile's own permissions
        (``AWS::Signer::ProfilePermission``): for a role whose policies this app does not hold,
        such as the CDK bootstrap image-publishing role that pushes image assets."""
        self._permissions += 1
        name = (
            self.signing_profile.signing_profile_name
            if self.signing_profile is not None
            else self.signing_profile_arn.rsplit("/", 1)[-1]
        )
        return signer.CfnProfilePermission(
            self,
            f"SignPermission{self._permissions}",
            action="signer:SignPayload",
            principal=role_arn,
            profile_name=name,
            statement_id=f"EcrSigning{self._permissions}",
        )

    def grant_sign(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (what pushes the images) sign with the profile: ECR signs as the
        identity that pushes."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["signer:SignPayload"],
            resource_arns=[self.signing_profile_arn],
        )
