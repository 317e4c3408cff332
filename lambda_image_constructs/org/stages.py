"""One ``Stage`` per account and Region: the image account, and each consumer account."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Annotations, Environment, Stage, Validations
from constructs import Construct

from lambda_image_constructs import ImageSource, LambdaImage, LambdaImageRepository
from lambda_image_constructs.compliance import write_acknowledgements_into_templates
from lambda_image_constructs.errors import Problems
from lambda_image_constructs.option_types import check_construct, child_path
from lambda_image_constructs.pull_through_cache import pull_through_advice, registry_host
from lambda_image_constructs.validation import check_names_given

from .config import AppConfig, ConsumerAccountSpec, FunctionSpec, RepositorySpec
from .config.values import stack_id as stack_id
from .image_function_stack import ImageFunctionStack, check_images_given
from .image_repository_stack import ImageRepositoryStack
from .image_stack import ImageStack


class ImageAccountStage(Stage):
    """The shared image account: its repositories (unless given, as a pipeline does) and, per
    repository, a stack of images published into it; the same again in each more Region a
    repository lists (``repositories[].regions``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: AppConfig,
        repositories: Mapping[str, LambdaImageRepository] | None = None,
        regional_repositories: Mapping[str, Mapping[str, LambdaImageRepository]] | None = None,
        **kwargs: Any,
    ) -> None:
        """
        :param repositories: The image Region's repositories by name, when made elsewhere.
            Default: a ``Repositories`` stack of this stage.
        :param regional_repositories: The other Regions' repositories (Region -> name ->
            repository), when made elsewhere. Default: a ``Repositories-<Region>`` stack each.
        """
        options = {
            "config": config,
            "repositories": repositories,
            "regional_repositories": regional_repositories,
        }
        check_construct(ImageAccountStage, scope, id, {**options, **kwargs}, set_here=("env",))
        _check_repositories_given(
            child_path(scope, id), config, repositories, regional_repositories
        )
        home = config.image_account.region
        env = Environment(account=config.image_account.account, region=home)
        super().__init__(scope, id, env=env, **kwargs)
        write_acknowledgements_into_templates(self)
        consumer_ids = {c.name: c.environment.account for c in config.consumer_accounts}
        by_region: dict[str, Mapping[str, LambdaImageRepository]] = {}
        for region in [home, *regions_of(config)]:
            given = repositories if region == home else (regional_repositories or {}).get(region)
            if given is None:
                given = ImageRepositoryStack(
                    self,
                    "Repositories" if region == home else f"Repositories-{region}",
                    env=Environment(account=config.image_account.account, region=region),
                    repositories=repositories_in(config, region),
                    consumer_account_ids=consumer_ids,
                    image_account=config.image_account,
                    description="ECR repositories for Lambda images (lambda-image-constructs)",
                ).repositories
            by_region[region] = given
        self.images: dict[str, LambdaImage] = {}
        """The images of the image account's Region, by name."""
        self.regional_images: dict[str, list[LambdaImage]] = {}
        """Every Region's copy of each image, by name."""
        for region, held in by_region.items():
            for repository in repositories_in(config, region):
                specs = [i for i in config.images if i.repository == repository.name]
                if not specs:
                    continue
                suffix = "" if region == home else f"-{region}"
                stack = ImageStack(
                    self,
                    f"Images-{stack_id(repository.name)}{suffix}",
                    env=Environment(account=config.image_account.account, region=region),
                    repository=held[repository.name],
                    images=specs,
                    description=f"Lambda container images of {repository.name}"
                    + (f" in {region}" if suffix else ""),
                )
                if region == home:
                    self.images.update(stack.images)
                    advise_pull_through(config, stack.images)
                for name, image in stack.images.items():
                    self.regional_images.setdefault(name, []).append(image)


def _check_repositories_given(
    path: str,
    config: AppConfig,
    repositories: Mapping[str, LambdaImageRepository] | None,
    regional: Mapping[str, Mapping[str, LambdaImageRepository]] | None,
) -> None:
    """Repositories made elsewhere hold every repository the configuration publishes there."""
    problems = Problems()
    home = config.image_account.region
    for region in [home, *regions_of(config)]:
        given = repositories if region == home else (regional or {}).get(region)
        field = "repositories" if region == home else f"regional_repositories[{region!r}]"
        needed = {r.name: "the configuration" for r in repositories_in(config, region)}
        if given is not None:
            check_names_given(problems, field, given, needed)
    problems.raise_if_any(f"ImageAccountStage {path}")


