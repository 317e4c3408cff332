"""Images in every Region where they run: one build published into a repository of each
Region, and each function running the copy of its own Region."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack

from lambda_image_constructs import (
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageRepository,
    LambdaImageValidationError,
    image_publishing_synthesizer,
)

from .cdk_harness import CONSUMER_A, IMAGE_ACCOUNT, PROJECT_ROOT, template_of

SAMPLE = PROJECT_ROOT / "samples" / "debian-ric"
NAME = "platform/images"


def regional_images(app: App, regions: list[str]) -> list[LambdaImage]:
    images = []
    for region in regions:
        env = Environment(account=IMAGE_ACCOUNT, region=region)
        repository = LambdaImageRepository(
            Stack(app, f"Repos-{region}", env=env),
            "Repo",
            repository_name=NAME,
            consumer_accounts=[CONSUMER_A],
        )
        repository.allow_cdk_asset_publishing()
        stack = Stack(
            app, f"Images-{region}", env=env, synthesizer=image_publishing_synthesizer(NAME)
        )
        images.append(
            LambdaImage(
                stack, "Image", directory=SAMPLE, architecture="arm64", repository=repository
            )
        )
    return images


def test_each_function_runs_the_copy_of_its_own_region() -> None:
    app = App()
    images = regional_images(app, ["us-east-1", "eu-west-1"])
    source = ImageSource.from_regional_assets(images)
    stacks = {
        region: Stack(app, f"Fns-{region}", env=Environment(account=CONSUMER_A, region=region))
        for region in ("us-east-1", "eu-west-1")
    }
    for stack in stacks.values():
        ImageFunction(stack, "Fn", image=source)
    uris = {
        region: next(
            r["Properties"]["Code"]["ImageUri"]
            for r in template_of(stack)["Resources"].values()
            if r["Type"] == "AWS::Lambda::Function"
        )
        for region, stack in stacks.items()
    }
    assert uris["us-east-1"].startswith(f"{IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{NAME}:")
    assert uris["eu-west-1"].startswith(f"{IMAGE_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{NAME}:")
    # one build: the same content hash in both Regions
    assert uris["us-east-1"].split(":")[-1] == uris["eu-west-1"].split(":")[-1]


def test_a_function_in_a_region_without_a_copy_is_told_how_to_add_one() -> None:
    app = App()
    source = ImageSource.from_regional_assets(regional_images(app, ["us-east-1", "eu-west-1"]))
    stack = Stack(app, "Fns", env=Environment(account=CONSUMER_A, region="ap-south-1"))
    with pytest.raises(LambdaImageValidationError) as error:
        ImageFunction(stack, "Fn", image=source)
    [problem] = error.value.problems
    assert problem.field == "image"
    assert "published in ['eu-west-1', 'us-east-1']" in str(problem)
    assert "repositories[].regions" in problem.accepted


def test_a_repository_with_regions_copies_itself_and_its_images_there() -> None:
    app = App()
    home = Environment(account=IMAGE_ACCOUNT, region="us-east-1")
    repository = LambdaImageRepository(
        Stack(app, "Repositories", env=home),
        "Repo",
        repository_name=NAME,
        consumer_accounts=[CONSUMER_A],
        regions=["eu-west-1"],
    )
    repository.allow_cdk_asset_publishing()
    repository.add_consumer_account("555555555555")  # reaches the copy too
    images = Stack(app, "Images", env=home, synthesizer=image_publishing_synthesizer(NAME))
    image = LambdaImage(
        images, "Image", directory=SAMPLE, architecture="arm64", repository=repository
    )
    functions = Stack(app, "Fns", env=Environment(account=CONSUMER_A, region="eu-west-1"))
    ImageFunction(functions, "Fn", image=ImageSource.from_asset(image))
    copy = repository.in_region("eu-west-1")
    assert copy.consumer_account_ids == (CONSUMER_A, "555555555555")
    [repo_template] = [
        r
        for r in template_of(Stack.of(copy))["Resources"].values()
        if r["Type"] == "AWS::ECR::Repository"
    ]
    policy = str(repo_template["Properties"]["RepositoryPolicyText"])
    assert "arn:aws:lambda:eu-west-1:555555555555:function:*" in policy
    assert "CdkImageAssetPublishing" in policy
    assert Stack.of(image.regional_copies["eu-west-1"]).node.id == "Images-eu-west-1"
    [function] = [
        r
        for r in template_of(functions)["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert function["Properties"]["Code"]["ImageUri"].startswith(
        f"{IMAGE_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{NAME}:"
    )


def test_regions_are_checked() -> None:
    stack = Stack(App(), "Repos", env=Environment(account=IMAGE_ACCOUNT, region="us-east-1"))
    with pytest.raises(LambdaImageValidationError) as error:
        LambdaImageRepository(stack, "Repo", regions=["eu-west-1", "EU", "eu-west-1"])
    assert [p.field for p in error.value.problems] == ["regions[1]", "regions[2]"]
