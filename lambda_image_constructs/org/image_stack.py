"""The image account's images of one repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from lambda_image_constructs import LambdaImage, LambdaImageRepository, image_publishing_synthesizer
from lambda_image_constructs.option_types import check_construct

from .config import ImageSpec

PARAMETER_PREFIX = "/lambda-images"


class ImageStack(Stack):
    """Builds the images of one repository and publishes them into it (through its stack
    synthesizer, so one repository per stack).

    Each image's URI is also kept in an SSM parameter ``/lambda-images/<image>/uri`` of the
    image account: a catalogue for people and pipelines, and the template's resources (an image
    alone is an asset, and CloudFormation refuses a template without resources).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository: LambdaImageRepository,
        images: Sequence[ImageSpec],
        **kwargs: Any,
    ) -> None:
        given = {"repository": repository, "images": images, **kwargs}
        check_construct(ImageStack, scope, id, given, set_here=("synthesizer",))
        super().__init__(
            scope,
            id,
            synthesizer=image_publishing_synthesizer(repository.repository_name),
            **kwargs,
        )
        self.images: dict[str, LambdaImage] = {}
        for spec in images:
            with spec.reported_here():
                image = LambdaImage(
                    self,
                    spec.name,
                    directory=spec.directory,
                    architecture=spec.architecture,
                    repository=repository,
                    file=spec.file,
                    target=spec.target,
                    build_args=dict(spec.build_args) or None,
                )
            ssm.StringParameter(
                self,
                f"{spec.name}Uri",
                parameter_name=f"{PARAMETER_PREFIX}/{spec.name}/uri",
                string_value=image.image_uri,
                description=f"Image URI of {spec.name} ({image.platform})",
            )
            self.images[spec.name] = image