def advise_pull_through(config: AppConfig, images: Mapping[str, LambdaImage]) -> None:
    """Say (as synth information) how an image would pull its base through the image
    account's pull-through caches, where one caches its registry."""
    account = config.image_account
    host = registry_host(account.account, account.region)
    caches = {
        c.upstream_registry_url: f"{host}/{c.ecr_repository_prefix}"
        for c in account.pull_through_caches
    }
    for image in images.values() if caches else ():
        advice = pull_through_advice(image.dockerfile_report.base_image, caches)
        if advice is not None:
            Annotations.of(image).add_info(advice)


def regions_of(config: AppConfig) -> list[str]:
    """The Regions other than the image account's where repositories are published."""
    return sorted({r for repository in config.repositories for r in repository.regions})


def repositories_in(config: AppConfig, region: str) -> list[RepositorySpec]:
    """The repositories published in ``region``, each granting pulls only to its consumers with
    a function in that Region running one of its images (Lambda pulls only in its own Region)."""
    return [
        r.model_copy(update={"consumers": consumers_in(config, r, region)})
        for r in config.repositories
        if region == config.image_account.region or region in r.regions
    ]


def consumers_in(config: AppConfig, repository: RepositorySpec, region: str) -> tuple[str, ...]:
    """The repository's consumers with a function in ``region`` running one of its images."""
    images = {i.name for i in config.images if i.repository == repository.name}
    running = {
        c.name
        for c in config.consumer_accounts
        if (c.region or config.image_account.region) == region
        and any(f.image in images for f in c.functions)
    }
    return tuple(c for c in repository.consumers if c in running)


def stack_of(function: FunctionSpec, stacks: int) -> str:
    """The functions stack a function belongs to: its own ``stack``, else one chosen by a hash
    of its name alone, so that adding or removing a function never moves another."""
    if function.stack is not None:
        return f"Functions-{function.stack}"
    bucket = int(hashlib.sha256(function.name.encode()).hexdigest(), 16) % stacks
    return "Functions" if bucket == 0 else f"Functions-{bucket + 1}"


# With imageAccount.signing: false, the functions of other accounts run unsigned images: true of
# every function of a consumer stage, said once on the stage (direct deploys and pipelines alike).
UNSIGNED_BY_CONFIGURATION = Acknowledgment(
    id="LambdaContainerImage-CrossAccountImageSigned",
    reason="The configuration turns ECR managed signing off (imageAccount.signing: false), so the"
    " image account's registry does not sign the images these functions run.",
)


class ConsumerAccountStage(Stage):
    """One consumer account: its functions, running images of the image account, spread over
    ``functionStacks`` stacks (``Functions``, ``Functions-2``, ...) by a hash of each function's
    name, or in the stack a function names. ``unsigned_images``: the image account does not
    sign its images (``imageAccount.signing: false``), acknowledged on the stage with that
    reason."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        consumer: ConsumerAccountSpec,
        images: Mapping[str, LambdaImage | Sequence[LambdaImage] | ImageSource],
        where: str = "",
        unsigned_images: bool = False,
        **kwargs: Any,
    ) -> None:
        """
        :param consumer: The consumer account of the configuration.
        :param images: The images by name: one ``LambdaImage``, its copies in several Regions
            (each function takes the one of its own Region), or an ``ImageSource``.
        :param where: The configuration path of the account, for errors.
            Default: ``consumerAccounts[<its name>]``.
        """
        given = {"consumer": consumer, "images": images, "where": where, **kwargs}
        check_construct(ConsumerAccountStage, scope, id, given, set_here=("env",))
        check_images_given(
            f"ConsumerAccountStage {child_path(scope, id)}", consumer.functions, images
        )
        env = Environment(account=consumer.environment.account, region=consumer.environment.region)
        super().__init__(scope, id, env=env, **kwargs)
        write_acknowledgements_into_templates(self)
        if unsigned_images:
            Validations.of(self).acknowledge(UNSIGNED_BY_CONFIGURATION)
        grouped: dict[str, list[FunctionSpec]] = {}
        for function in consumer.functions:
            grouped.setdefault(stack_of(function, consumer.function_stacks), []).append(function)
        self.stacks: dict[str, ImageFunctionStack] = {
            name: ImageFunctionStack(
                self,
                name,
                env=env,
                functions=functions,
                images=images,
                where=where or f"consumerAccounts[{consumer.name}]",
                description=f"Lambda functions of consumer account {consumer.name}",
            )
            for name, functions in sorted(grouped.items())
        }
        self.functions = self.stacks.get("Functions") or next(iter(self.stacks.values()))
        """The first functions stack (all of them: ``stacks``)."""
