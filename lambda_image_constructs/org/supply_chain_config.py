"""The image account's supply-chain settings in the configuration: ECR managed signing
(``imageAccount.signing``) and pull-through caches (``imageAccount.pullThroughCaches``), each
value held to the same check as the construct's argument."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictStr, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ..errors import Problems
from ..limits import SIGNING_REPOSITORY_FILTERS_PER_RULE as REPOSITORY_FILTERS_PER_RULE
from ..pull_through_cache import DEFAULT_PREFIX, DEFAULT_UPSTREAM, check_cache_rule
from ..registry_settings import check_repository_filters
from ..signing import check_signing_profile_arn
from ..snapstart import check_snap_start_image, check_snap_start_region
from .config.models import AccountEnvironment, _Section, with_defaults
from .config.values import checked


def _filters(problems: Problems, field: str, value: Any) -> None:
    check_repository_filters(problems, field, value, at_most=REPOSITORY_FILTERS_PER_RULE)


class SigningSpec(_Section):
    """ECR managed signing of the image account's registry in each Region its repositories are
    in (RegistrySigning): every image pushed is signed with an AWS Signer profile."""

    signing_profile_arn: (
        Annotated[StrictStr, checked(check_signing_profile_arn, "signing_profile_arn")] | None
    ) = None
    """An AWS Signer profile (Notation-OCI-SHA384-ECDSA) of the image Region, only when no
    repository lists more regions; default: a new profile in each Region, retained."""
    repository_filters: Annotated[tuple[StrictStr, ...], checked(_filters)] = ("*",)
    """Repository names whose images are signed, '*' for any characters; default: all."""


class PullThroughCacheSpec(_Section):
    """An ECR pull-through cache rule of the image account's Region (PullThroughCache): base
    images are pulled as <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>:<tag>."""

    upstream_registry_url: StrictStr = DEFAULT_UPSTREAM
    """The registry cached: public.ecr.aws (default), quay.io, registry.k8s.io need no
    credential; registry-1.docker.io, ghcr.io, registry.gitlab.com, <name>.azurecr.io do."""
    ecr_repository_prefix: StrictStr = DEFAULT_PREFIX
    """The first part of the cached repositories' names; default ecr-public."""
    credential_arn: StrictStr | None = None
    """A Secrets Manager secret named ecr-pullthroughcache/..., for an upstream that needs one."""

    @model_validator(mode="after")
    def _check(self) -> PullThroughCacheSpec:
        problems = Problems()
        check_cache_rule(
            problems,
            upstream_registry_url=self.upstream_registry_url,
            ecr_repository_prefix=self.ecr_repository_prefix,
            credential_arn=self.credential_arn,
        )
        if problems:
            found = [(f".{to_camel(p.field)}", p.value, p.accepted) for p in problems]
            raise PydanticCustomError(
                "lambda_image",
                "{accepted}",
                {"accepted": "; ".join(p.accepted for p in problems), "problems": found},
            )
        return self


class ImageAccountSpec(AccountEnvironment):
    """The shared image account: its account and Region, and the registry settings made there."""

    signing: SigningSpec | Literal[False] = Field(default_factory=SigningSpec)
    """ECR managed signing (on by default; false turns it off, and functions of other accounts
    running its images are then flagged by LambdaContainerImage-CrossAccountImageSigned)."""
    pull_through_caches: tuple[PullThroughCacheSpec, ...] = ()
    """Pull-through cache rules, for builds to pull base images through the account's ECR."""


def cross_check_supply_chain(problems: Problems, document: Mapping[str, Any]) -> None:
    """What relates the settings to the rest of the document: a given Signer profile is of one
    Region, so it cannot sign for repositories published to more; cache prefixes are unique."""
    image_account = document.get("imageAccount")
    if not isinstance(image_account, Mapping):
        return
    _cross_check_snap_start(problems, document, image_account)
    signing = image_account.get("signing")
    repositories = document.get("repositories")
    regions = sorted(
        {
            region
            for repository in (repositories if isinstance(repositories, list) else [])
            if isinstance(repository, Mapping) and isinstance(repository.get("regions"), list)
            for region in repository["regions"]
            if isinstance(region, str)
        }
    )
    if isinstance(signing, Mapping) and signing.get("signingProfileArn") and regions:
        problems.add(
            "imageAccount.signing.signingProfileArn",
            signing["signingProfileArn"],
            f"must be left out when repositories are published to more Regions ({regions}):"
            " a Signer profile signs in its own Region only; each Region gets a profile",
        )
    caches = image_account.get("pullThroughCaches")
    seen: dict[str, int] = {}
    for index, cache in enumerate(caches if isinstance(caches, list) else []):
        prefix = (
            cache.get("ecrRepositoryPrefix", DEFAULT_PREFIX) if isinstance(cache, Mapping) else None
        )
        if isinstance(prefix, str) and prefix in seen:
            problems.add(
                f"imageAccount.pullThroughCaches[{index}].ecrRepositoryPrefix",
                prefix,
                f"must be unique; pullThroughCaches[{seen[prefix]}] has it too",
            )
        if isinstance(prefix, str):
            seen.setdefault(prefix, index)


def _items(holder: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    found = holder.get(key)
    return [i for i in (found if isinstance(found, list) else []) if isinstance(i, Mapping)]


def _cross_check_snap_start(
    problems: Problems, document: Mapping[str, Any], image_account: Mapping[str, Any]
) -> None:
    """A function with SnapStart (its own snapStart, else its account's functionDefaults) has a
    published version to snapshot (an alias), a Region that offers SnapStart, and an image
    that Lambda can snapshot."""
    images = {i["name"]: i for i in _items(document, "images") if isinstance(i.get("name"), str)}
    image_problems: dict[str, Problems] = {}
    for index, consumer in enumerate(_items(document, "consumerAccounts")):
        defaults = consumer.get("functionDefaults")
        defaults = defaults if isinstance(defaults, Mapping) else {}
        region = consumer.get("region", image_account.get("region"))
        for position, function in enumerate(_items(consumer, "functions")):
            settings = with_defaults(function, defaults)
            if settings.get("snapStart") is not True:
                continue
            path = f"consumerAccounts[{index}].functions[{position}].snapStart"
            if settings.get("alias") is None and settings.get("deployment") is None:
                problems.add(
                    path,
                    True,
                    "needs an alias (or a deployment): Lambda applies SnapStart to published"
                    " versions only, never $LATEST",
                )
            check_snap_start_region(problems, path, region if isinstance(region, str) else None)
            named = function.get("image")
            image = images.get(named) if isinstance(named, str) else None
            if image is None or not isinstance(image.get("directory"), str):
                continue  # the rest of the document's checks report it
            name = str(image.get("name"))
            if name not in image_problems:
                image_problems[name] = _image_problems(image)
            for problem in image_problems[name]:
                problems.add(path, problem.value, problem.accepted)


def _image_problems(image: Mapping[str, Any]) -> Problems:
    found = Problems()
    dockerfile = Path(image["directory"]) / str(image.get("file") or "Dockerfile")
    try:
        text = dockerfile.read_text()
    except OSError:
        return found  # the image's own checks say the Dockerfile is missing
    build_args = image.get("buildArgs")
    check_snap_start_image(
        found,
        "snapStart",
        text,
        build_args=build_args if isinstance(build_args, Mapping) else None,
        target=image.get("target") if isinstance(image.get("target"), str) else None,
    )
    return found
