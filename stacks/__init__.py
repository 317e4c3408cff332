"""Deployable units composed from lambda_image_constructs."""

from .image_repository_stack import ImageRepositoryStack

__all__ = ["ImageRepositoryStack"]
