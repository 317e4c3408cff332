"""One ``Stage`` per account and Region: the image account, and each consumer account."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Environment, Stage
from constructs import Construct

from lambda_image_constructs import LambdaImage, LambdaImageRepository
from lambda_image_constructs.compliance import write_acknowledgements_into_templates

from .config import AppConfig, ConsumerAccountSpec
from .image_function_stack import ImageFunctionStack
from .image_repository_stack import ImageRepositoryStack
from .image_stack import ImageStack


def stack_id(name: str) -> str:
    """A construct/stack ID from a repository or account name (``platform/x`` -> ``platform-x``)."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-")


class ImageAccountStage(Stage):
    """The shared image account: its repositories (unless given, as a pipeline does) and, per
    repository, a stack of images published into it."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: AppConfig,
        repositories: Mapping[str, LambdaImageRepository] | None = None,
        **kwargs: Any,
    ) -> None:
        env = Environment(account=config.image_account.account, region=config.image_account.region)
        super().__init__(scope, id, env=env, **kwargs)
        write_acknowledgements_into_templates(self)
        if repositories is None:
            repositories = ImageRepositoryStack(
                self,
                "Repositories",
                env=env,
                repositories=config.repositories,
                consumer_account_ids={
                    c.name: c.environment.account for c in config.consumer_accounts
                },
                description="ECR repositories for Lambda images (lambda-image-constructs)",
            ).repositories
        self.images: dict[str, LambdaImage] = {}
        for repository in config.repositories:
            specs = [i for i in config.images if i.repository == repository.name]
            if specs:
                stack = ImageStack(
                    self,
                    f"Images-{stack_id(repository.name)}",
                    env=env,
                    repository=repositories[repository.name],
                    images=specs,
                    description=f"Lambda container images of {repository.name}",
                )
                self.images.update(stack.images)


class ConsumerAccountStage(Stage):
    """One consumer account: its functions, running images of the image account."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        consumer: ConsumerAccountSpec,
        images: Mapping[str, LambdaImage],
        **kwargs: Any,
    ) -> None:
        env = Environment(account=consumer.environment.account, region=consumer.environment.region)
        super().__init__(scope, id, env=env, **kwargs)
        write_acknowledgements_into_templates(self)
        self.functions = ImageFunctionStack(
            self,
            "Functions",
            env=env,
            functions=consumer.functions,
            images=images,
            description=f"Lambda functions of consumer account {consumer.name}",
        )
