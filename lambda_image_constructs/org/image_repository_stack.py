"""The shared image account's repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from lambda_image_constructs import LambdaImageRepository, PullThroughCache, RegistrySigning
from lambda_image_constructs.compliance import skip_checkov
from lambda_image_constructs.errors import Problems
from lambda_image_constructs.option_types import check_arguments, check_construct
from lambda_image_constructs.policies import LAMBDA_PULL_ACTIONS, LAMBDA_SERVICE_PRINCIPAL
from lambda_image_constructs.validation import check_names_given

from .config import RepositorySpec
from .supply_chain_config import ImageAccountSpec


class ImageRepositories(Construct):
    """One ``LambdaImageRepository`` per configured repository, shared with its consumer
    accounts, and open to the CDK image-publishing role so image assets can land in it; with
    ``image_account``, the registry's signing (the publishing role may sign) and, in the image
    account's Region, its pull-through caches."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repositories: Sequence[RepositorySpec],
        consumer_account_ids: Mapping[str, str],
        image_account: ImageAccountSpec | None = None,
    ) -> None:
        super().__init__(scope, id)
        given = {
            "repositories": repositories,
            "consumer_account_ids": consumer_account_ids,
            "image_account": image_account,
        }
        subject = f"ImageRepositories {self.node.path}"
        check_arguments(subject, ImageRepositories.__init__, given)
        problems = Problems()
        needed = {c: f"repositories[{r.name}].consumers" for r in repositories for c in r.consumers}
        check_names_given(problems, "consumer_account_ids", consumer_account_ids, needed)
        problems.raise_if_any(subject)
        self.repositories: dict[str, LambdaImageRepository] = {}
        publishing_roles: set[str] = set()
        for spec in repositories:
            with spec.reported_here():
                repository = LambdaImageRepository(
                    self,
                    spec.name,
                    repository_name=spec.name,
                    consumer_accounts=[consumer_account_ids[c] for c in spec.consumers],
                    organization_id=spec.organization_id,
                    # Lambda pulls for the image account's own functions only, also in a
                    # Regional copy that no consumer runs from (least access: no function of
                    # another account)
                    same_account_source_arn_condition=True,
                )
            publishing_roles.add(repository.allow_cdk_asset_publishing())
            if spec.organization_paths:
                for statement in organization_paths_statements(
                    spec.organization_paths, Stack.of(self).partition, repository.region
                ):
                    repository.repository.add_to_resource_policy(statement)
                reason = (
                    f"organizationPaths {list(spec.organization_paths)} were chosen: the"
                    " Principal '*' of the OrganizationPathsPermission statement is narrowed to"
                    " the accounts under those paths by aws:PrincipalOrgPaths, the only way IAM"
                    " can name organisational units."
                )
                Validations.of(repository.repository).acknowledge(
                    Acknowledgment(id="AwsSolutions-ECR1", reason=reason)
                )
                skip_checkov(repository.repository, CKV_AWS_32=reason)
            self.repositories[spec.name] = repository
        self.signing: RegistrySigning | None = None
        self.caches: list[PullThroughCache] = []
        if image_account is not None:
            self._registry_settings(image_account, sorted(publishing_roles))

    def _registry_settings(
        self, image_account: ImageAccountSpec, publishing_roles: list[str]
    ) -> None:
        home = Stack.of(self).region == image_account.region
        if image_account.signing is not False:
            self.signing = RegistrySigning(
                self,
                "Signing",
                signing_profile_arn=image_account.signing.signing_profile_arn if home else None,
                repository_filters=image_account.signing.repository_filters,
            )
            for role_arn in publishing_roles:
                self.signing.allow_signing_by(role_arn)
        for cache in image_account.pull_through_caches if home else ():
            self.caches.append(
                PullThroughCache(
                    self,
                    f"Cache-{cache.ecr_repository_prefix.replace('/', '-')}",
                    upstream_registry_url=cache.upstream_registry_url,
                    ecr_repository_prefix=cache.ecr_repository_prefix,
                    credential_arn=cache.credential_arn,
                )
            )


class ImageRepositoryStack(Stack):
    """The image account's repositories: deployed before any image is published into them."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repositories: Sequence[RepositorySpec],
        consumer_account_ids: Mapping[str, str],
        image_account: ImageAccountSpec | None = None,
        **kwargs: Any,
    ) -> None:
        given = {
            "repositories": repositories,
            "consumer_account_ids": consumer_account_ids,
            "image_account": image_account,
        }
        check_construct(ImageRepositoryStack, scope, id, {**given, **kwargs})
        super().__init__(scope, id, **kwargs)
        self.registry = ImageRepositories(
            self,
            "LambdaImages",
            repositories=repositories,
            consumer_account_ids=consumer_account_ids,
            image_account=image_account,
        )
        self.repositories = self.registry.repositories


def organization_paths_statements(
    paths: Sequence[str], partition: str, region: str
) -> list[iam.PolicyStatement]:
    """Pulls for the accounts under ``paths`` (``aws:PrincipalOrgPaths``; IAM has no such
    principal, so the principal is '*' narrowed by the condition), and for the Lambda service
    on behalf of their functions only (``aws:SourceOrgPaths`` and a function ``aws:sourceARN``)."""
    under = [f"{path}*" for path in paths]
    actions = list(LAMBDA_PULL_ACTIONS)
    return [
        iam.PolicyStatement(
            sid="OrganizationPathsPermission",
            principals=[iam.StarPrincipal()],
            actions=actions,
            conditions={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": under}},
        ),
        iam.PolicyStatement(
            sid="LambdaECRImageOrganizationPathsRetrievalPolicy",
            principals=[iam.ServicePrincipal(LAMBDA_SERVICE_PRINCIPAL)],
            actions=actions,
            conditions={
                "ForAnyValue:StringLike": {"aws:SourceOrgPaths": under},
                "StringLike": {"aws:sourceARN": f"arn:{partition}:lambda:{region}:*:function:*"},
            },
        ),
    ]
