"""The shared image account's repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from lambda_image_constructs import LambdaImageRepository

from .config import RepositorySpec


class ImageRepositories(Construct):
    """One ``LambdaImageRepository`` per configured repository, shared with its consumer
    accounts, and open to the CDK image-publishing role so image assets can land in it."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repositories: Sequence[RepositorySpec],
        consumer_account_ids: Mapping[str, str],
    ) -> None:
        super().__init__(scope, id)
        self.repositories: dict[str, LambdaImageRepository] = {}
        for spec in repositories:
            with spec.reported_here():
                repository = LambdaImageRepository(
                    self,
                    spec.name,
                    repository_name=spec.name,
                    consumer_accounts=[consumer_account_ids[c] for c in spec.consumers],
                    organization_id=spec.organization_id,
                )
            repository.allow_cdk_asset_publishing()
            self.repositories[spec.name] = repository


class ImageRepositoryStack(Stack):
    """The image account's repositories: deployed before any image is published into them."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repositories: Sequence[RepositorySpec],
        consumer_account_ids: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.repositories = ImageRepositories(
            self,
            "LambdaImages",
            repositories=repositories,
            consumer_account_ids=consumer_account_ids,
        ).repositories
