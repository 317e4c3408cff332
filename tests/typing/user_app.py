"""Checked by mypy --strict (``make typecheck``), never run: how a user's app reads to the type
checker. Each ``type: ignore[...]`` below marks a mistake that mypy must catch; strict mode's
``warn_unused_ignores`` fails the check if one is no longer caught (a type grew too loose)."""

from aws_cdk import App, Duration, Size, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from lambda_image_constructs import ImageFunction, ImageSource

app = App()
stack = Stack(app, "Functions")
image = ImageSource.from_image_uri("111111111111.dkr.ecr.us-east-1.amazonaws.com/repo:tag")

fn = ImageFunction(
    stack,
    "Fn",
    image=image,
    architecture="arm64",
    timeout=Duration.seconds(30),
    ephemeral_storage_size=Size.mebibytes(1024),
    logging_format=lambda_.LoggingFormat.JSON,
)
function: lambda_.Function = fn  # an ImageFunction is an aws_lambda.Function
s3.Bucket(stack, "Reports").grant_read(fn)
fn.add_alias("live")

ImageFunction(stack, "Typo", image=image, architecture="arm65")  # type: ignore[arg-type]
ImageFunction(stack, "Text", image=image, timeout="30")  # type: ignore[arg-type]
ImageFunction(stack, "Layers", image=image, layers=["layer"])  # type: ignore[call-arg]
