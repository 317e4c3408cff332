"""SnapStart for container images, as AWS documents it: which images Lambda can snapshot, where,
and what the configuration refuses at synth. Pure Python: no jsii."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from lambda_image_constructs.dockerfile_checks import through_pull_through_cache
from lambda_image_constructs.errors import LambdaImageValidationError
from lambda_image_constructs.org.config import parse_config
from lambda_image_constructs.snapstart import SNAPSTART_DOC, SNAPSTART_IMAGES_DOC, snap_start_ready

from .cdk_harness import PROJECT_ROOT

LABEL = "com.amazonaws.lambda.feature.snapstart"


@pytest.mark.parametrize(
    ("dockerfile", "ready"),
    [
        ("FROM public.ecr.aws/lambda/python:3.12\nCMD [\"app.handler\"]", True),
        ("FROM public.ecr.aws/lambda/python:3.13", True),
        ("FROM public.ecr.aws/lambda/java:21", True),
        ("FROM public.ecr.aws/lambda/dotnet:8", True),
        ("FROM public.ecr.aws/lambda/python:3.11", False),  # before 3.12
        ("FROM public.ecr.aws/lambda/java:8.al2", False),
        ("FROM public.ecr.aws/lambda/nodejs:22", False),  # needs the label or the hooks
        ("FROM public.ecr.aws/lambda/provided:al2023", False),
        ("FROM debian:bookworm", False),
        (f'FROM public.ecr.aws/lambda/nodejs:22\nLABEL {LABEL}="Allow"', True),
        (f"FROM debian:bookworm\nLABEL a=b {LABEL}=Allow", True),
        (f'FROM debian:bookworm\nLABEL {LABEL}="Deny"', False),
        # the label in a stage the image is built FROM counts; one in another stage does not
        (f'FROM debian AS base\nLABEL {LABEL}="Allow"\nFROM base', True),
        (f'FROM debian AS build\nLABEL {LABEL}="Allow"\nFROM debian', False),
        # the base named by a build argument's default
        ("ARG BASE=public.ecr.aws/lambda/python:3.12\nFROM ${BASE}", True),
    ],
)  # fmt: skip
def test_which_images_lambda_can_snapshot(dockerfile: str, ready: bool) -> None:
    assert (snap_start_ready(dockerfile) is not None) is ready


def test_a_build_argument_and_a_target_are_followed() -> None:
    text = "ARG BASE\nFROM ${BASE} AS runtime\nFROM debian AS other"
    assert snap_start_ready(text, build_args={"BASE": "public.ecr.aws/lambda/java:17"}) is None
    assert (
        snap_start_ready(
            text, build_args={"BASE": "public.ecr.aws/lambda/java:17"}, target="runtime"
        )
        == "its base, public.ecr.aws/lambda/java:17, runs SnapStart's lifecycle"
    )


def example_config(**function: Any) -> dict[str, Any]:
    config = copy.deepcopy(
        __import__("json").loads((PROJECT_ROOT / "cdk.json").read_text())["context"][
            "lambda-image-constructs"
        ]
    )
    config["consumerAccounts"][0]["functions"][0].update(function)
    return config


def problems_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(LambdaImageValidationError) as error:
        parse_config(document, "test")
    return [(p.field, p.accepted) for p in error.value.problems]


def test_snap_start_on_an_image_lambda_cannot_snapshot_is_refused_citing_the_guide() -> None:
    # GIVEN the example app's greeter (debian-ric: its own base, no label) with SnapStart
    [(field, accepted)] = problems_of(example_config(snapStart=True))
    # THEN the configuration is refused, saying what would do and where AWS says so
    assert field == "consumerAccounts[0].functions[0].snapStart"
    assert 'LABEL com.amazonaws.lambda.feature.snapstart="Allow"' in accepted
    assert SNAPSTART_IMAGES_DOC in accepted


def test_snap_start_on_a_labelled_image_with_an_alias_is_accepted(tmp_path: Path) -> None:
    # GIVEN the sample with the label added
    context = tmp_path / "labelled"
    context.mkdir()
    source = (PROJECT_ROOT / "samples" / "debian-ric" / "Dockerfile").read_text()
    (context / "Dockerfile").write_text(
        source + '\nLABEL com.amazonaws.lambda.feature.snapstart="Allow"\n'
    )
    document = example_config(snapStart=True)
    document["images"][0]["directory"] = str(context)
    # THEN it parses, SnapStart on
    config = parse_config(document, "test")
    assert config.consumer_accounts[0].functions[0].snap_start is True


def test_snap_start_without_a_published_version_or_where_it_is_not_offered(tmp_path: Path) -> None:
    document = example_config(snapStart=True)
    document["images"][0]["directory"] = str(PROJECT_ROOT / "samples" / "python-aws-base")
    greeter = document["consumerAccounts"][0]["functions"][0]
    del greeter["alias"], greeter["deployment"]
    document["consumerAccounts"][0]["region"] = "ap-east-2"
    document["repositories"][0]["regions"].append("ap-east-2")
    found = problems_of(document)
    assert ("consumerAccounts[0].functions[0].snapStart") in {f for f, _ in found}
    messages = " | ".join(a for _, a in found)
    assert "Lambda applies SnapStart to published versions only" in messages
    assert "is not available in ap-east-2 (Asia Pacific (Taipei))" in messages
    assert SNAPSTART_DOC in messages


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("public.ecr.aws/lambda/python:3.12", "CACHE/ecr-public/lambda/python:3.12"),
        ("python:3.12-slim", "CACHE/docker-hub/library/python:3.12-slim"),
        ("docker.io/library/debian:bookworm", "CACHE/docker-hub/library/debian:bookworm"),
        ("quay.io/team/tool@sha256:ab", None),  # no cache for quay.io here
        ("localhost/lambda-images-base:1", None),
    ],
)
def test_base_images_through_the_pull_through_cache(image: str, expected: str | None) -> None:
    caches = {"public.ecr.aws": "CACHE/ecr-public", "registry-1.docker.io": "CACHE/docker-hub"}
    assert through_pull_through_cache(image, caches) == expected


# --- the same rules on ImageFunction ------------------------------------------------------------


def _function_with_snap_start(tmp_path: Path, dockerfile: str, region: str) -> None:
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_lambda as lambda_

    from lambda_image_constructs import ImageFunction, ImageSource, LambdaImage

    (tmp_path / "Dockerfile").write_text(dockerfile)
    stack = Stack(App(), "Functions", env=Environment(account="111111111111", region=region))
    image = LambdaImage(stack, "Image", directory=str(tmp_path), architecture="arm64")
    ImageFunction(
        stack,
        "Fn",
        image=ImageSource.from_asset(image),
        architecture="arm64",
        alias="live",
        snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
    )


def test_image_function_snap_start_where_offered_on_an_image_lambda_can_snapshot(
    tmp_path: Path,
) -> None:
    # GIVEN an image of Lambda's Python 3.12 base, in a Region that offers SnapStart: accepted
    _function_with_snap_start(
        tmp_path, 'FROM public.ecr.aws/lambda/python:3.12\nCMD ["app.handler"]', "eu-west-1"
    )
    # GIVEN Lambda's Node.js base, which runs no SnapStart lifecycle, unlabelled, in Taipei
    with pytest.raises(LambdaImageValidationError) as error:
        _function_with_snap_start(
            tmp_path, 'FROM public.ecr.aws/lambda/nodejs:22\nCMD ["app.handler"]', "ap-east-2"
        )
    # THEN both problems are named at snap_start, each citing the guide
    found = [(p.field, p.accepted) for p in error.value.problems]
    assert [f for f, _ in found] == ["snap_start", "snap_start"], found
    messages = " | ".join(a for _, a in found)
    assert "is not available in ap-east-2" in messages and SNAPSTART_DOC in messages
    assert SNAPSTART_IMAGES_DOC in messages
