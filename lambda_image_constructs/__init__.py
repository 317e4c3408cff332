"""AWS CDK v2 constructs for AWS Lambda container images.

- :class:`LambdaImageRepository`: an ECR repository with the Lambda guide's same-account and
  cross-account repository policies.
- :class:`LambdaImage`: a Docker image asset built for one Lambda architecture, its Dockerfile
  checked at synth, published where consumer accounts can pull it.
- :class:`ImageFunction` and :class:`ImageSource`: a function running such an image, with its
  image configuration overridable and checked per function.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .architecture import LambdaArchitecture
    from .errors import LambdaImageValidationError, Problem
    from .function import ImageFunction, ImageSource
    from .image import ALWAYS_EXCLUDED, LambdaImage, image_publishing_synthesizer
    from .pull_through_cache import PullThroughCache
    from .repository import ConsumerAccount, LambdaImageRepository
    from .rollout import ConcurrencyScaling, Deployment
    from .scanning import RegistryScanning
    from .signing import RegistrySigning
    from .user_app import run

try:
    # One source for the version: pyproject.toml, read from the installed package's metadata.
    __version__ = version("lambda-image-constructs")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

# Imported on first use (PEP 562): the console scripts `lambda-images` and
# `lambda-images-docker` live in this package and must start without aws_cdk, whose import
# starts a Node process (and fails where Node is not on PATH).
_EXPORTS = {
    "ALWAYS_EXCLUDED": ".image",
    "ConcurrencyScaling": ".rollout",
    "ConsumerAccount": ".repository",
    "Deployment": ".rollout",
    "ImageFunction": ".function",
    "ImageSource": ".function",
    "LambdaArchitecture": ".architecture",
    "LambdaImage": ".image",
    "LambdaImageRepository": ".repository",
    "LambdaImageValidationError": ".errors",
    "Problem": ".errors",
    "PullThroughCache": ".pull_through_cache",
    "RegistryScanning": ".scanning",
    "RegistrySigning": ".signing",
    "image_publishing_synthesizer": ".image",
    "run": ".user_app",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ALWAYS_EXCLUDED",
    "ConcurrencyScaling",
    "ConsumerAccount",
    "Deployment",
    "ImageFunction",
    "ImageSource",
    "LambdaArchitecture",
    "LambdaImage",
    "LambdaImageRepository",
    "LambdaImageValidationError",
    "Problem",
    "PullThroughCache",
    "RegistryScanning",
    "RegistrySigning",
    "image_publishing_synthesizer",
    "run",
]
