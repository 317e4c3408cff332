#!/usr/bin/env python3
"""The example app: wires configuration from cdk.json context to stacks.

The account IDs in cdk.json (111111111111, 222222222222, ...) are placeholders so that the app
synthesizes with no AWS account and no credentials. Override them for a real deployment, e.g.
``cdk synth -c lambda-image-constructs:example='{"imageAccount": "...", ...}'`` or by editing
cdk.json.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Environment

from stacks import ImageRepositoryStack

EXAMPLE_CONTEXT_KEY = "lambda-image-constructs:example"


def build_app(app: App) -> App:
    example: dict[str, Any] = app.node.try_get_context(EXAMPLE_CONTEXT_KEY) or {}
    region = example["region"]
    ImageRepositoryStack(
        app,
        "LambdaImageRepository",
        env=Environment(account=example["imageAccount"], region=region),
        repository_name=example["repositoryName"],
        consumer_accounts=example["consumerAccounts"],
        description="Shared ECR repository for Lambda container images (lambda-image-constructs)",
    )
    return app


if __name__ == "__main__":
    build_app(App()).synth()
