#!/usr/bin/env python3
"""The app: wires one configuration to stages.

The configuration is the ``lambda-image-constructs`` block of cdk.json, or a YAML/JSON file
given with ``-c config=path``. Its account IDs (111111111111, 222222222222, ...) are
placeholders so that the app synthesizes with no AWS account and no credentials.

Without ``-c pipeline=true`` the app holds one Stage per account, deployed directly with
``cdk deploy``; with it, the app holds only the pipeline stack, which deploys the same stages.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aws_cdk import App

from lambda_image_constructs.compliance import register_compliance_packs
from lambda_image_constructs.errors import Problems
from lambda_image_constructs.org import (
    ConsumerAccountStage,
    ImageAccountStage,
    OrgWideFunctionsStage,
    build_pipelines,
    load_from_context,
)
from lambda_image_constructs.org.pipeline_stack import PIPELINE_CONTEXT_KEY
from lambda_image_constructs.org.stages import stack_id
from lambda_image_constructs.user_app import synthesize

PROJECT_ROOT = Path(__file__).resolve().parent


def pinned_cli_version() -> str:
    """The CDK CLI version package.json pins, so the pipeline runs the CLI we test with."""
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    return str(package["devDependencies"]["aws-cdk"])


def build_app(app: App) -> App:
    register_compliance_packs(app)
    config = load_from_context(app.node.try_get_context)
    if str(app.node.try_get_context(PIPELINE_CONTEXT_KEY)).lower() == "true":
        if config.pipeline is None:
            problems = Problems()
            problems.add("pipeline", None, "is required for -c pipeline=true")
            problems.raise_if_any(f"configuration {config.source}")
        build_pipelines(app, config, pinned_cli_version())
        return app
    images = ImageAccountStage(app, "ImageAccount", config=config)
    for consumer in config.consumer_accounts:
        ConsumerAccountStage(
            app,
            f"Consumer-{stack_id(consumer.name)}",
            consumer=consumer,
            images=images.regional_images,
            unsigned_images=config.image_account.signing is False,
        )
    for block in config.org_wide_functions:
        OrgWideFunctionsStage(
            app, f"OrgWide-{block.name}", config=config, block=block, images=images.regional_images
        )
    return app


def main() -> int:
    """Synthesize; invalid input is printed as our message alone (it already names every
    problem, so a traceback would only bury it), anything else keeps its traceback."""
    return synthesize(build_app)


if __name__ == "__main__":
    sys.exit(main())
