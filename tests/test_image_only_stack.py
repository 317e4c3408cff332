"""A stack of images alone synthesizes under cdk init's feature flags (issue 15).

An image is an asset, not a resource: without help such a stack's template has no Resources,
which CloudFormation refuses and aws-cdk-lib's CloudFormation validation (on under
``@aws-cdk/core:validateAgainstDefaultRules``, which ``cdk init`` writes) fails synth with.
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template

from lambda_image_constructs import LambdaImage, LambdaImageRepository, image_publishing_synthesizer

from .cdk_harness import IMAGE_ACCOUNT, PROJECT_ROOT, cdk_json_context, new_app

SAMPLE = str(PROJECT_ROOT / "samples" / "debian-ric")
ENV = Environment(account=IMAGE_ACCOUNT, region="us-east-1")


def image_stack(app: App, images: int) -> Stack:
    repository_stack = Stack(app, "Repositories", env=ENV)
    repository = LambdaImageRepository(
        repository_stack, "Images", repository_name="platform/lambda-images"
    )
    repository.allow_cdk_asset_publishing()
    stack = Stack(
        app,
        "Images",
        env=ENV,
        synthesizer=image_publishing_synthesizer("platform/lambda-images"),
    )
    for index in range(images):
        LambdaImage(
            stack,
            f"Image{index}",
            directory=SAMPLE,
            architecture="arm64",
            repository=repository,
            extra_hash=str(index),
        )
    return stack


def test_the_project_runs_with_the_flag_that_validates_templates() -> None:
    # Without this flag the empty template only fails at deploy time; the tests below would
    # then pass without the fix.
    assert cdk_json_context()["@aws-cdk/core:validateAgainstDefaultRules"] is True


def test_a_stack_of_images_alone_gets_one_resource_and_synthesizes() -> None:
    # GIVEN a stack holding two images and nothing else, with cdk.json's flags and the packs
    stack = image_stack(new_app(), images=2)
    # WHEN its template is read the way a user's test reads it
    resources = Template.from_stack(stack).to_json()["Resources"]
    # THEN it holds exactly one resource, which does nothing and needs no permission
    assert resources == {
        "ImageOnlyStackResource": {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    }


def test_a_stack_with_a_resource_of_its_own_gets_none() -> None:
    stack = image_stack(new_app(), images=1)
    ssm.StringParameter(stack, "Catalogue", string_value="x")
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert [r["Type"] for r in resources.values()] == ["AWS::SSM::Parameter"]
