"""``PullThroughCache``: ECR pull-through cache rules of the image account, so that image builds
pull their base images through the account's own registry (encrypted, scanned by the registry's
scanning configuration, and reachable where the public registries are not)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .dockerfile_checks import through_pull_through_cache
from .errors import Problems
from .limits import (
    PULL_THROUGH_CACHE_CREDENTIAL_ARN as CREDENTIAL_ARN,
)
from .limits import PULL_THROUGH_CACHE_PREFIX as PREFIX
from .limits import PULL_THROUGH_CACHE_PREFIX_LENGTH as PREFIX_LENGTH
from .registry_settings import RegistryClaim
from .tokens import is_unresolved

# Upstream registry URL -> (ECR's name for it, whether it needs a Secrets Manager credential),
# as the ECR user guide lists them ("Sync an upstream registry with an Amazon ECR private
# registry"). An upstream ECR registry (IAM role) is left out.
UPSTREAMS: Mapping[str, tuple[str, bool]] = {
    "public.ecr.aws": ("ecr-public", False),
    "quay.io": ("quay", False),
    "registry.k8s.io": ("k8s", False),
    "registry-1.docker.io": ("docker-hub", True),
    "ghcr.io": ("github-container-registry", True),
    "registry.gitlab.com": ("gitlab-container-registry", True),
}
AZURE = re.compile(r"[a-z0-9]+\.azurecr\.io")
DEFAULT_UPSTREAM = "public.ecr.aws"
DEFAULT_PREFIX = "ecr-public"
# What pulling through the cache takes of the puller (ECR user guide, "IAM permissions required
# to sync an upstream registry"): the first pull creates the repository and imports the image.
PULL_THROUGH_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
)


def pull_through_advice(base_image: str, caches: Mapping[str, str]) -> str | None:
    """What an image's Dockerfile would say to pull its base through one of ``caches``
    (upstream registry URL -> ``<account registry>/<prefix>``), or None when none caches it."""
    cached = through_pull_through_cache(base_image, caches)
    if cached is None:
        return None
    return (
        f"FROM {base_image} can be pulled through the image account's pull-through cache:"
        f" FROM {cached} (the builder logs in to that registry and needs"
        " PullThroughCache.grant_pull_through); pin it by digest, since the cache follows"
        " the upstream's tags"
    )


def registry_host(account: str, region: str) -> str:
    """The account's private registry in ``region`` (China Regions end in .amazonaws.com.cn)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}"


def upstream_kind(url: str) -> tuple[str, bool] | None:
    """ECR's name of an upstream registry URL and whether it needs a credential (None when ECR
    has no pull-through cache for it)."""
    if url in UPSTREAMS:
        return UPSTREAMS[url]
    return ("azure-container-registry", True) if AZURE.fullmatch(url) else None


