"""Dockerfiles and image options that would build an image Lambda cannot run, or that a build
cannot take, each one our error at synth; and valid ones that must not be refused (a byte-order
mark, a token as an environment key). Each row of ``DOCKERFILES`` is one bad input (counted
in docs/bad-input.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsii
import pytest
from aws_cdk import App, Environment, IStableStringProducer, Lazy, Stack
from aws_cdk.assertions import Annotations as Found
from aws_cdk.assertions import Match

from lambda_image_constructs import (
    ImageFunction,
    ImageSource,
    LambdaImage,
    LambdaImageValidationError,
    image_publishing_synthesizer,
)

from .cdk_harness import IMAGE_URI

ENV = Environment(account="111111111111", region="us-east-1")
RIC_BASE = "FROM python:3.12-slim\nRUN pip install awslambdaric\n"
RUN_RIC = 'ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]\nCMD ["app.handler"]\n'


def image(dockerfile: str, architecture: str = "arm64", **options: Any) -> Callable[[Path], Any]:
    def build(folder: Path) -> Any:
        (folder / "Dockerfile").write_text(dockerfile)
        stack = Stack(App(), "Images", env=ENV)
        return LambdaImage(stack, "Image", directory=folder, architecture=architecture, **options)

    return build


def outside_context(folder: Path) -> Any:
    context = folder / "context"
    context.mkdir()
    (folder / "Dockerfile").write_text(RIC_BASE + RUN_RIC)
    stack = Stack(App(), "Images", env=ENV)
    return LambdaImage(
        stack, "Image", directory=context, architecture="arm64", file="../Dockerfile"
    )


def synthesizer(**options: Any) -> Callable[[Path], Any]:
    return lambda folder: image_publishing_synthesizer(**options)


# (case id, builder given an empty folder, the field the error names, text it shows)
DOCKERFILES: list[tuple[str, Callable[[Path], Any], str, str]] = [
    ("x86_64 tag for arm64", image("FROM public.ecr.aws/lambda/python:3.12-x86_64\n"),
     "Dockerfile line 1 [LambdaImage-Platform]", "another architecture"),
    ("amd64 tag for arm64", image("FROM example/base:1.0-amd64\n" + RUN_RIC),
     "Dockerfile line 1 [LambdaImage-Platform]", "'1.0-amd64'"),
    ("arm64 tag for x86_64", image("FROM public.ecr.aws/lambda/python:3.12-arm64\n", "x86_64"),
     "Dockerfile line 1 [LambdaImage-Platform]", "another architecture"),
    ("aarch64 tag for x86_64", image("FROM example/base:aarch64\n" + RUN_RIC, "x86_64"),
     "Dockerfile line 1 [LambdaImage-Platform]", "'aarch64'"),
    ("BUILDPLATFORM in the final stage",
     image("FROM --platform=$BUILDPLATFORM public.ecr.aws/lambda/python:3.12\n"),
     "Dockerfile line 1 [LambdaImage-Platform]", "$BUILDPLATFORM"),
    ("BUILDPLATFORM in a stage the final one builds on",
     image("FROM --platform=${BUILDPLATFORM} public.ecr.aws/lambda/python:3.12 AS base\n"
           "FROM base\n"), "Dockerfile line 1 [LambdaImage-Platform]", "BUILDPLATFORM"),
    ("runtime interface client only echoed",
     image("FROM python:3.12-slim\nRUN echo awslambdaric\n" + RUN_RIC.replace(
         "awslambdaric", "app")), "Dockerfile line 1 [LambdaImage-RuntimeInterfaceClient]",
     "python:3.12-slim"),
    ("runtime interface client printed after &&",
     image("FROM python:3.12-slim\nRUN true && printf awslambdaric\n"
           'CMD ["/usr/local/bin/python", "app.py"]\n'),
     "Dockerfile line 1 [LambdaImage-RuntimeInterfaceClient]", "python:3.12-slim"),
    ("runtime interface client in a label",
     image('FROM python:3.12-slim\nLABEL note="awslambdaric"\n'
           'CMD ["/usr/local/bin/python", "app.py"]\n'),
     "Dockerfile line 1 [LambdaImage-RuntimeInterfaceClient]", "python:3.12-slim"),
    ("Dockerfile outside its build context", outside_context, "file", "'../Dockerfile'"),
    ("build argument past one command-line argument",
     image(RIC_BASE + RUN_RIC, build_args={"BIG": "x" * 200_000}), "build_args['BIG']",
     "200,004 bytes"),
    ("build arguments past the command line",
     image(RIC_BASE + RUN_RIC, build_args={f"A{i}": "x" * 100_000 for i in range(12)}),
     "build_args", "bytes"),
    ("qualifier with capitals", synthesizer(repository_name="a/b", qualifier="HNB659FDS"),
     "qualifier", "'HNB659FDS'"),
    ("qualifier too long", synthesizer(repository_name="a/b", qualifier="abcdefghijk"),
     "qualifier", "'abcdefghijk'"),
    ("qualifier a number", synthesizer(repository_name="a/b", qualifier=5), "qualifier", "5"),
    ("synthesizer repository name", synthesizer(repository_name="Platform/X"),
     "repository_name", "'Platform/X'"),
    ("synthesizer repository name empty", synthesizer(repository_name=""), "repository_name",
     "''"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "field", "shown"),
    [case[1:] for case in DOCKERFILES],
    ids=[case[0] for case in DOCKERFILES],
)
def test_a_dockerfile_lambda_cannot_run_is_our_error(
    build: Callable[[Path], Any], field: str, shown: str, tmp_path: Path
) -> None:
    with pytest.raises(LambdaImageValidationError) as error:
        build(tmp_path)
    problem = next((p for p in error.value.problems if p.field == field), None)
    assert problem is not None, str(error.value)
    assert shown in str(problem), str(problem)


@pytest.mark.parametrize(
    "dockerfile",
    [
        "\ufeff" + RIC_BASE + RUN_RIC,  # a byte-order mark, as some editors write
        "FROM public.ecr.aws/lambda/python:3.12-arm64\n",  # the arm64 tag, for arm64
        "FROM --platform=$TARGETPLATFORM public.ecr.aws/lambda/python:3.12\n",
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\n"  # a build stage may: it does
        "FROM public.ecr.aws/lambda/provided:al2023\n"  # not run in Lambda
        "COPY --from=build /bootstrap /var/runtime/bootstrap\n",
        'FROM python:3.12-slim\nRUN echo start && pip install awslambdaric\nCMD ["app.handler"]\n'
        'ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]\n',
    ],
    ids=["BOM", "own architecture's tag", "TARGETPLATFORM", "build stage", "echo then install"],
)
def test_a_valid_dockerfile_is_accepted(dockerfile: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    stack = Stack(App(), "Images", env=ENV)
    LambdaImage(stack, "Image", directory=tmp_path, architecture="arm64")


@jsii.implements(IStableStringProducer)
class Producer:
    def produce(self) -> str:
        return "GREETING"


def test_a_token_as_environment_key_is_accepted_with_a_warning() -> None:
    stack = Stack(App(), "Functions", env=Environment(account="222222222222", region="us-east-1"))
    # A key CloudFormation can hold is one that resolves to text at synth (a Lazy value): what
    # aws-cdk-lib accepts; its value is not known when the construct checks it.
    key = Lazy.string(Producer())
    ImageFunction(
        stack, "Fn", image=ImageSource.from_image_uri(IMAGE_URI), architecture="arm64",
        environment={key: "value"},
    )  # fmt: skip
    Found.from_stack(stack).has_warning("*", Match.string_like_regexp("environment"))
