"""CDK's asset metadata on a function whose image is a ``LambdaImage`` of this app, so that
AWS SAM CLI (``sam local invoke``, ``sam build``) finds its Dockerfile: ``aws:asset:path``,
``aws:asset:property`` (``Code.ImageUri``), ``aws:asset:dockerfile-path``,
``aws:asset:docker-build-args`` and the rest, as ``DockerImageAsset.add_resource_metadata``
writes them, when the context ``aws:cdk:enable-asset-metadata`` is on (the CDK CLI's default)."""

from __future__ import annotations

import os
import weakref

from aws_cdk import CfnResource, Stack, Stage

from ..image import LambdaImage
from .places import stack_of

# aws-cdk-lib's cx-api names (not exported to Python)
PATH_KEY = "aws:asset:path"
ENABLED_CONTEXT = "aws:cdk:enable-asset-metadata"

# Per image and per stack, asked once (each answer a round trip; every function of an image
# and of a stack asks the same).
_ENABLED: weakref.WeakKeyDictionary[LambdaImage, bool] = weakref.WeakKeyDictionary()
_OUTDIRS: weakref.WeakKeyDictionary[Stack, str] = weakref.WeakKeyDictionary()


def _outdir(stack: Stack) -> str:
    if stack not in _OUTDIRS:
        stage = Stage.of(stack)
        _OUTDIRS[stack] = stage.outdir if stage is not None else ""
    return _OUTDIRS[stack]


def add_asset_metadata(resource: CfnResource, image: LambdaImage, function_stack: Stack) -> None:
    """Write the image asset's metadata on the function's ``resource``. aws-cdk-lib gives
    ``aws:asset:path`` relative to the image's own cloud assembly; a function in another
    ``Stage`` (another assembly folder) gets it relative to its own."""
    if image not in _ENABLED:
        _ENABLED[image] = bool(image.asset.node.try_get_context(ENABLED_CONTEXT))
    if not _ENABLED[image]:
        return
    image.asset.add_resource_metadata(resource, "Code.ImageUri")
    image_outdir, function_outdir = _outdir(stack_of(image)), _outdir(function_stack)
    if image_outdir != function_outdir:
        staged = os.path.join(image_outdir, f"asset.{image.asset.asset_hash}")
        resource.add_metadata(PATH_KEY, os.path.relpath(staged, function_outdir))