class PullThroughCache(Construct):
    """A pull-through cache rule of the stack's registry: an image ``<upstream>/<path>:<tag>``
    is pulled as ``<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>:<tag>``; ECR creates
    the repository on the first pull and keeps the image in sync with the upstream.

    The repositories it creates follow a repository creation template of the same prefix: KMS
    encryption (the AWS managed key unless ``encryption_key``), and mutable tags, since a
    cache mirrors the upstream's tags, which move (name a base image by digest to pin it).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        upstream_registry_url: str = DEFAULT_UPSTREAM,
        ecr_repository_prefix: str = DEFAULT_PREFIX,
        credential_arn: str | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param upstream_registry_url: The registry to cache, such as ``public.ecr.aws``,
            ``quay.io``, ``registry.k8s.io`` (no credential needed) or ``registry-1.docker.io``,
            ``ghcr.io``, ``registry.gitlab.com``, ``<name>.azurecr.io`` (a credential needed).
            Default: ``public.ecr.aws`` (Amazon ECR Public, where the Lambda base images are).
        :param ecr_repository_prefix: The first part of the cached repositories' names.
            Default: ``ecr-public``.
        :param credential_arn: A Secrets Manager secret whose name starts with
            ``ecr-pullthroughcache/``, for an upstream that needs one. Default: none.
        :param encryption_key: The KMS key of the cached repositories. Default: the AWS managed
            key of ECR.
        """
        super().__init__(scope, id)
        problems = Problems()
        kind = check_cache_rule(
            problems,
            upstream_registry_url=upstream_registry_url,
            ecr_repository_prefix=ecr_repository_prefix,
            credential_arn=credential_arn,
        )
        # One rule (and one creation template) per prefix and registry.
        claim = RegistryClaim(self, f"PullThroughCache[{ecr_repository_prefix}]", problems)
        problems.raise_if_any(f"PullThroughCache {self.node.path}")
        claim.commit()
        self.upstream_registry_url = upstream_registry_url
        self.ecr_repository_prefix = ecr_repository_prefix
        self.resource = ecr.CfnPullThroughCacheRule(
            self,
            "Resource",
            ecr_repository_prefix=ecr_repository_prefix,
            upstream_registry=kind,
            upstream_registry_url=upstream_registry_url,
            credential_arn=credential_arn,
        )
        self.template = ecr.CfnRepositoryCreationTemplate(
            self,
            "Template",
            prefix=ecr_repository_prefix,
            applied_for=["PULL_THROUGH_CACHE"],
            description=f"Repositories of the pull-through cache of {upstream_registry_url}",
            encryption_configuration=ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                encryption_type="KMS", kms_key=encryption_key.key_arn if encryption_key else None
            ),
            image_tag_mutability="MUTABLE",
        )

    @property
    def registry_prefix(self) -> str:
        """``<account>.dkr.ecr.<region>.<url suffix>/<prefix>``: what replaces the upstream
        registry in an image name (a token until deploy where the stack's account is)."""
        stack = Stack.of(self)
        registry = f"{stack.account}.dkr.ecr.{stack.region}.{stack.url_suffix}"
        return f"{registry}/{self.ecr_repository_prefix}"

    def cached_image(self, image: str) -> str:
        """The name through the cache of ``image`` (``public.ecr.aws/lambda/python:3.12`` ->
        ``<registry_prefix>/lambda/python:3.12``)."""
        registry, _, rest = image.partition("/")
        if registry != self.upstream_registry_url or not rest:
            raise ValueError(f"{image!r} is not an image of {self.upstream_registry_url}")
        return f"{self.registry_prefix}/{rest}"

    def grant_pull_through(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (what builds the images) pull through the cache: read the cached
        repositories, and on a first pull create one and import the upstream image."""
        stack = Stack.of(self)
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(PULL_THROUGH_ACTIONS),
            resource_arns=[
                stack.format_arn(
                    service="ecr",
                    resource="repository",
                    resource_name=f"{self.ecr_repository_prefix}/*",
                )
            ],
        )


def check_cache_rule(
    problems: Problems,
    *,
    upstream_registry_url: str,
    ecr_repository_prefix: str,
    credential_arn: str | None,
    where: str = "",
) -> str | None:
    """Check one pull-through cache rule's settings (field names prefixed with ``where``);
    returns ECR's name of the upstream."""
    kind = upstream_kind(upstream_registry_url) if isinstance(upstream_registry_url, str) else None
    if kind is None:
        problems.add(
            f"{where}upstream_registry_url",
            upstream_registry_url,
            "must be a registry ECR caches: " + ", ".join(UPSTREAMS) + ", <name>.azurecr.io",
        )
    low, high = PREFIX_LENGTH
    if not is_unresolved(ecr_repository_prefix) and (
        not isinstance(ecr_repository_prefix, str)
        or not PREFIX.fullmatch(ecr_repository_prefix)
        or not low <= len(ecr_repository_prefix) <= high
    ):
        problems.add(
            f"{where}ecr_repository_prefix",
            ecr_repository_prefix,
            f"must be {low} to {high} lowercase letters, digits, '.', '_', '-' in '/'-separated"
            " parts",
        )
    needs = kind is not None and kind[1]
    if credential_arn is None and needs:
        problems.add(
            f"{where}credential_arn",
            None,
            f"is required for {upstream_registry_url}: the ARN of a Secrets Manager secret named"
            " ecr-pullthroughcache/... holding its credentials",
        )
    elif credential_arn is not None and kind is not None and not needs:
        problems.add(
            f"{where}credential_arn",
            credential_arn,
            f"must be left out for {upstream_registry_url}, which needs no credentials",
        )
    elif (
        credential_arn is not None
        and not is_unresolved(credential_arn)
        and (not isinstance(credential_arn, str) or not CREDENTIAL_ARN.fullmatch(credential_arn))
    ):
        problems.add(
            f"{where}credential_arn",
            credential_arn,
            "must be a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/",
        )
    return kind[0] if kind else None
