"""Retention that never deletes a running image: no lifecycle rule of ours expires an image
that an ImageFunction of the same app may run, whatever the tag settings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from lambda_image_constructs import ImageFunction, ImageSource, LambdaImageRepository

from .cdk_harness import CONSUMER_A, CONSUMER_ENV, DIGEST, IMAGE_ACCOUNT, template_of

IMAGES = Environment(account=IMAGE_ACCOUNT, region="us-east-1")


def lifecycle_rules(stack: Stack) -> list[dict[str, Any]]:
    [repository] = [
        r for r in template_of(stack)["Resources"].values() if r["Type"] == "AWS::ECR::Repository"
    ]
    policy = repository["Properties"].get("LifecyclePolicy")
    return json.loads(policy["LifecyclePolicyText"])["rules"] if policy else []


def repository_used(reference: str | None, **options: Any) -> Stack:
    app = App()
    images = Stack(app, "Images", env=IMAGES)
    repository = LambdaImageRepository(
        images, "Repo", repository_name="team/app", consumer_accounts=[CONSUMER_A], **options
    )
    if reference is not None:
        functions = Stack(app, "Functions", env=CONSUMER_ENV)
        ImageFunction(
            functions,
            "Fn",
            image=ImageSource.from_repository(repository, reference),
            architecture="arm64",
        )
    return images


@pytest.mark.parametrize(
    ("reference", "options", "expires_untagged"),
    [
        (None, {}, True),  # no function runs its images
        ("v1", {}, True),  # immutable tags: a tagged image never becomes untagged
        (DIGEST, {}, False),  # a digest may name an untagged image
        ("v1", {"immutable_tags": False}, False),  # moving v1 untags the image running
        ("v1", {"mutable_tag_patterns": ["v*"]}, False),  # so does moving an excluded tag
        (DIGEST, {"immutable_tags": False}, False),
    ],
)
def test_untagged_images_are_expired_only_when_no_function_may_run_one(
    reference: str | None, options: dict[str, Any], expires_untagged: bool
) -> None:
    rules = lifecycle_rules(repository_used(reference, **options))
    expiring = [r for r in rules if r["action"]["type"] == "expire"]
    assert bool(expiring) is expires_untagged
    # whatever else is expired is untagged: a tagged image is never expired by us
    assert all(r["selection"]["tagStatus"] == "untagged" for r in expiring)


def test_archiving_by_last_pull_applies_only_to_images_no_function_here_runs() -> None:
    unused = lifecycle_rules(repository_used(None, archive_unpulled_after_days=90))
    [archive] = [r for r in unused if r["action"]["type"] == "transition"]
    assert archive["selection"] == {
        "tagStatus": "any",
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 90,
    }
    assert archive["action"]["targetStorageClass"] == "archive"
    used = lifecycle_rules(repository_used("v1", archive_unpulled_after_days=90))
    assert [r["action"]["type"] for r in used] == ["expire"]
