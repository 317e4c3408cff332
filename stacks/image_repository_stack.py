"""The shared image account's stack: the repository the consumer accounts' functions pull from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from lambda_image_constructs import ConsumerAccount, LambdaImageRepository


class ImageRepositoryStack(Stack):
    """One deployable unit in the image account: a ``LambdaImageRepository`` shared with the
    given consumer accounts."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository_name: str,
        consumer_accounts: Sequence[str | ConsumerAccount] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.image_repository = LambdaImageRepository(
            self,
            "LambdaImages",
            repository_name=repository_name,
            consumer_accounts=consumer_accounts,
        )
