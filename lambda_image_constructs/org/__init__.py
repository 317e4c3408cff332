"""Deployable units composed from lambda_image_constructs."""

from .config import AppConfig, load_from_context, parse_config
from .image_function_stack import ImageFunctionStack
from .image_repository_stack import ImageRepositories, ImageRepositoryStack
from .image_stack import ImageStack
from .pipeline_stack import PipelineStack
from .stages import ConsumerAccountStage, ImageAccountStage

__all__ = [
    "AppConfig",
    "ConsumerAccountStage",
    "ImageAccountStage",
    "ImageFunctionStack",
    "ImageRepositories",
    "ImageRepositoryStack",
    "ImageStack",
    "PipelineStack",
    "load_from_context",
    "parse_config",
]
