#!/usr/bin/env python3
"""A platform app: images built in one account, run by functions in others (platform.yaml)."""

from aws_cdk import App

from lambda_image_constructs import run
from lambda_image_constructs.compliance import register_compliance_packs
from lambda_image_constructs.org import ConsumerAccountStage, ImageAccountStage, load_from_context


def build(app: App) -> None:
    register_compliance_packs(app)  # cdk-nag's packs and ours: a finding fails synth
    config = load_from_context(app.node.try_get_context)  # platform.yaml, or -c config=FILE
    images = ImageAccountStage(app, "ImageAccount", config=config)
    for consumer in config.consumer_accounts:
        ConsumerAccountStage(
            app, f"Consumer-{consumer.name}", consumer=consumer, images=images.regional_images
        )


run(build, context={"config": "platform.yaml"})  # bad input: our message alone, exit 1
