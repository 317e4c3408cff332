"""Deployable units composed from lambda_image_constructs."""

from .config import AppConfig, load_from_context, parse_config
from .image_function_stack import ImageFunctionStack
from .image_repository_stack import ImageRepositories, ImageRepositoryStack
from .image_stack import ImageStack
from .org_wide import OrgWideFunctionsStack, OrgWideFunctionsStage
from .pipeline_stack import PipelineStack, build_pipelines
from .stages import ConsumerAccountStage, ImageAccountStage

__all__ = [
    "AppConfig",
    "ConsumerAccountStage",
    "ImageAccountStage",
    "ImageFunctionStack",
    "ImageRepositories",
    "ImageRepositoryStack",
    "ImageStack",
    "OrgWideFunctionsStack",
    "OrgWideFunctionsStage",
    "PipelineStack",
    "build_pipelines",
    "load_from_context",
    "parse_config",
]
